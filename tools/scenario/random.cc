#include "tools/scenario/random.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace outpost::scenario {

size_t Rng::Weighted(const std::vector<double>& weights) {
  const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  double x = Unit() * sum;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (x < weights[i]) return i;
    x -= weights[i];
  }
  return weights.size() - 1;
}

std::vector<int64_t> Split(int64_t total, int parts, int64_t min_each,
                           const std::vector<double>& weights) {
  std::vector<int64_t> out(parts, min_each);
  if (parts == 0) return out;
  const int64_t rest = total - min_each * parts;
  std::vector<double> w = weights;
  if (w.size() != static_cast<size_t>(parts)) w.assign(parts, 1.0);
  const double sum = std::accumulate(w.begin(), w.end(), 0.0);
  // Largest remainder: floors first, then one each by largest fraction
  // (ties by index, so the result is the same everywhere).
  std::vector<std::pair<double, int>> fractions;
  int64_t given = 0;
  for (int i = 0; i < parts; ++i) {
    const double exact = static_cast<double>(rest) * w[i] / sum;
    const int64_t floor = static_cast<int64_t>(std::floor(exact));
    out[i] += floor;
    given += floor;
    fractions.push_back({exact - static_cast<double>(floor), i});
  }
  std::stable_sort(
      fractions.begin(), fractions.end(),
      [](const auto& a, const auto& b) { return a.first > b.first; });
  for (int64_t k = 0; k < rest - given; ++k) ++out[fractions[k % parts].second];
  return out;
}

}  // namespace outpost::scenario
