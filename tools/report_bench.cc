// report_bench: how long the consolidation reads take on one community's
// day of data in a real node: SubmitReport (figures computed from the data),
// Completeness, Summary, Stock, and a streamed CSV export of the passages.
// Data goes in through Admin.PutMany (the Store, like any write).
//
//   build/tools/report_bench --passages=200000 --residents=10000
#include <stdlib.h>

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/client.h"
#include "tools/testbed/node_process.h"

ABSL_FLAG(int, passages, 200000, "passages of the day");
ABSL_FLAG(int, residents, 10000, "registered residents");

namespace pb = outpost::v1;

namespace {

void Check(const absl::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "report_bench: %s: %s\n", what,
                 std::string(s.message()).c_str());
    std::exit(1);
  }
}

void PutMany(outpost::testing::NodeProcess& node, pb::PutManyRequest& r) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(120));
  pb::PutManyResponse response;
  grpc::Status s = node.admin().PutMany(&context, r, &response);
  if (!s.ok()) {
    std::fprintf(stderr, "report_bench: PutMany: %s\n",
                 s.error_message().c_str());
    std::exit(1);
  }
  r.Clear();
}

template <typename F>
double Millis(F f) {
  const absl::Time start = absl::Now();
  f();
  return absl::ToDoubleMilliseconds(absl::Now() - start);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::string templ = "/tmp/outpost-report-XXXXXX";
  const std::string dir = mkdtemp(templ.data());
  auto node = outpost::testing::NodeProcess::Start(
      {"central", "central", dir, "", "127.0.0.1:0", {"--log_level=error"}});
  if (!node.ok()) return 1;
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  pb::PutManyRequest r;
  for (int i = 0; i < absl::GetFlag(FLAGS_residents); ++i) {
    auto* put = r.add_puts();
    put->set_table("residents");
    put->set_row_id(absl::StrCat("r", 1000000 + i));
    put->set_scope("yatai");
    (*put->mutable_fields())["name"].set_text_value("居民");
    (*put->mutable_fields())["household"].set_text_value(
        absl::StrCat("h", i / 3));
    (*put->mutable_fields())["control"].set_text_value(
        i % 50 == 0 ? "home_quarantine" : "none");
    if (r.puts_size() == 2000) PutMany(**node, r);
  }
  for (int i = 0; i < absl::GetFlag(FLAGS_passages); ++i) {
    auto* put = r.add_puts();
    put->set_table("passages");
    put->set_row_id(absl::StrCat("p", 10000000 + i));
    put->set_scope("yatai");
    (*put->mutable_fields())["checkpoint"].set_text_value("cp-01");
    (*put->mutable_fields())["temp"].set_real_value(36.5);
    (*put->mutable_fields())["decision"].set_text_value(
        i % 1000 == 0 ? "FEVER" : "ALLOW");
    (*put->mutable_fields())["at_ms"].set_int_value(now_ms - i);
    if (r.puts_size() == 2000) PutMany(**node, r);
  }
  if (r.puts_size() > 0) PutMany(**node, r);

  auto client = outpost::client::Client::Connect(
      {(*node)->address(), absl::Seconds(120), (*node)->admin_token(), ""});
  Check(client.status(), "connect");
  pb::AddCommunityRequest community;
  community.mutable_community()->set_id("yatai");
  community.mutable_community()->set_name("亚泰");
  Check((*client)->AddCommunity(community).status(), "community");
  const std::string today = absl::FormatCivilTime(
      absl::ToCivilDay(absl::Now(), absl::LocalTimeZone()));
  pb::SubmitReportRequest submit;
  submit.set_community("yatai");
  submit.set_date(today);
  submit.set_by("bench");
  absl::StatusOr<pb::DailyReport> report;
  const double submit_ms =
      Millis([&] { report = (*client)->SubmitReport(submit); });
  Check(report.status(), "submit");
  pb::CompletenessRequest completeness;
  completeness.set_date(today);
  const double completeness_ms = Millis(
      [&] { Check((*client)->Completeness(completeness).status(), "c"); });
  const double summary_ms =
      Millis([&] { Check((*client)->Summary({}).status(), "summary"); });
  const double stock_ms =
      Millis([&] { Check((*client)->Stock({}).status(), "stock"); });
  int64_t rows = 0;
  std::vector<std::string> header;
  const double export_ms = Millis([&] {
    Check((*client)->ExportTable(
              "passages", &header,
              [&](const std::vector<std::string>&) { ++rows; }),
          "export");
  });
  std::printf(
      "data: %d residents, %d passages of today\n"
      "report submit: %.1f ms (passages %d, fevers %d, registrations %d, "
      "under control %d)\n"
      "completeness: %.1f ms\nsummary: %.1f ms\nstock: %.1f ms\n"
      "export passages: %lld rows in %.0f ms (%.0f rows/s)\n",
      absl::GetFlag(FLAGS_residents), absl::GetFlag(FLAGS_passages), submit_ms,
      report->passages(), report->fevers(), report->new_registrations(),
      report->key_under_control(), completeness_ms, summary_ms, stock_ms,
      static_cast<long long>(rows), export_ms, rows * 1000.0 / export_ms);
  (*node)->Stop();
  std::string rm = "rm -rf " + dir;
  return std::system(rm.c_str()) == 0 ? 0 : 1;
}
