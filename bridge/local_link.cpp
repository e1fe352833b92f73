#include "bridge/local_link.hpp"

#include "session/broker.hpp"

namespace tern::bridge {
using clock = std::chrono::steady_clock;

local_link::local_link(broker::broker& b, unsigned worker, std::string name,
                       std::function<void()> on_output)
    : broker_(b),
      worker_(worker),
      name_(std::move(name)),
      on_output_(std::move(on_output)),
      handler_(std::make_shared<broker::client_handler>(b, *this, clock::now())) {
  // The bridge is part of the broker: allow_anonymous false, a password
  // file or an ACL must not shut it out of its own broker (as mosquitto).
  handler_->use_listener_security(broker::listener_security::internal());
}

local_link::~local_link() {
  handler_->transport_gone();
}

void local_link::send(std::span<const std::uint8_t> bytes) {
  if (closed_ || bytes.empty()) return;
  held_.insert(held_.end(), bytes.begin(), bytes.end());
  feed();
}

void local_link::feed() {
  if (held_.empty() || closed_ || !handler_->wants_input()) return;
  // Swapped out first: the handler may ask for more output meanwhile.
  std::vector<std::uint8_t> bytes;
  bytes.swap(held_);
  handler_->on_bytes(bytes, clock::now());
}

void local_link::take_output(std::vector<std::uint8_t>& out) {
  out.clear();
  if (closed_) return;
  handler_->take_output(out);
  // Closing: what was just taken is the last output (the bridge gets it).
  if (closing_ && !handler_->output_held()) closed_ = true;
  feed();  // input waits while CONNECT is decided; the CONNACK ends that
}

void local_link::output_ready() {
  if (posted_ || closed_) return;
  posted_ = true;
  auto self = std::static_pointer_cast<local_link>(shared_from_this());
  broker_.workers().post(worker_, [self] {
    self->posted_ = false;
    self->on_output_();
  });
}

void local_link::close_after_output() {
  closing_ = true;
  output_ready();
}

void local_link::close() {
  if (closed_) return;
  closed_ = true;
  if (!handler_->closed()) handler_->on_peer_closed();
}

}  // namespace tern::bridge
