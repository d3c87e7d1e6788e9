// Plausible people for the scenario: Chinese names from common surnames and
// given-name characters, GB 11643 ID-card numbers (plausible region code and
// birth date, the check character from server/id_card.h), mobile numbers.
// Deterministic: everything comes from the Rng passed in.
#ifndef OUTPOST_TOOLS_SCENARIO_PEOPLE_H_
#define OUTPOST_TOOLS_SCENARIO_PEOPLE_H_

#include <string>

#include "absl/container/flat_hash_set.h"
#include "tools/scenario/random.h"

namespace outpost::scenario {

class PeopleMaker {
 public:
  // A common surname, weighted by frequency.
  std::string Surname(Rng& rng) const;
  // A name: `surname` (a random one when empty) and one or two given
  // characters.
  std::string Name(Rng& rng, bool male, std::string surname = "") const;
  // An 18-character ID-card number unique among those this maker has made:
  // mostly local (Wuhan districts), some from elsewhere in Hubei and other
  // provinces; born between 1925 and 2019 (age-weighted), sequence odd for
  // men, even for women, then the check character.
  std::string IdNumber(Rng& rng, int birth_year, bool male);
  // A birth year weighted like an urban population (few very old).
  int BirthYear(Rng& rng) const;
  // 11-digit mobile number (13x, 15x, 18x ...).
  std::string Phone(Rng& rng) const;

 private:
  absl::flat_hash_set<std::string> issued_;
};

}  // namespace outpost::scenario

#endif  // OUTPOST_TOOLS_SCENARIO_PEOPLE_H_
