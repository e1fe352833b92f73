#include "session/login_throttle.hpp"

#include <algorithm>

namespace tern::broker {
namespace {

// The host part of "host:port": connections from one host share a record
// whatever their source port. An address without a port is the host.
std::string_view host_of(std::string_view address) {
  const auto colon = address.rfind(':');
  return colon == std::string_view::npos ? address : address.substr(0, colon);
}

}  // namespace

std::chrono::milliseconds login_throttle::failed(std::string_view address, clock::time_point now) {
  std::lock_guard lock(mutex_);
  const std::string host(host_of(address));
  auto it = by_host_.find(host);
  if (it == by_host_.end()) {
    make_room(now);
    it = by_host_.emplace(host, record{}).first;
  } else if (now - it->second.last_failure >= forget_after) {
    it->second.failures = 0;
  }
  record& r = it->second;
  r.last_failure = now;
  // 100 ms << 6 is past the 5 s cap already; stop counting there.
  r.failures = std::min(r.failures + 1, 7u);
  return std::min(max_delay, first_delay * (1 << (r.failures - 1)));
}

void login_throttle::succeeded(std::string_view address) {
  std::lock_guard lock(mutex_);
  if (by_host_.empty()) return;  // the common case: nobody failed
  if (auto it = by_host_.find(std::string(host_of(address))); it != by_host_.end())
    by_host_.erase(it);
}

std::size_t login_throttle::tracked() const {
  std::lock_guard lock(mutex_);
  return by_host_.size();
}

void login_throttle::make_room(clock::time_point now) {
  if (by_host_.size() < max_addresses) return;
  std::erase_if(by_host_,
                [&](const auto& entry) { return now - entry.second.last_failure >= forget_after; });
  // Still full of recent failures: forget one. It only restarts at the
  // first delay, so an attacker gains little from flooding the table.
  if (by_host_.size() >= max_addresses) by_host_.erase(by_host_.begin());
}

}  // namespace tern::broker
