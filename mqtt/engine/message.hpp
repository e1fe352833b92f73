#pragma once
// An application message as the broker routes it: immutable once shared.
//
// One inbound PUBLISH becomes one application_message, held through a
// shared_ptr by every subscriber queue, inflight window, retained slot and
// store record that needs it, so fan-out never copies topic or payload.
// Immutable after construction, so any thread may read it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mqtt/codec/packets.hpp"

namespace tern::mqtt {

struct application_message {
  // Topic, QoS, retain, payload and properties as published, normalised:
  // packet id 0, dup false, no topic alias and no subscription identifiers
  // (those belong to one delivery, not to the message).
  publish packet;
  // Session that published it (for v5 No Local), 0 when none (wills, $SYS).
  std::uint64_t publisher = 0;
  // A hash of the publishing client's id, the key of the sticky shared
  // subscription policy; 0 when there is no publishing client.
  std::uint64_t publisher_hash = 0;
  // Wall-clock end of the v5 Message Expiry Interval, counted from receipt;
  // empty when the message does not expire.
  std::optional<std::chrono::system_clock::time_point> expires_at;
  // The broker's number for this message, unique across restarts: the key
  // under which the store keeps it once (every session that holds it refers
  // to it). 0 for messages that are never stored.
  std::uint64_t id = 0;
};

using message_ptr = std::shared_ptr<const application_message>;

// One delivery of a message to one subscriber: what differs per receiver.
struct delivery {
  message_ptr message;
  mqtt::qos qos = qos::at_most_once;            // min(message QoS, granted QoS)
  bool retain = false;                          // retain flag as sent to this receiver
  std::vector<std::uint32_t> subscription_ids;  // v5; empty otherwise
  // v5: the Message Expiry Interval still left when it is sent, which
  // replaces the published one [MQTT-3.3.2-6]; empty when it never expires.
  std::optional<std::uint32_t> remaining_expiry;
  // The receiving session's number for this delivery in the store, 0 when
  // it is not stored (QoS 0, or a session that ends with its connection).
  std::uint64_t store_seq = 0;
  // "$share/{group}/{filter}" when a shared subscription group chose this
  // receiver: a delivery it cannot complete goes to another member (spec
  // 4.8.2). Null for ordinary subscriptions; stored with the delivery.
  std::shared_ptr<const std::string> share = nullptr;
};

}  // namespace tern::mqtt
