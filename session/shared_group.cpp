#include "session/shared_group.hpp"

namespace tern::broker {

namespace {

// splitmix64's finalizer: a cheap, well-mixing 64-bit hash.
constexpr std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

const subscription_entry& shared_group::pick_round_robin() noexcept {
  const auto all = members();
  return all[cursor_.fetch_add(1, std::memory_order_relaxed) % all.size()];
}

std::uint64_t shared_group::sticky_score(std::uint64_t key_hash,
                                         const subscription_entry& e) noexcept {
  return mix(key_hash ^ mix(e.subscriber));
}

const subscription_entry& shared_group::pick_sticky(std::uint64_t key_hash) const noexcept {
  const auto all = members();
  const auto score = [key_hash](const subscription_entry& e) { return sticky_score(key_hash, e); };
  const subscription_entry* best = &all[0];
  std::uint64_t best_score = score(*best);
  for (const subscription_entry& e : all.subspan(1)) {
    const std::uint64_t s = score(e);
    // Ties go to the lower id so the choice does not depend on the order
    // of members, which removals change.
    if (s > best_score || (s == best_score && e.subscriber < best->subscriber)) {
      best_score = s;
      best = &e;
    }
  }
  return *best;
}

}  // namespace tern::broker
