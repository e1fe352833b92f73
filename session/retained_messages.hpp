#pragma once
// The retained messages (spec 3.3.1.3) and where each one's body lives.
//
// Without a store every message is held in memory. With one, memory keeps
// only the topic tree and each message's store id: a message set by a
// publish stays in memory until the transaction that stored it commits
// (until then the store could not read it back), then is released; those
// restored at start-up are never read in. A subscription that matches
// released messages reads them from the store (broker::send_retained), so
// memory grows with the number of retained topics, not their payloads.
//
// Threads: every member may be called from any thread (one mutex).

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "mqtt/engine/message.hpp"
#include "session/retained_tree.hpp"

namespace tern::broker {

// What one retained topic holds: the message, or only its store id.
struct retained_entry {
  mqtt::message_ptr held;  // null once released to the store
  std::uint64_t id = 0;    // the store's message id; 0 for one never stored
  explicit operator bool() const noexcept { return held != nullptr || id != 0; }
};

// What a filter matched: messages at hand, and those to read from the
// store (topic and id, in the same order).
struct retained_matches {
  std::vector<mqtt::message_ptr> held;
  std::vector<std::string> stored_topics;
  std::vector<std::uint64_t> stored_ids;
};

class retained_messages {
 public:
  // Sets `m` as the retained message of its topic, held in memory; an
  // empty payload erases instead [MQTT-3.3.1-6/-7].
  void set(const mqtt::message_ptr& m);
  // A message the store holds under `id` (start-up), not read in.
  void restore(std::string_view topic, std::uint64_t id);
  // The message set for `topic` with `id` is in the store once position
  // `position` is committed; it is released then (release_committed).
  void stored(std::string topic, std::uint64_t id, std::uint64_t position);
  // Releases the messages stored at positions up to `committed`, unless
  // replaced since.
  void release_committed(std::uint64_t committed);

  retained_matches match(std::string_view filter) const;
  // Whether `topic`'s retained message is still the one stored as `id`.
  bool is_current(std::string_view topic, std::uint64_t id) const;
  std::size_t size() const;
  // Messages held in memory (tests).
  std::size_t held_count() const;

 private:
  struct pending_release {
    std::string topic;
    std::uint64_t id = 0;
    std::uint64_t position = 0;
  };

  mutable std::mutex mutex_;
  retained_tree<retained_entry> tree_;
  // In submit order, so positions mostly rise: release_committed() stops
  // at the first one not yet committed.
  std::deque<pending_release> pending_;
  std::size_t held_ = 0;
};

}  // namespace tern::broker
