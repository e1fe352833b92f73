#include "net/write_coalescer.hpp"

#include "net/tcp_connection.hpp"

namespace tern::net {

void write_coalescer::hold(std::shared_ptr<tcp_connection> c,
                           std::chrono::steady_clock::time_point due) {
  if (held_.empty()) {
    // One flush for the whole worker, when the window of the first
    // connection held ends: the others' windows end no later than theirs
    // began plus the window, so none waits longer than that, and a
    // connection that keeps receiving is written once per window.
    timer_.expires_at(due);
    timer_.async_wait([this](const boost::system::error_code& ec) { flush(ec); });
  }
  held_.push_back(std::move(c));
}

void write_coalescer::flush(const boost::system::error_code& ec) {
  if (ec) return;
  flushing_.swap(held_);
  for (auto& c : flushing_)
    c->release_output();
  flushing_.clear();
}

}  // namespace tern::net
