#pragma once
// How full a session's offline queue is, as the routers that add to it
// see it: what its owner holds (queue and spilled, counted while no
// connection is attached) plus the deliveries routers took a place for
// that have not reached the owner yet.
//
// Why: the owner takes a delivery in by post, after its router stored it
// and possibly acknowledged it. A bound checked by the owner alone leaves
// the router seeing room that earlier deliveries, still in their posts,
// have taken: the publisher hears success and the owner then drops the
// message (or keeps it past a bound of its own). A router takes its place
// here instead, so the message is refused or dropped by the router that
// routes it, at the bound exactly.
//
// Exactness: the message count and the byte count are each never taken
// past their bound (compare-and-swap). Taking a place in both is two
// steps: a router that gets the last message place and then finds no
// room for its bytes gives the place back, and another router that
// looked meanwhile was refused although its message would have fitted.
// That needs both bounds set and two routers at the last place at once.
//
// Thread: try_reserve(), reserve() and release() from any worker; hold()
// and taken_in() on the session's owner only.
//
// Memory order: relaxed. The read-modify-writes of one counter are totally
// ordered whatever the memory order, which is all a bound needs, and no
// other data is published through these counters. (The one order that
// matters, that a router which sees the session offline also sees its
// queue counted here, comes from session::online's release/acquire.)

#include <atomic>
#include <cstdint>

#include "session/queue_bound.hpp"

namespace tern::broker {

class offline_quota {
 public:
  // Takes a place for a delivery of `bytes` payload bytes unless it would
  // pass `bound`; false: nothing was taken.
  bool try_reserve(std::uint64_t bytes, const queue_bound& bound) noexcept {
    if (!take(messages_, 1, bound.messages)) return false;
    if (take(bytes_, bytes, bound.bytes)) return true;
    messages_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  // Takes a place whatever the bound: a bound of its own keeps what a
  // 3.1.1 publisher sends past it.
  void reserve(std::uint64_t bytes) noexcept {
    messages_.fetch_add(1, std::memory_order_relaxed);
    bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }
  // Gives back a place its delivery will not use (the session has a
  // connection or ended, or the message was refused elsewhere).
  void release(std::uint64_t bytes) noexcept {
    messages_.fetch_sub(1, std::memory_order_relaxed);
    bytes_.fetch_sub(bytes, std::memory_order_relaxed);
  }
  // Owner: a delivery with a place joined the offline queue; the queue
  // holds its place from now on.
  void taken_in(std::uint64_t bytes) noexcept {
    ++held_messages_;
    held_bytes_ += bytes;
  }
  // Owner: the queue's part of the count is now `messages` / `bytes` (0
  // while a connection is attached); one add of the difference, so a
  // router never sees a count below the truth in between.
  void hold(std::uint64_t messages, std::uint64_t bytes) noexcept {
    if (messages != held_messages_)
      messages_.fetch_add(messages - held_messages_, std::memory_order_relaxed);
    if (bytes != held_bytes_) bytes_.fetch_add(bytes - held_bytes_, std::memory_order_relaxed);
    held_messages_ = messages;
    held_bytes_ = bytes;
  }
  std::uint64_t messages() const noexcept { return messages_.load(std::memory_order_relaxed); }
  std::uint64_t bytes() const noexcept { return bytes_.load(std::memory_order_relaxed); }

 private:
  // Adds `n` to `count` unless that passes `bound` (0: no bound).
  static bool take(std::atomic<std::uint64_t>& count, std::uint64_t n,
                   std::uint64_t bound) noexcept {
    if (bound == 0) {
      count.fetch_add(n, std::memory_order_relaxed);
      return true;
    }
    auto now = count.load(std::memory_order_relaxed);
    do {
      if (now + n > bound) return false;
    } while (!count.compare_exchange_weak(now, now + n, std::memory_order_relaxed));
    return true;
  }

  std::atomic<std::uint64_t> messages_{0};
  std::atomic<std::uint64_t> bytes_{0};
  std::uint64_t held_messages_ = 0;  // owner only: the queue's part of messages_
  std::uint64_t held_bytes_ = 0;
};

}  // namespace tern::broker
