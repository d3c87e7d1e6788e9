#include "server/passage_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace outpost::server {
namespace {

using ::testing::HasSubstr;

std::string Decide(double temp, const char* direction, bool registered,
                   const char* control) {
  auto d = DecidePassage(temp, direction, registered, control);
  return d.ok() ? d->decision : std::string(d.status().message());
}

TEST(PassageRulesTest, Decisions) {
  EXPECT_EQ(Decide(36.5, "in", true, "none"), "ALLOW");
  EXPECT_EQ(Decide(37.2, "out", true, "released"), "ALLOW");
  EXPECT_EQ(Decide(37.3, "in", true, "none"), "FEVER");  // the threshold itself
  EXPECT_EQ(Decide(38.5, "out", true, "home_quarantine"),
            "FEVER");  // fever first
  EXPECT_EQ(Decide(36.5, "out", true, "home_quarantine"), "DENY");
  EXPECT_EQ(Decide(36.5, "out", true, "centralized_quarantine"), "DENY");
  EXPECT_EQ(Decide(36.5, "in", true, "home_quarantine"),
            "ALLOW");  // coming home
  EXPECT_EQ(Decide(36.5, "in", false, ""), "UNKNOWN");
  EXPECT_EQ(Decide(37.5, "in", false, ""), "FEVER");
}

TEST(PassageRulesTest, AlertsOnlyForFeverAndDeniedExit) {
  EXPECT_EQ(DecidePassage(38.0, "in", true, "none")->alert_kind, "fever");
  EXPECT_EQ(DecidePassage(36.0, "out", true, "home_quarantine")->alert_kind,
            "quarantine_exit");
  EXPECT_EQ(DecidePassage(36.0, "out", true, "none")->alert_kind, "");
  EXPECT_EQ(DecidePassage(36.0, "in", false, "")->alert_kind, "");
}

TEST(PassageRulesTest, RefusesBadInputNamingTheField) {
  for (double t : {33.9, 43.1, -1.0, 370.0, std::nan("")}) {
    auto d = DecidePassage(t, "in", true, "none");
    ASSERT_FALSE(d.ok()) << t;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(d.status().message(), HasSubstr("temp"));
  }
  EXPECT_TRUE(DecidePassage(34.0, "in", true, "none").ok());
  EXPECT_TRUE(DecidePassage(43.0, "in", true, "none").ok());
  auto d = DecidePassage(36.5, "sideways", true, "none");
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), HasSubstr("direction"));
}

}  // namespace
}  // namespace outpost::server
