#pragma once
// The subscriptions held at one trie node (or by one shared group), at most
// one per subscriber [MQTT-3.8.4-3].
//
// Entries are contiguous so that delivery walks a plain array. Finding a
// subscriber's entry is a linear scan while the list is short; past
// `index_threshold` entries a hash index from subscriber to position is
// built, so that a filter with 100,000 subscribers (a broadcast topic) does
// not make every (re)subscribe and unsubscribe O(n). Removal swaps the last
// entry into the hole, so the order of entries is unspecified.
//
// Not thread-safe: owned by subscription_trie, whose caller holds the lock.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "session/subscription_entry.hpp"

namespace tern::broker {

class subscriber_list {
 public:
  static constexpr std::size_t index_threshold = 32;

  subscriber_list() = default;
  subscriber_list(subscriber_list&&) noexcept = default;
  subscriber_list& operator=(subscriber_list&&) noexcept = default;

  // Adds `entry`, or replaces the entry of the same subscriber; true when it
  // replaced one.
  bool insert_or_replace(const subscription_entry& entry);
  // True when `who` had an entry.
  bool erase(subscriber_id who);

  const subscription_entry* find(subscriber_id who) const noexcept;
  std::span<const subscription_entry> entries() const noexcept { return entries_; }
  bool empty() const noexcept { return entries_.empty(); }
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  std::size_t position_of(subscriber_id who) const noexcept;  // size() when absent

  std::vector<subscription_entry> entries_;
  // Built once entries_ grows past index_threshold, dropped when it shrinks
  // well below it; null for the common short list (8 bytes, not 56).
  std::unique_ptr<std::unordered_map<subscriber_id, std::uint32_t>> index_;
};

}  // namespace tern::broker
