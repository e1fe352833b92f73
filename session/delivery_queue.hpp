#pragma once
// A session's FIFO of deliveries waiting for window space or a connection.
//
// Most sessions never queue anything, and std::deque allocates about 600
// bytes as soon as it is constructed; this allocates on the first push
// only, which keeps an idle connection's footprint small. The byte count
// lives in the box too: one pointer per session while nothing is queued.
//
// Thread: the session's owner worker, like the session.

#include <cstddef>
#include <deque>
#include <memory>

#include "mqtt/engine/message.hpp"

namespace tern::broker {

class delivery_queue {
 public:
  bool empty() const noexcept { return !items_ || items_->list.empty(); }
  std::size_t size() const noexcept { return items_ ? items_->list.size() : 0; }
  // Payload bytes queued (max_queued_bytes counts these, as mosquitto does).
  std::size_t bytes() const noexcept { return items_ ? items_->bytes : 0; }
  mqtt::delivery& front() { return items_->list.front(); }
  void pop_front() {
    items_->bytes -= payload_size(items_->list.front());
    items_->list.pop_front();
  }
  void push_back(mqtt::delivery d) {
    if (!items_) items_ = std::make_unique<queued>();
    items_->bytes += payload_size(d);
    items_->list.push_back(std::move(d));
  }
  // Removes, in order, every delivery for which `take(d)` returns true
  // (`take` may move from `d` when it does).
  template <class Predicate>
  void remove_if(Predicate&& take) {
    if (!items_) return;
    std::size_t removed_bytes = 0;
    std::erase_if(items_->list, [&](mqtt::delivery& d) {
      const std::size_t size = payload_size(d);
      if (!take(d)) return false;
      removed_bytes += size;
      return true;
    });
    items_->bytes -= removed_bytes;
  }
  // Whether the delivery stored under `store_seq` is in the queue.
  bool holds(std::uint64_t store_seq) const noexcept {
    if (!items_) return false;
    for (const auto& d : items_->list)
      if (d.store_seq == store_seq) return true;
    return false;
  }
  void clear() noexcept { items_.reset(); }

 private:
  static std::size_t payload_size(const mqtt::delivery& d) noexcept {
    return d.message ? d.message->packet.payload.size() : 0;
  }
  struct queued {
    std::deque<mqtt::delivery> list;
    std::size_t bytes = 0;  // payload bytes in `list`
  };
  std::unique_ptr<queued> items_;
};

}  // namespace tern::broker
