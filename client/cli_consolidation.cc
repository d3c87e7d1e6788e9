// `outpost` commands of the central office's consolidation work: daily and
// zero reports, supplies and donations, services for quarantined homes,
// emergency responses, business reopening, the summary and CSV export.
#include <csv.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/cli.h"
#include "client/cli_flags.h"

ABSL_FLAG(std::string, date, "", "report date, YYYY-MM-DD");
ABSL_FLAG(bool, zero, false, "report submit: an explicit zero report");
ABSL_FLAG(std::string, deadline, "",
          "report completeness: HH:MM on the next day (default 10:00)");
ABSL_FLAG(std::string, item, "", "supply item id (see `supplies items`)");
ABSL_FLAG(std::string, qty, "", "quantity, a positive whole number");
ABSL_FLAG(std::string, location, "",
          "community, checkpoint, enterprise id, or warehouse");
ABSL_FLAG(std::string, source, "", "supplies receive: procurement|donation");
ABSL_FLAG(std::string, donor, "", "supplies receive: the donor");
ABSL_FLAG(std::string, batch, "", "supplies receive: the donation batch");
ABSL_FLAG(std::string, from, "", "supplies issue: source location");
ABSL_FLAG(std::string, to, "", "supplies issue: destination location");
ABSL_FLAG(std::string, detail, "", "services request: what is needed");
ABSL_FLAG(std::string, mode, "", "services visit: phone|in_person");
ABSL_FLAG(std::string, action, "", "incidents action: what was done");
ABSL_FLAG(int, employees, 0, "enterprises: number of employees");
ABSL_FLAG(std::string, filing_status, "",
          "enterprises: applied|reviewed|approved|reopened");
ABSL_FLAG(int, days, 7, "summary: passages by day for the last N days");
ABSL_FLAG(std::string, out, "", "export: the CSV file to write");
ABSL_FLAG(bool, excel, false,
          "export: start the file with a UTF-8 BOM so Excel shows Chinese");

namespace outpost::client {
namespace {

namespace pb = outpost::v1;

constexpr CommandUsage kReport = {
    "report", "日报 communities' daily reports and their completeness",
    "report submit --community=C --date=YYYY-MM-DD [--zero] --by=WHO "
    "[--note=TEXT]\n"
    "report show --community=C --date=YYYY-MM-DD\n"
    "report list [--date=YYYY-MM-DD] [--community=C]\n"
    "report completeness --date=YYYY-MM-DD [--deadline=HH:MM]"};
constexpr CommandUsage kSupplies = {
    "supplies", "物资 supplies received, issued and in stock",
    "supplies items\n"
    "supplies receive --item=I --qty=N --location=L "
    "--source=procurement|donation [--donor=D] [--batch=B] [--by=WHO]\n"
    "supplies issue --item=I --qty=N --from=L --to=L [--kind=transfer] "
    "[--by=WHO]\n"
    "supplies stock [--location=L]"};
constexpr CommandUsage kDonations = {"donations", "捐赠 donations received",
                                     "donations list"};
constexpr CommandUsage kServices = {
    "services", "隔离户服务 services for quarantined homes, and care visits",
    "services request --household=H --kind=purchase|delivery --detail=TEXT "
    "--by=WHO\n"
    "services accept|deliver|cancel ID --by=WHO\n"
    "services list [--status=S] [--community=C]\n"
    "services visit --resident=ID --mode=phone|in_person [--note=TEXT] "
    "--by=WHO\n"
    "services visits [--resident=ID]"};
constexpr CommandUsage kIncidents = {
    "incidents", "应急处置 emergency responses at a compound",
    "incidents open --compound=K --kind=confirmed|suspected [--note=TEXT] "
    "--by=WHO\n"
    "incidents action ID --action=TEXT [--status=S] --by=WHO\n"
    "incidents list [--status=S]"};
constexpr CommandUsage kEnterprises = {
    "enterprises", "企业复工 businesses reopening",
    "enterprises add --id=E --name=N --community=C [--employees=N] --by=WHO\n"
    "enterprises update ID [--filing_status=S] [--employees=N] --by=WHO\n"
    "enterprises list [--community=C] [--filing_status=S]"};
constexpr CommandUsage kSummary = {
    "summary", "汇总 the sub-district at a glance", "summary [--days=7]"};
constexpr CommandUsage kExport = {"export", "导出 a table as CSV",
                                  "export TABLE --out=FILE.csv [--excel]"};

// A whole positive-or-not number from --qty (the node checks the sign).
absl::StatusOr<int64_t> ParseQty() {
  const std::string text = absl::GetFlag(FLAGS_qty);
  int64_t qty = 0;
  if (!absl::SimpleAtoi(text, &qty)) {
    return absl::InvalidArgumentError(
        absl::StrCat("qty: \"", text, "\" is not a whole number"));
  }
  return qty;
}

// Writes one CSV record (RFC 4180 quoting by libcsv).
bool WriteRecord(FILE* f, const std::vector<std::string>& cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0 && std::fputc(',', f) == EOF) return false;
    if (csv_fwrite(f, cells[i].data(), cells[i].size()) != 0) return false;
  }
  return std::fputs("\r\n", f) != EOF;
}

int Export(Client& client, bool json, const std::string& table) {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (table.empty()) {
    return UsageError("export: which TABLE? (e.g. residents)", kExport);
  }
  if (out.empty()) {
    return UsageError("export: --out=FILE.csv is required", kExport);
  }
  // Written beside the target and renamed at the end: a failed export
  // leaves no half-written file.
  const std::string tmp = out + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return Fail(
        absl::PermissionDeniedError(absl::StrCat("--out: cannot write ", tmp)));
  }
  if (absl::GetFlag(FLAGS_excel)) std::fputs("\xEF\xBB\xBF", f);
  std::vector<std::string> header;
  bool header_written = false, io_ok = true;
  int64_t rows = 0;
  absl::Status status = client.ExportTable(
      table, &header, [&](const std::vector<std::string>& row) {
        if (!header_written) {
          io_ok = io_ok && WriteRecord(f, header);
          header_written = true;
        }
        io_ok = io_ok && WriteRecord(f, row);
        ++rows;
      });
  if (status.ok() && !header_written) io_ok = io_ok && WriteRecord(f, header);
  io_ok = (std::fclose(f) == 0) && io_ok;
  std::error_code ec;
  if (!status.ok() || !io_ok) {
    std::filesystem::remove(tmp, ec);
    if (!status.ok()) return Fail(status);
    return Fail(absl::DataLossError(
        absl::StrCat("--out: writing ", tmp, " failed (disk full?)")));
  }
  std::filesystem::rename(tmp, out, ec);
  if (ec) {
    return Fail(
        absl::PermissionDeniedError(absl::StrCat("--out: ", ec.message())));
  }
  if (json) {
    std::cout << "{\"table\": \"" << table << "\", \"rows\": " << rows
              << ", \"out\": \"" << out << "\"}" << std::endl;
  } else {
    std::cout << "导出 exported " << rows << " rows of " << table << " to "
              << out << std::endl;
  }
  return 0;
}

int ShowSummary(const absl::StatusOr<pb::SummaryResponse>& summary, bool json) {
  if (!summary.ok() || json) return Show(summary, json);
  std::cout << "节点 node " << summary->node_id() << " (" << summary->role()
            << ")\n\n按社区 by community (* = 合计 total):\n";
  pb::SummaryResponse communities;
  *communities.mutable_communities() = summary->communities();
  PrintHuman(communities);
  std::cout << "\n通行 passages by day:\n";
  pb::DaySummaries days;
  *days.mutable_days() = summary->days();
  PrintHuman(days);
  std::cout << "\n物资发放 supplies issued:\n";
  pb::ItemsIssued issued;
  *issued.mutable_issued() = summary->issued();
  PrintHuman(issued);
  std::cout << "\n捐赠批次 donation batches:\n";
  pb::DonationBatches batches;
  *batches.mutable_donation_batches() = summary->donation_batches();
  PrintHuman(batches);
  std::cout << "\n人员 staff by role:\n";
  const std::map<std::string, int64_t> roles(summary->staff_by_role().begin(),
                                             summary->staff_by_role().end());
  for (const auto& [role, n] : roles)
    std::printf("  %-16s %lld\n", role.c_str(), static_cast<long long>(n));
  return 0;
}

void PrintReport(const pb::DailyReport& r) {
  std::printf("日报 report %s  %s %s%s\n", r.id().c_str(),
              r.community().c_str(), r.date().c_str(),
              r.zero() ? "  零报告 (zero report)" : "");
  const std::pair<const char*, int64_t> figures[] = {
      {"通行 passages", r.passages()},
      {"发热 fevers", r.fevers()},
      {"劝返 denials", r.denials()},
      {"在管重点人员 key persons under control", r.key_under_control()},
      {"新登记 new registrations", r.new_registrations()},
      {"新告警 alerts opened", r.alerts_opened()},
      {"已处置告警 alerts handled", r.alerts_handled()},
      {"已送达服务 services delivered", r.services_delivered()},
  };
  for (const auto& [label, value] : figures)
    std::printf("  %s: %lld\n", label, static_cast<long long>(value));
  std::printf("  确认人 by: %s  提交 submitted: %s\n", r.by().c_str(),
              FormatMs(r.submitted_ms()).c_str());
  if (!r.note().empty()) std::printf("  备注 note: %s\n", r.note().c_str());
}

int ShowReport(const absl::StatusOr<pb::DailyReport>& report, bool json) {
  if (!report.ok() || json) return Show(report, json);
  PrintReport(*report);
  return 0;
}

int ShowCompleteness(const absl::StatusOr<pb::CompletenessResponse>& c,
                     bool json) {
  if (!c.ok() || json) return Show(c, json);
  auto list = [](const auto& items) {
    std::string out;
    for (const std::string& s : items) absl::StrAppend(&out, " ", s);
    return out.empty() ? std::string(" -") : out;
  };
  std::printf("日期 date %s, 截止 deadline %s\n", c->date().c_str(),
              FormatMs(c->deadline_ms()).c_str());
  std::printf("应报 expected: %d\n", c->expected());
  std::printf("已报 reported (%d):%s\n", c->reported_size(),
              list(c->reported()).c_str());
  std::printf("未报 missing (%d):%s\n", c->missing_size(),
              list(c->missing()).c_str());
  std::printf("迟报 late (%d):%s\n", c->late_size(), list(c->late()).c_str());
  return 0;
}

// A single message with a nested list (an incident and its actions) prints
// as text, not as a table of the nested list.
template <typename Response>
int ShowOne(const absl::StatusOr<Response>& response, bool json) {
  if (!response.ok() || json) return Show(response, json);
  PrintText(*response);
  return 0;
}

}  // namespace

absl::Span<const CommandUsage> ConsolidationUsage() {
  static constexpr CommandUsage kUsage[] = {kReport,   kSupplies,  kDonations,
                                            kServices, kIncidents, kEnterprises,
                                            kSummary,  kExport};
  return kUsage;
}

int ConsolidationCommand(Client& client, bool json,
                         const std::vector<std::string>& args) {
  const std::string command = args.empty() ? "" : args[0];
  const std::string sub = args.size() > 1 ? args[1] : "";
  const std::string arg = args.size() > 2 ? args[2] : "";
  const std::string by = absl::GetFlag(FLAGS_by);
  if (command == "report") {
    if (sub == "submit") {
      pb::SubmitReportRequest r;
      r.set_community(absl::GetFlag(FLAGS_community));
      r.set_date(absl::GetFlag(FLAGS_date));
      r.set_zero(absl::GetFlag(FLAGS_zero));
      r.set_by(by);
      r.set_note(absl::GetFlag(FLAGS_note));
      return ShowReport(client.SubmitReport(r), json);
    }
    if (sub == "show") {
      pb::GetReportRequest r;
      r.set_community(absl::GetFlag(FLAGS_community));
      r.set_date(absl::GetFlag(FLAGS_date));
      return ShowReport(client.GetReport(r), json);
    }
    if (sub == "list") {
      pb::ListReportsRequest r;
      r.set_date(absl::GetFlag(FLAGS_date));
      r.set_community(absl::GetFlag(FLAGS_community));
      return Show(client.ListReports(r), json);
    }
    if (sub == "completeness") {
      pb::CompletenessRequest r;
      r.set_date(absl::GetFlag(FLAGS_date));
      r.set_deadline(absl::GetFlag(FLAGS_deadline));
      return ShowCompleteness(client.Completeness(r), json);
    }
    return UsageError(UnknownCommand(args), kReport);
  }
  if (command == "supplies") {
    if (sub == "items") return Show(client.ListItems({}), json);
    if (sub == "receive") {
      absl::StatusOr<int64_t> qty = ParseQty();
      if (!qty.ok()) return Fail(qty.status());
      pb::ReceiveSuppliesRequest r;
      r.set_item(absl::GetFlag(FLAGS_item));
      r.set_qty(*qty);
      r.set_location(absl::GetFlag(FLAGS_location));
      r.set_source(absl::GetFlag(FLAGS_source));
      r.set_donor(absl::GetFlag(FLAGS_donor));
      r.set_batch(absl::GetFlag(FLAGS_batch));
      r.set_by(by);
      return Show(client.ReceiveSupplies(r), json);
    }
    if (sub == "issue") {
      absl::StatusOr<int64_t> qty = ParseQty();
      if (!qty.ok()) return Fail(qty.status());
      pb::IssueSuppliesRequest r;
      r.set_item(absl::GetFlag(FLAGS_item));
      r.set_qty(*qty);
      r.set_from(absl::GetFlag(FLAGS_from));
      r.set_to(absl::GetFlag(FLAGS_to));
      r.set_kind(absl::GetFlag(FLAGS_kind));
      r.set_by(by);
      return Show(client.IssueSupplies(r), json);
    }
    if (sub == "stock") {
      pb::StockRequest r;
      r.set_location(absl::GetFlag(FLAGS_location));
      return Show(client.Stock(r), json);
    }
    return UsageError(UnknownCommand(args), kSupplies);
  }
  if (command == "donations") {
    if (sub == "list") return Show(client.ListDonations({}), json);
    return UsageError(UnknownCommand(args), kDonations);
  }
  if (command == "services") {
    if (sub == "request") {
      pb::AddServiceRequestRequest r;
      r.set_household(absl::GetFlag(FLAGS_household));
      r.set_kind(absl::GetFlag(FLAGS_kind));
      r.set_detail(absl::GetFlag(FLAGS_detail));
      r.set_by(by);
      return Show(client.AddServiceRequest(r), json);
    }
    if (sub == "accept" || sub == "deliver" || sub == "cancel") {
      pb::UpdateServiceRequestRequest r;
      r.set_id(arg);
      r.set_status(sub == "accept"    ? "accepted"
                   : sub == "deliver" ? "delivered"
                                      : "cancelled");
      r.set_by(by);
      return Show(client.UpdateServiceRequest(r), json);
    }
    if (sub == "list") {
      pb::ListServiceRequestsRequest r;
      r.set_status(absl::GetFlag(FLAGS_status));
      r.set_community(absl::GetFlag(FLAGS_community));
      return Show(client.ListServiceRequests(r), json);
    }
    if (sub == "visit") {
      pb::AddCareVisitRequest r;
      r.set_resident(absl::GetFlag(FLAGS_resident));
      r.set_mode(absl::GetFlag(FLAGS_mode));
      r.set_note(absl::GetFlag(FLAGS_note));
      r.set_by(by);
      return Show(client.AddCareVisit(r), json);
    }
    if (sub == "visits") {
      pb::ListCareVisitsRequest r;
      r.set_resident(absl::GetFlag(FLAGS_resident));
      return Show(client.ListCareVisits(r), json);
    }
    return UsageError(UnknownCommand(args), kServices);
  }
  if (command == "incidents") {
    if (sub == "open") {
      pb::OpenIncidentRequest r;
      r.set_compound(absl::GetFlag(FLAGS_compound));
      r.set_kind(absl::GetFlag(FLAGS_kind));
      r.set_note(absl::GetFlag(FLAGS_note));
      r.set_by(by);
      return ShowOne(client.OpenIncident(r), json);
    }
    if (sub == "action") {
      pb::IncidentActionRequest r;
      r.set_incident(arg);
      r.set_action(absl::GetFlag(FLAGS_action));
      r.set_status(absl::GetFlag(FLAGS_status));
      r.set_by(by);
      return ShowOne(client.AddIncidentAction(r), json);
    }
    if (sub == "list") {
      pb::ListIncidentsRequest r;
      r.set_status(absl::GetFlag(FLAGS_status));
      return Show(client.ListIncidents(r), json);
    }
    return UsageError(UnknownCommand(args), kIncidents);
  }
  if (command == "enterprises") {
    if (sub == "add") {
      pb::AddEnterpriseRequest r;
      r.mutable_enterprise()->set_id(absl::GetFlag(FLAGS_id));
      r.mutable_enterprise()->set_name(absl::GetFlag(FLAGS_name));
      r.mutable_enterprise()->set_community(absl::GetFlag(FLAGS_community));
      r.mutable_enterprise()->set_employees(absl::GetFlag(FLAGS_employees));
      r.mutable_enterprise()->set_by(by);
      return Show(client.AddEnterprise(r), json);
    }
    if (sub == "update") {
      pb::UpdateEnterpriseRequest r;
      r.set_id(arg);
      r.set_filing_status(absl::GetFlag(FLAGS_filing_status));
      r.set_employees(absl::GetFlag(FLAGS_employees));
      r.set_by(by);
      return Show(client.UpdateEnterprise(r), json);
    }
    if (sub == "list") {
      pb::ListEnterprisesRequest r;
      r.set_community(absl::GetFlag(FLAGS_community));
      r.set_filing_status(absl::GetFlag(FLAGS_filing_status));
      return Show(client.ListEnterprises(r), json);
    }
    return UsageError(UnknownCommand(args), kEnterprises);
  }
  if (command == "summary") {
    pb::SummaryRequest r;
    r.set_days(absl::GetFlag(FLAGS_days));
    return ShowSummary(client.Summary(r), json);
  }
  if (command == "export") return Export(client, json, sub);
  return kNotMine;
}

}  // namespace outpost::client
