#pragma once
// Limits on connections, checked when a listener accepts a socket, before
// any byte is read (a refused socket is closed at once, as mosquitto does):
//
// - max_connections per listener and global_max_connections for all of
//   them together: live connections are counted, each holding a
//   connection_slot that gives its place back when the connection is
//   destroyed;
// - max_connection_rate N/SECONDS (tern): at most N new connections from
//   one source address (host, any port, any listener) per SECONDS, counted
//   in fixed windows; the table remembers at most max_addresses hosts.
//
// Thread: admit() is called by the accepting thread only (worker 0, where
// the acceptors run), so the rate table needs no lock; slots are released
// on whichever worker their connection ends, so the counts are atomic.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace tern::net {

// A connection's place in the counts; released on destruction.
class connection_slot {
 public:
  connection_slot() = default;
  connection_slot(std::atomic<std::size_t>* listener, std::atomic<std::size_t>* total) noexcept
      : listener_(listener), total_(total) {}
  connection_slot(connection_slot&& other) noexcept
      : listener_(std::exchange(other.listener_, nullptr)),
        total_(std::exchange(other.total_, nullptr)) {}
  connection_slot& operator=(connection_slot&& other) noexcept {
    if (this != &other) {
      release();
      listener_ = std::exchange(other.listener_, nullptr);
      total_ = std::exchange(other.total_, nullptr);
    }
    return *this;
  }
  ~connection_slot() { release(); }

 private:
  void release() noexcept {
    if (listener_ != nullptr) listener_->fetch_sub(1, std::memory_order_relaxed);
    if (total_ != nullptr) total_->fetch_sub(1, std::memory_order_relaxed);
    listener_ = total_ = nullptr;
  }
  std::atomic<std::size_t>* listener_ = nullptr;
  std::atomic<std::size_t>* total_ = nullptr;
};

struct connection_rate {
  unsigned count = 0;  // 0: no limit
  std::chrono::seconds per{1};
};

class connection_limits {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr std::size_t max_addresses = 4096;

  enum class verdict { admitted, listener_full, global_full, rate_exceeded };
  struct admission {
    verdict outcome = verdict::admitted;
    connection_slot slot;  // held by the connection when admitted
  };

  // 0: no limit.
  explicit connection_limits(std::size_t global_max = 0, connection_rate rate = {})
      : global_max_(global_max), rate_(rate) {}

  // Before the first admit().
  void set_global(std::size_t global_max, connection_rate rate) {
    global_max_ = global_max;
    rate_ = rate;
  }
  // Before the first admit(); returns the listener's index.
  std::size_t add_listener(std::size_t max_connections);

  admission admit(std::size_t listener, std::string_view host, clock::time_point now);

  std::size_t live(std::size_t listener) const {
    return listeners_[listener].live.load(std::memory_order_relaxed);
  }
  std::size_t live_total() const { return total_.load(std::memory_order_relaxed); }
  std::size_t listener_max(std::size_t listener) const { return listeners_[listener].max; }
  std::size_t global_max() const noexcept { return global_max_; }
  const connection_rate& rate() const noexcept { return rate_; }

 private:
  struct per_listener {
    std::size_t max = 0;
    std::atomic<std::size_t> live{0};
  };
  struct window {
    clock::time_point start;
    unsigned count = 0;
  };
  bool within_rate(std::string_view host, clock::time_point now);

  std::size_t global_max_;
  connection_rate rate_;
  std::atomic<std::size_t> total_{0};
  std::deque<per_listener> listeners_;  // a deque: atomics do not move
  std::unordered_map<std::string, window> windows_;
};

}  // namespace tern::net
