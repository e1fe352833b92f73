#pragma once
// One subscription of one session, as stored in the subscription trie.

#include <cstdint>

#include "mqtt/codec/packets.hpp"

namespace tern::broker {

// Stable id of a session for the broker's lifetime, never reused, so a stale
// id found in a trie can never reach another session.
using subscriber_id = std::uint64_t;

// 16 bytes: the trie stores these by value, one per subscription.
struct subscription_entry {
  subscriber_id subscriber = 0;
  mqtt::subscription_options options;
  // v5 Subscription Identifier; 0 means none, which is free because 0 is a
  // Protocol Error on the wire (spec 3.8.2.1.2).
  std::uint32_t identifier = 0;

  bool operator==(const subscription_entry&) const = default;
};

}  // namespace tern::broker
