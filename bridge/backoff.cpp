#include "bridge/backoff.hpp"

#include <algorithm>

namespace tern::bridge {

std::chrono::milliseconds backoff::next() {
  using std::chrono::milliseconds;
  const milliseconds base = base_;
  if (!cap_) return base;
  const milliseconds cap = std::max<milliseconds>(*cap_, base);
  // Doubling stops at the cap (and before the shift could overflow).
  milliseconds ceiling = base;
  for (unsigned i = 0; i < failures_ && ceiling < cap; ++i)
    ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  ++failures_;
  std::uniform_int_distribution<std::int64_t> pick(base.count(), ceiling.count());
  return milliseconds(pick(rng_));
}

}  // namespace tern::bridge
