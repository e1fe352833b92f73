#pragma once
// A session's own subscriptions: filter -> what it was granted. The broker's
// trie answers "who receives this topic"; this answers "what did this
// session subscribe to" (unsubscribe, the subscription limit, ending the
// session, retained messages read late).
//
// Boxed: a device that only publishes never makes the map, and a session is
// paid for by every connection (8 bytes instead of a std::map's 48).
//
// Thread: the session's owner only, like the rest of the session.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "mqtt/codec/packets.hpp"

namespace tern::broker {

struct subscription_record {
  mqtt::subscription_options options;
  std::uint32_t identifier = 0;  // v5 subscription identifier, 0 = none
};

class session_subscriptions {
 public:
  // Adds `filter` or replaces what it was granted.
  void set(const std::string& filter, const subscription_record& r) {
    if (!map_) map_ = std::make_unique<map>();
    map_->insert_or_assign(filter, r);
  }
  // False when the session had no such subscription.
  bool erase(std::string_view filter) {
    if (!map_) return false;
    const auto it = map_->find(filter);
    if (it == map_->end()) return false;
    map_->erase(it);
    if (map_->empty()) map_.reset();
    return true;
  }
  void clear() noexcept { map_.reset(); }

  bool contains(std::string_view filter) const { return map_ && map_->contains(filter); }
  bool empty() const noexcept { return !map_; }
  std::size_t size() const noexcept { return map_ ? map_->size() : 0; }
  // Calls fn(filter, record) for each, in filter order.
  template <class Fn>
  void for_each(Fn&& fn) const {
    if (!map_) return;
    for (const auto& [filter, record] : *map_)
      fn(filter, record);
  }

 private:
  using map = std::map<std::string, subscription_record, std::less<>>;
  std::unique_ptr<map> map_;  // null: none
};

}  // namespace tern::broker
