#pragma once
// The deadlines (keep alive, connect timeout) of one worker's connections,
// in a timer wheel instead of one steady_timer each.
//
// A steady_timer costs a connection about 380 bytes (the timer, its
// pending wait operation, its slot in Asio's timer heap) and a heap update
// on every re-arm. The wheel costs a member three words and no allocation:
// members are linked into one list per tick (intrusively, so filing,
// moving and removing are O(1)), and advance() visits only the lists whose
// tick has passed. A member is visited at or up to one tick after its
// deadline; one whose deadline lies beyond the wheel's horizon is visited
// at the horizon and files itself again.
//
// Deadlines are lazy, like the engine's: a member files the deadline it
// knows, and when visited asks its engine whether anything is actually due
// (traffic may have moved the keep-alive deadline later meanwhile). Only a
// deadline that moves *earlier* needs filing again at once.
//
// Members without a deadline stay linked too (keep alive 0), so the wheel
// also lists every live member, which shutdown uses.
//
// Thread: one worker; no Asio, so it is unit tested without sockets.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace tern::net {

// Base of a type kept in a deadline_wheel: the intrusive links.
class wheel_member {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  wheel_member() = default;
  wheel_member(const wheel_member&) = delete;
  wheel_member& operator=(const wheel_member&) = delete;
  ~wheel_member() = default;

  bool in_wheel() const noexcept { return next_ != nullptr; }
  // The deadline it is filed under (time_point::max() when none).
  time_point filed_deadline() const noexcept { return deadline_; }

 private:
  template <class T>
  friend class deadline_wheel;
  wheel_member* prev_ = nullptr;
  wheel_member* next_ = nullptr;
  time_point deadline_ = time_point::max();
};

template <class T>  // T derives from wheel_member
class deadline_wheel {
 public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  // `tick`: the resolution; `slots` * `tick`: the horizon.
  deadline_wheel(clock::duration tick, std::size_t slots, time_point origin)
      : tick_(tick), origin_(origin), slots_(slots) {
    for (auto& s : slots_)
      make_empty(s);
    make_empty(no_deadline_);
  }
  deadline_wheel(const deadline_wheel&) = delete;
  deadline_wheel& operator=(const deadline_wheel&) = delete;

  // Files `m` (already filed or not) under `deadline`; none: listed only.
  void file(T& m, std::optional<time_point> deadline) {
    wheel_member& node = m;
    if (node.in_wheel()) {
      unlink(node);
    } else {
      ++size_;
    }
    if (!deadline) {
      node.deadline_ = time_point::max();
      link(no_deadline_, node);
      return;
    }
    node.deadline_ = *deadline;
    // Visited in the first tick that starts at or after the deadline, and
    // never before the next one advance() will look at.
    std::uint64_t t = std::max(tick_at_or_after(*deadline), next_tick_);
    t = std::min(t, next_tick_ + slots_.size() - 1);  // beyond the horizon: files again there
    link(slots_[t % slots_.size()], node);
  }

  void remove(T& m) noexcept {
    wheel_member& node = m;
    if (!node.in_wheel()) return;
    unlink(node);
    node.prev_ = node.next_ = nullptr;
    --size_;
  }

  // Takes every member whose tick has passed at `now` out of the wheel and
  // calls visit(T&) for each; visit files it again if it stays.
  template <class Visit>
  void advance(time_point now, Visit&& visit) {
    if (now < origin_) return;
    const auto last = static_cast<std::uint64_t>((now - origin_) / tick_);
    if (last < next_tick_) return;
    // Late by more than a lap: every slot is due once.
    if (last - next_tick_ >= slots_.size()) next_tick_ = last - slots_.size() + 1;
    while (next_tick_ <= last) {
      wheel_member due;
      make_empty(due);
      splice_all(slots_[next_tick_ % slots_.size()], due);
      ++next_tick_;  // first: a member filed again now goes to a later tick
      while (due.next_ != &due) {
        wheel_member& node = *due.next_;
        unlink(node);
        node.prev_ = node.next_ = nullptr;
        --size_;
        visit(static_cast<T&>(node));
      }
    }
  }

  // Every member, due or not (e.g. to close them all at shutdown). `visit`
  // must not remove or file members: collect them first.
  template <class Visit>
  void for_each(Visit&& visit) {
    for (auto& s : slots_)
      for_each_in(s, visit);
    for_each_in(no_deadline_, visit);
  }

  std::size_t size() const noexcept { return size_; }
  clock::duration tick() const noexcept { return tick_; }

 private:
  static void make_empty(wheel_member& head) noexcept { head.prev_ = head.next_ = &head; }
  static void link(wheel_member& head, wheel_member& node) noexcept {
    node.prev_ = head.prev_;
    node.next_ = &head;
    head.prev_->next_ = &node;
    head.prev_ = &node;
  }
  static void unlink(wheel_member& node) noexcept {
    node.prev_->next_ = node.next_;
    node.next_->prev_ = node.prev_;
  }
  // Moves the whole list of `from` to the empty list `to`.
  static void splice_all(wheel_member& from, wheel_member& to) noexcept {
    if (from.next_ == &from) return;
    to.next_ = from.next_;
    to.prev_ = from.prev_;
    to.next_->prev_ = &to;
    to.prev_->next_ = &to;
    make_empty(from);
  }
  template <class Visit>
  static void for_each_in(wheel_member& head, Visit& visit) {
    for (wheel_member* n = head.next_; n != &head; n = n->next_)
      visit(static_cast<T&>(*n));
  }
  std::uint64_t tick_at_or_after(time_point t) const noexcept {
    if (t <= origin_) return 0;
    const auto since = t - origin_;
    return static_cast<std::uint64_t>((since + tick_ - clock::duration(1)) / tick_);
  }

  clock::duration tick_;
  time_point origin_;
  std::vector<wheel_member> slots_;  // list heads
  wheel_member no_deadline_;
  std::uint64_t next_tick_ = 0;  // the first tick advance() has not visited
  std::size_t size_ = 0;
};

}  // namespace tern::net
