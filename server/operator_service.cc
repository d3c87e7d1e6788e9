#include "server/operator_service.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/audit.h"
#include "server/auth.h"
#include "server/grpc_status.h"
#include "server/id_card.h"
#include "server/offload.h"
#include "server/operator_authz.h"
#include "sync/replica.h"
#include "sync/status_macros.h"

namespace outpost::server {
namespace {

using outpost::v1::Value;

// A value as an operator reads it: text without quotes, ID numbers masked.
std::string Plain(const IdCipher* cipher, const std::string& field,
                  const Value& value) {
  if (value.kind_case() == Value::kTextValue) {
    if (field != "id_number") return value.text_value();
    return cipher != nullptr ? cipher->Masked(value.text_value())
                             : MaskIdNumber(value.text_value());
  }
  return sync::ValueToString(value);
}

std::string FormatTime(int64_t ms) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(ms),
                          absl::LocalTimeZone());
}

// Text from the CLI to a value of the field's type; the error names the flag.
absl::StatusOr<Value> ParseValue(const sync::TableDef& table,
                                 const std::string& field,
                                 const std::string& text) {
  const sync::FieldDef* def = table.field(field);
  sync::FieldType type = field == sync::kDeletedField
                             ? sync::FieldType::kBool
                             : (def ? def->type : sync::FieldType::kText);
  Value v;
  switch (type) {
    case sync::FieldType::kText:
      v.set_text_value(text);
      return v;
    case sync::FieldType::kBytes:
      v.set_bytes_value(text);
      return v;
    case sync::FieldType::kInt: {
      int64_t n;
      if (!absl::SimpleAtoi(text, &n)) break;
      v.set_int_value(n);
      return v;
    }
    case sync::FieldType::kReal: {
      double d;
      if (!absl::SimpleAtod(text, &d)) break;
      v.set_real_value(d);
      return v;
    }
    case sync::FieldType::kBool: {
      bool b;
      if (!absl::SimpleAtob(text, &b)) break;
      v.set_bool_value(b);
      return v;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("value: \"", text, "\" is not a ", sync::FieldTypeName(type),
                   " (field ", field, ")"));
}

// The shown value of every field of a row state (deleted rows included).
std::map<std::string, Value> ShownValues(const sync::TableDef& table,
                                         const sync::RowState& row) {
  std::map<std::string, Value> out;
  for (const sync::FieldState& f : row.fields()) {
    if (f.field() == sync::kDeletedField) continue;
    const sync::Sibling* s =
        sync::ShownSibling(table.field(f.field()), table, f);
    if (s != nullptr) out[f.field()] = s->value();
  }
  return out;
}

std::string Text(const IdCipher* cipher,
                 const std::map<std::string, Value>& values,
                 const std::string& field) {
  auto it = values.find(field);
  if (it == values.end()) return "";
  return Plain(cipher, field, it->second);
}

void AddFact(outpost::v1::ConflictShowResponse* out, const std::string& label,
             const std::string& value) {
  if (value.empty()) return;
  auto* f = out->add_row();
  f->set_label(label);
  f->set_value(value);
}

const char* kAuditQuery =
    "SELECT at_ms, author, 'resolve', target_table || '/' || target_row || "
    "'.' || field, chosen || ' (' || kind || ')', reason, id, scope, field "
    "FROM sys_resolutions WHERE at_ms >= ?1 "
    "UNION ALL "
    "SELECT at_ms, author, action, target, detail, reason, node, scope, '' "
    "FROM sys_audit WHERE at_ms >= ?1 ORDER BY 1, 3, 4";

}  // namespace

// ---- Conflicts ----

grpc::ServerUnaryReactor* OperatorService::ConflictShow(
    grpc::CallbackServerContext* context,
    const outpost::v1::ConflictShowRequest* request,
    outpost::v1::ConflictShowResponse* response) {
  return Offload(pool_, context, [this, request, response] {
    return DoConflictShow(*request, response);
  });
}

absl::Status OperatorService::DoConflictShow(
    const outpost::v1::ConflictShowRequest& request,
    outpost::v1::ConflictShowResponse* response) {
  const IdCipher* cipher = cipher_.get();
  if (request.id().empty()) {
    return absl::InvalidArgumentError("id: a conflict id is required");
  }
  ASSIGN_OR_RETURN(sync::Conflict c, store_->ExplainConflict(request.id()));
  RETURN_IF_ERROR(CallerMayUse(c.scope));  // the token's community
  const sync::TableDef* table = store_->schema().table(c.table);
  if (table == nullptr) {
    return absl::DataLossError(absl::StrCat("unknown table ", c.table));
  }
  auto* v = response->mutable_conflict();
  v->set_id(c.id);
  v->set_table(c.table);
  v->set_row_id(c.row_id);
  v->set_scope(c.scope);
  v->set_field(c.field);
  v->set_kind(sync::ConflictKindName(c.kind));
  int n = 0;
  for (const sync::ConflictValue& cv : c.values) {
    ++n;
    auto* x = v->add_values();
    *x->mutable_dot() = cv.dot;
    x->set_hlc(cv.hlc);
    Value shown_value = cv.value;
    if (cv.field == "id_number" && cv.value.kind_case() == Value::kTextValue) {
      shown_value.set_text_value(MaskIdNumber(cv.value.text_value()));
    }
    *x->mutable_value() = shown_value;
    x->set_author(cv.author);
    x->set_shown(cv.shown);
    x->set_field(cv.field);
    const std::string who =
        absl::StrCat(sync::NodeOfOrigin(cv.dot.origin()), ", ",
                     cv.author.empty() ? "-" : cv.author, ", ",
                     FormatTime(sync::HlcPhysicalMs(cv.hlc)));
    if (c.kind == sync::ConflictKind::kDeleteVsUpdate) {
      const bool is_delete = cv.field == sync::kDeletedField;
      response->add_options(absl::StrCat(
          "--pick=", n, "  ",
          is_delete ? "删除 deletion -> 保持删除 stay deleted"
                    : absl::StrCat("修改 edit ", cv.field, "=",
                                   Plain(cipher, cv.field, cv.value),
                                   " -> 恢复 restore"),
          "  (", who, ")"));
    } else {
      response->add_options(
          absl::StrCat("--pick=", n, "  ", Plain(cipher, cv.field, cv.value),
                       "  (", who, ")", cv.shown ? "  [当前 shown]" : ""));
    }
  }
  if (c.kind == sync::ConflictKind::kDeleteVsUpdate) {
    response->add_options("--stay_deleted  保持删除 keep the row deleted");
    response->add_options(
        "--restore  恢复 restore the row with the concurrent edits");
  } else {
    response->add_options("--value=V  输入新值 enter a new value");
  }

  // The row in words.
  ASSIGN_OR_RETURN(sync::RowState row, store_->ReadRow(c.table, c.row_id));
  const std::map<std::string, Value> values = ShownValues(*table, row);
  AddFact(response, "状态 state",
          sync::IsDeleted(row) ? "已删除 deleted" : "有效 live");
  if (c.table == "residents") {
    AddFact(response, "姓名 name", Text(cipher, values, "name"));
    AddFact(response, "身份证 id number", Text(cipher, values, "id_number"));
    AddFact(response, "电话 phone", Text(cipher, values, "phone"));
    AddFact(response, "管控 control", Text(cipher, values, "control"));
    const std::string household = Text(cipher, values, "household");
    AddFact(response, "住户 household", household);
    if (!household.empty()) {
      absl::StatusOr<std::map<std::string, Value>> hh =
          store_->ReadValues("households", household);
      if (hh.ok()) {
        std::string compound = Text(cipher, *hh, "compound");
        absl::StatusOr<std::map<std::string, Value>> cp =
            store_->ReadValues("compounds", compound);
        if (cp.ok() && !Text(cipher, *cp, "name").empty()) {
          compound =
              absl::StrCat(Text(cipher, *cp, "name"), " (", compound, ")");
        }
        // 3栋 2单元 501室: building, unit, room as an address is written.
        std::string flat;
        for (const auto& [field, suffix] :
             {std::pair<const char*, const char*>{"building", "栋"},
              {"unit", "单元"},
              {"room", "室"}}) {
          const std::string part = Text(cipher, *hh, field);
          if (!part.empty())
            absl::StrAppend(&flat, flat.empty() ? "" : " ", part, suffix);
        }
        std::vector<std::string> parts;
        for (const std::string& p :
             {Text(cipher, *hh, "community"), compound, flat}) {
          if (!p.empty()) parts.push_back(p);
        }
        AddFact(response, "地址 address", absl::StrJoin(parts, " / "));
      }
    }
  } else {
    for (const sync::FieldDef& f : table->fields) {
      AddFact(response, f.name, Text(cipher, values, f.name));
    }
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* OperatorService::ConflictResolve(
    grpc::CallbackServerContext* context,
    const outpost::v1::ConflictResolveRequest* request,
    outpost::v1::ConflictResolveResponse* response) {
  return Offload(pool_, context, [this, context, request, response] {
    return DoConflictResolve(*context, *request, response);
  });
}

absl::Status OperatorService::DoConflictResolve(
    const grpc::ServerContextBase& context,
    const outpost::v1::ConflictResolveRequest& request,
    outpost::v1::ConflictResolveResponse* response) {
  const IdCipher* cipher = cipher_.get();
  if (request.id().empty()) {
    return absl::InvalidArgumentError("id: a conflict id is required");
  }
  if (request.reason().empty()) {
    return absl::InvalidArgumentError(
        "reason: required to resolve a conflict (why this value)");
  }
  const int ways = (request.pick() != 0) + request.has_value() +
                   request.stay_deleted() + request.restore();
  if (ways != 1) {
    return absl::InvalidArgumentError(
        "give exactly one of --pick=N, --value=V, --stay_deleted, --restore");
  }
  ASSIGN_OR_RETURN(sync::Conflict c, store_->ExplainConflict(request.id()));
  ASSIGN_OR_RETURN(OperatorIdentity who,
                   RequireOperator(context, request.by(), c.scope));
  const std::string& author = who.name;
  const sync::TableDef* table = store_->schema().table(c.table);
  sync::Resolution resolution;
  resolution.reason = request.reason();
  resolution.author = author;
  if (c.kind == sync::ConflictKind::kDeleteVsUpdate) {
    if (request.has_value()) {
      return absl::InvalidArgumentError(
          "value: a delete-vs-edit conflict is settled with --stay_deleted, "
          "--restore or --pick of the deletion or an edit");
    }
    bool keep = request.stay_deleted();
    if (request.pick() != 0) {
      if (request.pick() < 1 ||
          request.pick() > static_cast<int>(c.values.size())) {
        return absl::InvalidArgumentError(
            absl::StrCat("pick: must be 1..", c.values.size()));
      }
      keep = c.values[request.pick() - 1].field == sync::kDeletedField;
    }
    resolution.row_action = keep ? sync::Resolution::RowAction::kKeepDeleted
                                 : sync::Resolution::RowAction::kRestore;
  } else {
    if (request.stay_deleted() || request.restore()) {
      return absl::InvalidArgumentError(
          "--stay_deleted/--restore settle delete-vs-edit conflicts only; "
          "this one is about a value: use --pick=N or --value=V");
    }
    if (request.has_value()) {
      ASSIGN_OR_RETURN(Value value,
                       ParseValue(*table, c.field, request.value()));
      resolution.value = value;
    } else {
      if (request.pick() < 1 ||
          request.pick() > static_cast<int>(c.values.size())) {
        return absl::InvalidArgumentError(
            absl::StrCat("pick: must be 1..", c.values.size()));
      }
      resolution.pick = request.pick();
    }
  }
  ASSIGN_OR_RETURN(sync::WriteResult result,
                   store_->ResolveConflict(request.id(), resolution));
  *response->mutable_dot() = result.dot;
  response->set_hlc(result.hlc);
  if (resolution.row_action == sync::Resolution::RowAction::kKeepDeleted) {
    response->set_chosen("保持删除 stay deleted");
  } else if (resolution.row_action == sync::Resolution::RowAction::kRestore) {
    response->set_chosen("恢复 restore");
  } else {
    response->set_chosen(Plain(cipher, c.field,
                               resolution.value.has_value()
                                   ? *resolution.value
                                   : c.values[resolution.pick - 1].value));
  }
  return absl::OkStatus();
}

// ---- Quarantine ----

namespace {
void FillQuarantine(const IdCipher* cipher, const sync::QuarantineEntry& e,
                    outpost::v1::QuarantineView* v) {
  v->set_id(e.id);
  v->set_peer(e.peer);
  v->set_code(absl::StatusCodeToString(static_cast<absl::StatusCode>(e.code)));
  v->set_reason(e.reason);
  v->set_origin(e.change.dot().origin());
  v->set_seq(e.change.dot().seq());
  v->set_table(e.change.table());
  v->set_row_id(e.change.row_id());
  v->set_scope(e.change.scope());
  v->set_received_ms(e.received_ms);
  for (const sync::FieldWrite& w : e.change.writes()) {
    if (w.field() == sync::kDeletedField) {
      v->add_writes(w.value().bool_value() ? "(delete)" : "(restore)");
    } else {
      v->add_writes(
          absl::StrCat(w.field(), "=", Plain(cipher, w.field(), w.value())));
    }
  }
}
}  // namespace

grpc::ServerUnaryReactor* OperatorService::QuarantineList(
    grpc::CallbackServerContext* context,
    const outpost::v1::QuarantineListRequest*,
    outpost::v1::QuarantineListResponse* response) {
  return Offload(pool_, context,
                 [this, response] { return DoQuarantineList(response); });
}

absl::Status OperatorService::DoQuarantineList(
    outpost::v1::QuarantineListResponse* response) {
  const IdCipher* cipher = cipher_.get();
  ASSIGN_OR_RETURN(std::vector<sync::QuarantineEntry> entries,
                   store_->ListQuarantine());
  for (const sync::QuarantineEntry& e : entries) {
    if (!CallerMayUse(e.change.scope()).ok()) continue;  // another community's
    FillQuarantine(cipher, e, response->add_entries());
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* OperatorService::QuarantineShow(
    grpc::CallbackServerContext* context,
    const outpost::v1::QuarantineShowRequest* request,
    outpost::v1::QuarantineView* response) {
  return Offload(pool_, context, [this, request, response] {
    return DoQuarantineShow(request->id(), response);
  });
}

absl::Status OperatorService::DoQuarantineShow(
    int64_t id, outpost::v1::QuarantineView* out) {
  const IdCipher* cipher = cipher_.get();
  ASSIGN_OR_RETURN(std::vector<sync::QuarantineEntry> entries,
                   store_->ListQuarantine());
  for (const sync::QuarantineEntry& e : entries) {
    if (e.id == id) {
      RETURN_IF_ERROR(CallerMayUse(e.change.scope()));
      FillQuarantine(cipher, e, out);
      return absl::OkStatus();
    }
  }
  return absl::NotFoundError(absl::StrCat("quarantine entry ", id,
                                          " not found (retried or discarded "
                                          "already?)"));
}

grpc::ServerUnaryReactor* OperatorService::QuarantineRetry(
    grpc::CallbackServerContext* context,
    const outpost::v1::QuarantineActionRequest* request,
    outpost::v1::QuarantineActionResponse*) {
  return Offload(pool_, context, [this, context, request] {
    return DoQuarantineAction(*context, /*retry=*/true, *request);
  });
}

grpc::ServerUnaryReactor* OperatorService::QuarantineDiscard(
    grpc::CallbackServerContext* context,
    const outpost::v1::QuarantineActionRequest* request,
    outpost::v1::QuarantineActionResponse*) {
  return Offload(pool_, context, [this, context, request] {
    return DoQuarantineAction(*context, /*retry=*/false, *request);
  });
}

absl::Status OperatorService::DoQuarantineAction(
    const grpc::ServerContextBase& context, bool retry,
    const outpost::v1::QuarantineActionRequest& request) {
  if (!retry && request.reason().empty()) {
    return absl::InvalidArgumentError(
        "reason: required to discard a quarantined change");
  }
  outpost::v1::QuarantineView entry;
  RETURN_IF_ERROR(DoQuarantineShow(request.id(), &entry));
  ASSIGN_OR_RETURN(OperatorIdentity who,
                   RequireOperator(context, request.by(), entry.scope()));
  const std::string& author = who.name;
  const std::string target =
      absl::StrCat("quarantine ", entry.id(), ": ", entry.table(), "/",
                   entry.row_id(), " from ", entry.origin(), ":", entry.seq());
  const sync::WriteRequest record = AuditWrite(
      *store_, {AuditScopeFor(*store_, entry.scope()),
                retry ? "quarantine_retry" : "quarantine_discard", target,
                absl::StrCat(entry.code(), ": ", entry.reason()),
                request.reason(), author});
  if (!retry) return store_->DiscardQuarantined(request.id(), &record);
  absl::Status status = store_->RetryQuarantined(request.id(), &record);
  if (!status.ok() && !absl::IsNotFound(status) &&
      (absl::IsInvalidArgument(status) || absl::IsPermissionDenied(status) ||
       absl::IsFailedPrecondition(status) || absl::IsAlreadyExists(status))) {
    // Still refused: the entry stays; that is the node's answer, not bad
    // usage of the command.
    return absl::FailedPreconditionError(
        absl::StrCat("quarantine entry ", request.id(),
                     " is still refused, kept: ", status.message()));
  }
  return status;
}

// ---- Audit ----

grpc::ServerUnaryReactor* OperatorService::Audit(
    grpc::CallbackServerContext* context,
    const outpost::v1::AuditRequest* request,
    outpost::v1::AuditResponse* response) {
  return Offload(pool_, context, [this, request, response] {
    return DoAudit(*request, response);
  });
}

absl::Status OperatorService::DoAudit(const outpost::v1::AuditRequest& request,
                                      outpost::v1::AuditResponse* response) {
  return store_->WithReader([&](sync::Database* db) -> absl::Status {
    sync::Statement& st = db->Cached(kAuditQuery);
    st.BindInt(1, request.since_ms());
    while (true) {
      absl::StatusOr<bool> row = st.Step();
      if (!row.ok()) {
        st.Reset();
        return row.status();
      }
      if (!*row) break;
      auto* e = response->add_entries();
      e->set_at_ms(st.ColumnInt(0));
      e->set_author(st.ColumnText(1));
      e->set_action(st.ColumnText(2));
      e->set_target(st.ColumnText(3));
      e->set_reason(st.ColumnText(5));
      e->set_scope(st.ColumnText(7));
      const std::string field = st.ColumnText(8);
      if (e->action() == "resolve") {
        // sys_resolutions ids are "<conflict>/<origin>/<seq>": the node
        // that resolved is the origin's node (origins are <node>/<run>).
        std::vector<std::string> parts = absl::StrSplit(st.ColumnText(6), '/');
        e->set_node(parts.size() >= 3 ? parts[1] : "");
        e->set_detail(field == "id_number" ? "(id number, masked)"
                                           : st.ColumnText(4));
      } else {
        e->set_node(st.ColumnText(6));
        e->set_detail(st.ColumnText(4));
      }
    }
    st.Reset();
    return absl::OkStatus();
  });
}

}  // namespace outpost::server
