// server_engine's input side: framing the bytes a read brought into
// packets (straight from the caller's buffer when nothing is pending), the
// event storage a read fills, and the timers that input resets (keep
// alive, connect timeout, max_publish_rate). The packets themselves are
// handled in server_engine.cpp.
#include <algorithm>
#include <optional>

#include "mqtt/engine/server_engine.hpp"

namespace tern::mqtt {
namespace {

// Keep alive: the server closes after one and a half times the interval
// without a control packet [MQTT-3.1.2-24].
std::chrono::milliseconds keep_alive_grace(std::uint16_t keep_alive) {
  return std::chrono::milliseconds(std::uint64_t{keep_alive} * 1500);
}

// The protocol level byte of a CONNECT body that failed to decode, if the
// protocol name is one we know, so the CONNACK can be sent in the client's
// format (spec 3.1.2.1-2).
std::optional<std::uint8_t> peek_connect_level(std::span<const std::uint8_t> body) {
  if (body.size() >= 7 && body[0] == 0 && body[1] == 4 && body[2] == 'M' && body[3] == 'Q' &&
      body[4] == 'T' && body[5] == 'T')
    return body[6];
  if (body.size() >= 9 && body[0] == 0 && body[1] == 6 && body[2] == 'M' && body[3] == 'Q' &&
      body[4] == 'I' && body[5] == 's' && body[6] == 'd' && body[7] == 'p')
    return body[8];
  return std::nullopt;
}

}  // namespace

// --- input -------------------------------------------------------------------

void server_engine::on_bytes(std::span<const std::uint8_t> bytes, steady_time now) {
  if (bytes.empty() || phase_ == phase::closed) return;
  last_received_ = now;
  input_seen_ = {};
  auto& spare = spare_events();
  if (events_.capacity() == 0) events_.swap(spare);
  if (!has_buffered_input()) {
    // Nothing buffered: parse straight from the caller's bytes and keep only
    // an incomplete tail, so a connection between packets holds no buffer.
    const std::size_t used = parse(bytes, now);
    if (used < bytes.size() && phase_ != phase::closed) append_input(bytes.subspan(used));
  } else {
    append_input(bytes);
    process_buffered(now);
  }
  if (events_.empty() && spare.capacity() == 0) events_.swap(spare);  // nothing to take
}

std::vector<engine_event>& server_engine::spare_events() {
  thread_local std::vector<engine_event> spare;
  return spare;
}

void server_engine::recycle_events(std::vector<engine_event>&& events) {
  // Kept up to a bound: a read of tiny packets can raise thousands.
  constexpr std::size_t kept_capacity = 256;
  events.clear();
  auto& spare = spare_events();
  if (events.capacity() > spare.capacity() && events.capacity() <= kept_capacity)
    spare.swap(events);
}

void server_engine::append_input(std::span<const std::uint8_t> bytes) {
  auto& o = occasional();
  o.in.erase(o.in.begin(), o.in.begin() + static_cast<std::ptrdiff_t>(o.in_begin));
  o.in_begin = 0;
  o.in.insert(o.in.end(), bytes.begin(), bytes.end());
}

void server_engine::process_buffered(steady_time now) {
  if (!has_buffered_input()) return;
  auto& o = *occasional_;
  // parse() may not touch `o.in` (it only reads the span), so the span
  // stays valid while it runs.
  o.in_begin += parse(std::span<const std::uint8_t>(o.in).subspan(o.in_begin), now);
  if (o.in_begin == o.in.size()) {
    o.in_begin = 0;
    o.in.clear();
    // Give a large buffer back once it is empty: idle connections are many.
    if (o.in.capacity() > 4096) o.in = {};
  }
}

std::size_t server_engine::parse(std::span<const std::uint8_t> data, steady_time now) {
  std::size_t used = 0;
  while (phase_ == phase::awaiting_connect || phase_ == phase::authenticating ||
         phase_ == phase::connected) {
    const auto pending = data.subspan(used);
    auto header = parse_fixed_header(pending, limits_->maximum_packet_size, version_);
    if (!header) {
      protocol_violation(to_reason_code(header.error()));
      break;
    }
    if (!*header || pending.size() < (*header)->packet_size()) break;  // need more bytes
    const fixed_header h = **header;
    if (h.type == packet_type::publish && phase_ == phase::connected && !publish_allowed(now))
      break;  // kept for on_timer
    const auto body = pending.subspan(h.size, h.remaining_length);
    used += h.packet_size();
    if (h.type == packet_type::publish && (h.flags & publish_qos_bits) == 0) {
      input_seen_.qos0_publish = true;
    } else {
      input_seen_.other = true;
    }

    if (h.type == packet_type::connect && phase_ == phase::connected) {
      protocol_violation(reason_code::protocol_error);  // [MQTT-3.1.0-2]
      break;
    }
    if (phase_ == phase::awaiting_connect && h.type != packet_type::connect) {
      close(reason_code::protocol_error, false);  // [MQTT-3.1.0-1]
      break;
    }
    if (phase_ == phase::authenticating && h.type != packet_type::auth &&
        h.type != packet_type::disconnect) {
      protocol_violation(reason_code::protocol_error);  // [MQTT-3.1.2-30]
      break;
    }
    auto decoded = decode(h, body, version_);
    if (!decoded) {
      if (phase_ == phase::awaiting_connect) {
        refuse_connect(to_reason_code(decoded.error()), body);
      } else {
        protocol_violation(to_reason_code(decoded.error()));
      }
      break;
    }
    handle_packet(std::move(*decoded));
  }
  return used;
}

void server_engine::refuse_connect(reason_code reason, std::span<const std::uint8_t> body) {
  // Answer in the client's own CONNACK format when we can tell it. An
  // unknown protocol name is not MQTT: close without a word
  // [MQTT-3.1.2-1]. A known name with a level we lack gets return code 1
  // [MQTT-3.1.2-2], in v5 form for a v5 client.
  const auto level = peek_connect_level(body);
  if (reason == reason_code::unsupported_protocol_version && level && level != 5) {
    version_ = protocol_version::v3_1_1;
    write(connack{false, reason, {}});
  } else if (level == 5) {
    version_ = protocol_version::v5;
    write(connack{false, reason, {}});
  }
  close(reason, false);
}

void server_engine::on_timer(steady_time now) {
  switch (phase_) {
    case phase::awaiting_connect:
    case phase::authorizing:
    case phase::authenticating:
      if (now - connected_at_ >= limits_->connect_timeout)
        close(reason_code::maximum_connect_time, false);
      break;
    case phase::connected:
      if (input_throttled() && now >= occasional_->throttled_until) {
        occasional_->throttled = false;
        process_buffered(now);
        if (phase_ != phase::connected) break;
      }
      if (keep_alive_ != 0 && now - last_received_ >= keep_alive_grace(keep_alive_)) {
        protocol_violation(reason_code::keep_alive_timeout,
                           "nothing received for 1.5 times the keep alive");  // [MQTT-3.1.2-24]
      }
      break;
    case phase::closed:
      break;
  }
}

void server_engine::on_peer_closed() {
  if (phase_ != phase::closed) close(reason_code::unspecified_error, true);
}

std::optional<steady_time> server_engine::next_deadline() const noexcept {
  switch (phase_) {
    case phase::awaiting_connect:
    case phase::authorizing:
    case phase::authenticating:
      return connected_at_ + limits_->connect_timeout;
    case phase::connected:
      if (input_throttled()) {
        const auto resume = occasional_->throttled_until;
        return keep_alive_ == 0 ? resume
                                : std::min(resume, last_received_ + keep_alive_grace(keep_alive_));
      }
      if (keep_alive_ == 0) return std::nullopt;
      return last_received_ + keep_alive_grace(keep_alive_);
    case phase::closed:
      break;
  }
  return std::nullopt;
}

}  // namespace tern::mqtt
