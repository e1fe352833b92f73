#pragma once
// The members of one shared subscription group on one filter
// ("$share/{name}/{filter}", spec 4.8.2): each matching message goes to one
// member only, which one is the router's choice among the pick_* policies.
//
// Threads: membership changes only through subscription_trie, under the
// caller's exclusive lock. The pick_* functions only read the members and
// advance an atomic cursor, so they may run concurrently with each other
// (e.g. under a shared reader lock), but not with a subscribe/unsubscribe.

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "session/subscriber_list.hpp"
#include "session/subscription_entry.hpp"

namespace tern::broker {

class shared_group {
 public:
  // `share_filter` is the whole "$share/{name}/{filter}" as subscribed.
  explicit shared_group(std::string name, std::string share_filter = {})
      : name_(std::move(name)),
        share_filter_(std::make_shared<const std::string>(std::move(share_filter))) {}
  shared_group(const shared_group&) = delete;
  shared_group& operator=(const shared_group&) = delete;

  std::string_view name() const noexcept { return name_; }
  // Shared with the deliveries the group chose a member for, so a delivery
  // its member cannot complete finds the group again (shared_redelivery.cpp).
  const std::shared_ptr<const std::string>& share_filter() const noexcept { return share_filter_; }
  // Never empty while the group is in a trie: the last unsubscribe
  // removes the group.
  std::span<const subscription_entry> members() const noexcept { return members_.entries(); }
  std::size_t size() const noexcept { return members_.size(); }

  // The next member in turn. Precondition: !members().empty().
  const subscription_entry& pick_round_robin() noexcept;

  // The next member in turn for which `usable(entry)` holds (e.g. skip
  // offline sessions), trying each member at most once; null if none is.
  template <class Predicate>
  const subscription_entry* pick_round_robin_if(Predicate&& usable) {
    const auto all = members();
    if (all.empty()) return nullptr;
    const std::size_t start = cursor_.fetch_add(1, std::memory_order_relaxed) % all.size();
    for (std::size_t i = 0; i < all.size(); ++i) {
      const subscription_entry& e = all[(start + i) % all.size()];
      if (usable(e)) return &e;
    }
    return nullptr;
  }

  // A member chosen by the caller's random number, so the group keeps no
  // generator state. Precondition: !members().empty().
  const subscription_entry& pick_random(std::uint64_t random) const noexcept {
    return members_.entries()[random % members_.size()];
  }

  // A member chosen by `random` among those for which `usable(entry)`
  // holds: the first usable one from a random start, so an unusable member
  // passes its share to the next. Null if none is usable.
  template <class Predicate>
  const subscription_entry* pick_random_if(std::uint64_t random, Predicate&& usable) const {
    const auto all = members();
    for (std::size_t i = 0; i < all.size(); ++i) {
      const subscription_entry& e = all[(random + i) % all.size()];
      if (usable(e)) return &e;
    }
    return nullptr;
  }

  // The same member for the same key (e.g. a hash of the publisher's client
  // id) while membership is unchanged. Rendezvous hashing: when a member
  // leaves or joins, only the keys that chose it move. O(members).
  // Precondition: !members().empty().
  const subscription_entry& pick_sticky(std::uint64_t key_hash) const noexcept;

  // pick_sticky among the members for which `usable(entry)` holds: a key
  // whose member is unusable (e.g. offline) moves, the others stay. Null if
  // none is usable.
  template <class Predicate>
  const subscription_entry* pick_sticky_if(std::uint64_t key_hash, Predicate&& usable) const {
    const subscription_entry* best = nullptr;
    std::uint64_t best_score = 0;
    for (const subscription_entry& e : members()) {
      if (!usable(e)) continue;
      const std::uint64_t s = sticky_score(key_hash, e);
      if (best == nullptr || s > best_score ||
          (s == best_score && e.subscriber < best->subscriber)) {
        best_score = s;
        best = &e;
      }
    }
    return best;
  }

 private:
  friend class subscription_trie;

  // Rendezvous score of member `e` for `key_hash` (shared by both sticky picks).
  static std::uint64_t sticky_score(std::uint64_t key_hash, const subscription_entry& e) noexcept;

  std::string name_;
  std::shared_ptr<const std::string> share_filter_;
  subscriber_list members_;
  std::atomic<std::uint32_t> cursor_{0};
};

}  // namespace tern::broker
