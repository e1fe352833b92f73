#include "net/connection_limits.hpp"

namespace tern::net {

std::size_t connection_limits::add_listener(std::size_t max_connections) {
  listeners_.emplace_back().max = max_connections;
  return listeners_.size() - 1;
}

connection_limits::admission connection_limits::admit(std::size_t listener, std::string_view host,
                                                      clock::time_point now) {
  per_listener& l = listeners_[listener];
  // Only this thread adds, so a count read here can only have fallen since.
  if (l.max != 0 && l.live.load(std::memory_order_relaxed) >= l.max)
    return {verdict::listener_full, {}};
  if (global_max_ != 0 && total_.load(std::memory_order_relaxed) >= global_max_)
    return {verdict::global_full, {}};
  if (rate_.count != 0 && !within_rate(host, now)) return {verdict::rate_exceeded, {}};
  l.live.fetch_add(1, std::memory_order_relaxed);
  total_.fetch_add(1, std::memory_order_relaxed);
  return {verdict::admitted, connection_slot(&l.live, &total_)};
}

bool connection_limits::within_rate(std::string_view host, clock::time_point now) {
  auto it = windows_.find(std::string(host));
  if (it == windows_.end()) {
    if (windows_.size() >= max_addresses) {
      std::erase_if(windows_, [&](const auto& e) { return now - e.second.start >= rate_.per; });
      // Still full of recent hosts: forget one; it only starts a new window.
      if (windows_.size() >= max_addresses) windows_.erase(windows_.begin());
    }
    it = windows_.emplace(std::string(host), window{now, 0}).first;
  } else if (now - it->second.start >= rate_.per) {
    it->second = window{now, 0};
  }
  if (it->second.count >= rate_.count) return false;
  ++it->second.count;
  return true;
}

}  // namespace tern::net
