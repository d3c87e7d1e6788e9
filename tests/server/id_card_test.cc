#include "server/id_card.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace outpost::server {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow =
    absl::FromCivil(absl::CivilDay(2020, 2, 1), absl::UTCTimeZone());

TEST(IdCardTest, CheckCharacterFollowsGb11643) {
  // The standard's own example, and one whose check is X.
  EXPECT_EQ(IdCheckCharacter("11010519491231002"), 'X');
  EXPECT_EQ(IdCheckCharacter("44052418800101001"), '4');
}

TEST(IdCardTest, AcceptsValidNumbersAndNormalizes) {
  auto id = NormalizeIdNumber(" 11010519491231002x ", kNow);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "11010519491231002X");
  const std::string shantou = "44052419800101001";
  EXPECT_TRUE(
      NormalizeIdNumber(shantou + IdCheckCharacter(shantou), kNow).ok());
  // Born before 1900: not a living resident's number.
  EXPECT_FALSE(NormalizeIdNumber("440524188001010014", kNow).ok());
  // 2000-02-29 exists (2000 was a leap year).
  const std::string leap = "11010520000229001";
  EXPECT_TRUE(NormalizeIdNumber(leap + IdCheckCharacter(leap), kNow).ok());
}

TEST(IdCardTest, RefusesWithFieldAndReason) {
  auto expect_bad = [](absl::string_view input, absl::string_view reason) {
    auto id = NormalizeIdNumber(input, kNow);
    ASSERT_FALSE(id.ok()) << input;
    EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(id.status().message(), HasSubstr("id_number"));
    EXPECT_THAT(id.status().message(), HasSubstr(reason)) << id.status();
  };
  expect_bad("1101051949123100", "18 characters");
  expect_bad("11010519491231002Y", "last character");
  expect_bad("1101051949123A002X", "must be a digit");
  expect_bad("99010519491231002X", "names no province");
  expect_bad("110105194913310020", "birth date");
  expect_bad("110105190002290015", "birth date");  // 1900 was not a leap year
  expect_bad("110105203001010011", "birth date");  // in the future
  expect_bad("110105194912310021", "check character");
  // One mistyped digit is always caught by the check character.
  std::string good = "11010519491231002X";
  for (int i = 14; i < 17; ++i) {
    std::string typo = good;
    typo[i] = typo[i] == '9' ? '0' : static_cast<char>(typo[i] + 1);
    EXPECT_FALSE(NormalizeIdNumber(typo, kNow).ok()) << typo;
  }
}

TEST(IdCardTest, MasksTheMiddle) {
  EXPECT_EQ(MaskIdNumber("410105199001011234"), "410105********1234");
  EXPECT_EQ(MaskIdNumber("short"), "*****");
}

}  // namespace
}  // namespace outpost::server
