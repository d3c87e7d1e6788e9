#include "tools/scenario/people.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "server/id_card.h"

namespace outpost::scenario {
namespace {

// The most common surnames, roughly by frequency (weights below).
const std::vector<std::string>& Surnames() {
  static const auto* v = new std::vector<std::string>{
      "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
      "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
      "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
      "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
      "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈"};
  return *v;
}

const std::vector<double>& SurnameWeights() {
  static const auto* v = [] {
    auto* w = new std::vector<double>();
    for (size_t i = 0; i < Surnames().size(); ++i)
      w->push_back(10.0 / (3.0 + static_cast<double>(i)));
    return w;
  }();
  return *v;
}

const std::vector<std::string>& MaleChars() {
  static const auto* v = new std::vector<std::string>{
      "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超",
      "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "斌", "宇",
      "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林",
      "国", "建", "文", "志", "海", "峰", "德", "成", "亮", "兵"};
  return *v;
}

const std::vector<std::string>& FemaleChars() {
  static const auto* v = new std::vector<std::string>{
      "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲",
      "桂", "英", "华", "燕", "红", "梅", "琳", "婷", "雪", "慧",
      "颖", "倩", "洁", "萍", "兰", "琴", "云", "莉", "欣", "佳",
      "怡", "晶", "凤", "春", "丹", "月", "玉", "珍", "晓", "蓉"};
  return *v;
}

// Region codes: Wuhan's districts (the office's own city) dominate; the rest
// from elsewhere in Hubei and other provinces.
const std::vector<std::string>& LocalRegions() {
  static const auto* v = new std::vector<std::string>{
      "420102", "420103", "420104", "420105", "420106", "420107", "420111",
      "420112", "420113", "420114", "420115", "420116", "420117"};
  return *v;
}

const std::vector<std::string>& OtherRegions() {
  static const auto* v = new std::vector<std::string>{
      "420202", "420302", "420502", "420602", "420702", "420802", "420902",
      "421002", "421102", "421202", "421302", "422801", "110105", "310104",
      "440106", "430102", "410105", "360102", "510104", "500103", "340104",
      "320102", "330106", "370102", "610103", "130102", "210102", "350102"};
  return *v;
}

}  // namespace

std::string PeopleMaker::Surname(Rng& rng) const {
  return Surnames()[rng.Weighted(SurnameWeights())];
}

std::string PeopleMaker::Name(Rng& rng, bool male, std::string surname) const {
  const std::vector<std::string>& chars = male ? MaleChars() : FemaleChars();
  std::string name = surname.empty() ? Surname(rng) : std::move(surname);
  name += rng.Pick(chars);
  if (rng.Chance(0.7)) name += rng.Pick(chars);
  return name;
}

int PeopleMaker::BirthYear(Rng& rng) const {
  // Age bands (years) with weights, like a city's pyramid in 2020.
  static const int kBands[][2] = {{0, 14},  {15, 29}, {30, 44},
                                  {45, 59}, {60, 74}, {75, 94}};
  static const std::vector<double> kWeights = {13, 20, 24, 22, 15, 6};
  const auto& band = kBands[rng.Weighted(kWeights)];
  return 2019 - static_cast<int>(rng.Range(band[0], band[1]));
}

std::string PeopleMaker::IdNumber(Rng& rng, int birth_year, bool male) {
  while (true) {
    const std::string& region =
        rng.Chance(0.85) ? rng.Pick(LocalRegions()) : rng.Pick(OtherRegions());
    const absl::CivilDay born =
        absl::CivilDay(birth_year, 1, 1) + rng.Range(0, 364);
    int sequence = static_cast<int>(rng.Range(0, 499)) * 2;  // even
    if (male) sequence += 1;
    const std::string first17 =
        absl::StrFormat("%s%04d%02d%02d%03d", region, born.year(), born.month(),
                        born.day(), sequence);
    std::string number =
        first17 + std::string(1, server::IdCheckCharacter(first17));
    if (issued_.insert(number).second) return number;
  }
}

std::string PeopleMaker::Phone(Rng& rng) const {
  static const std::vector<std::string> kPrefixes = {
      "130", "131", "132", "133", "135", "136", "137", "138", "139", "150",
      "151", "152", "155", "158", "159", "177", "186", "187", "189"};
  return absl::StrCat(rng.Pick(kPrefixes),
                      absl::StrFormat("%08d", rng.Range(0, 99999999)));
}

}  // namespace outpost::scenario
