#include "server/resident_import.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/id_card.h"

namespace outpost::server {
namespace {

using ::testing::HasSubstr;

ImportOptions Options() {
  ImportOptions options;
  options.id_key = "test-key-0123456789";
  options.scopes = sync::ScopeSet::Of({"yatai"});
  return options;
}

TEST(ResidentImportTest, HeaderMustNameTheRequiredColumns) {
  auto plan = PlanResidentImport("name,community\n张伟,yatai\n", Options());
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(),
              HasSubstr("missing column(s) compound, building"));
  EXPECT_FALSE(PlanResidentImport("", Options()).ok());
}

TEST(ResidentImportTest, GroupsHouseholdsAndKeepsQuotedFields) {
  const std::string csv =
      "community,compound,building,unit,room,name,id_number\n"
      "yatai,c1,3,2,501,\"欧阳, 娜\",11010519491231002X\n"
      "yatai,c1,3,2,501,王芳,440524198001010013\n"
      "yatai,c1,3,2,502,李强,\n";
  auto plan = PlanResidentImport(csv, Options());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->lines, 3);
  EXPECT_EQ(plan->households,
            1);  // the third line is rejected before its household
  EXPECT_EQ(plan->residents, 2);
  ASSERT_EQ(plan->rejects.size(), 1u);
  EXPECT_EQ(plan->rejects[0].line(), 4);
  EXPECT_THAT(plan->rejects[0].reason(), HasSubstr("id_number: required"));
  ASSERT_EQ(plan->writes.size(), 3u);
  EXPECT_EQ(plan->writes[0].table, "households");
  EXPECT_EQ(plan->writes[1].fields[0].second.text_value(), "欧阳, 娜");
}

TEST(ResidentImportTest, KnownResidentsAreRejectedKnownHouseholdsReused) {
  ImportOptions options = Options();
  options.exists = [](const std::string& table, const std::string&) {
    return table == "households";
  };
  auto plan = PlanResidentImport(
      "community,compound,building,unit,room,name,id_number\n"
      "yatai,c1,3,2,501,张伟,11010519491231002X\n",
      options);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->households, 0);
  EXPECT_EQ(plan->residents, 1);
  options.exists = [](const std::string&, const std::string&) { return true; };
  plan = PlanResidentImport(
      "community,compound,building,unit,room,name,id_number\n"
      "yatai,c1,3,2,501,张伟,11010519491231002X\n",
      options);
  ASSERT_EQ(plan->rejects.size(), 1u);
  EXPECT_THAT(plan->rejects[0].reason(), HasSubstr("already registered"));
}

}  // namespace
}  // namespace outpost::server
