#include "mqtt/engine/client_engine.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"

namespace tern::mqtt {
namespace {

constexpr std::uint32_t no_packet_limit = max_variable_byte_integer + 5;

std::chrono::milliseconds seconds(std::uint16_t s) {
  return std::chrono::milliseconds(std::uint64_t{s} * 1000);
}

// The protocol level byte of an encoded CONNECT: after the fixed header
// and the length-prefixed protocol name (spec 3.1.2.1, 3.1.2.2).
std::size_t connect_level_offset(std::span<const std::uint8_t> encoded) {
  auto header = parse_fixed_header(encoded, no_packet_limit, protocol_version::v5);
  assert(header && *header);
  const std::size_t name_at = (*header)->size;
  const std::size_t name_length = (std::size_t{encoded[name_at]} << 8) | encoded[name_at + 1];
  return name_at + 2 + name_length;
}

}  // namespace

client_engine::client_engine(client_limits limits, steady_time now, client_session_state state)
    : limits_(limits), state_(std::move(state)), started_(now), now_(now), next_ping_(now) {
  if (limits_.max_inflight == 0) limits_.max_inflight = 65'535;
}

void client_engine::start(const connect& c, bool private_bridge) {
  assert(phase_ == phase::idle);
  version_ = c.version;
  keep_alive_ = c.keep_alive;
  const std::size_t at = out_.size();
  encode_append(packet(c), version_, out_);
  if (private_bridge)
    out_[at + connect_level_offset(std::span<const std::uint8_t>(out_).subspan(at))] |= 0x80;
  phase_ = phase::awaiting_connack;
}

// --- input -------------------------------------------------------------------

void client_engine::on_bytes(std::span<const std::uint8_t> bytes, steady_time now) {
  if (bytes.empty() || phase_ == phase::closed || phase_ == phase::idle) return;
  now_ = now;
  ping_sent_.reset();  // any packet from the server shows it is alive
  in_.insert(in_.end(), bytes.begin(), bytes.end());
  const std::size_t used = parse(in_);
  in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(used));
  if (in_.empty() && in_.capacity() > 4096) in_ = {};
}

std::size_t client_engine::parse(std::span<const std::uint8_t> data) {
  std::size_t used = 0;
  while (phase_ == phase::awaiting_connack || phase_ == phase::connected) {
    const auto pending = data.subspan(used);
    auto header = parse_fixed_header(pending, limits_.maximum_packet_size, version_);
    if (!header) {
      protocol_violation(to_reason_code(header.error()));
      break;
    }
    if (!*header || pending.size() < (*header)->packet_size()) break;  // need more bytes
    const fixed_header h = **header;
    used += h.packet_size();
    if (phase_ == phase::awaiting_connack && h.type != packet_type::connack) {
      protocol_violation(reason_code::protocol_error);  // CONNACK comes first [MQTT-3.2.0-1]
      break;
    }
    auto decoded = decode(h, pending.subspan(h.size, h.remaining_length), version_);
    if (!decoded) {
      protocol_violation(to_reason_code(decoded.error()));
      break;
    }
    handle_packet(std::move(*decoded));
  }
  return used;
}

void client_engine::on_timer(steady_time now) {
  switch (phase_) {
    case phase::awaiting_connack:
      if (now - started_ >= limits_.connack_timeout) close(reason_code::maximum_connect_time);
      break;
    case phase::connected:
      if (keep_alive_ == 0) break;
      if (ping_sent_ && now - *ping_sent_ >= seconds(keep_alive_)) {
        close(reason_code::keep_alive_timeout);  // no answer to PINGREQ (spec 3.1.2.10)
      } else if (now >= next_ping_) {
        // Every keep_alive, busy or not: never longer than keep_alive
        // between two packets of ours [MQTT-3.1.2-23], and no clock read
        // per packet sent.
        write(pingreq{});
        if (!ping_sent_) ping_sent_ = now;
        next_ping_ = now + seconds(keep_alive_);
      }
      break;
    case phase::idle:
    case phase::closed:
      break;
  }
}

std::optional<steady_time> client_engine::next_deadline() const noexcept {
  switch (phase_) {
    case phase::awaiting_connack:
      return started_ + limits_.connack_timeout;
    case phase::connected:
      if (keep_alive_ == 0) return std::nullopt;
      return ping_sent_ ? std::min(next_ping_, *ping_sent_ + seconds(keep_alive_)) : next_ping_;
    case phase::idle:
    case phase::closed:
      break;
  }
  return std::nullopt;
}

void client_engine::on_peer_closed() {
  if (phase_ != phase::closed) close(reason_code::unspecified_error);
}

// --- packets from the server ---------------------------------------------------

void client_engine::handle_packet(packet&& p) {
  switch (type_of(p)) {
    case packet_type::connack:
      if (phase_ == phase::connected) return protocol_violation(reason_code::protocol_error);
      return handle_connack(std::get<connack>(std::move(p)));
    case packet_type::publish:
      return handle_publish(std::get<publish>(std::move(p)));
    case packet_type::puback:
      return handle_ack(packet_type::puback, std::get<puback>(p).id, std::get<puback>(p).reason);
    case packet_type::pubrec:
      return handle_ack(packet_type::pubrec, std::get<pubrec>(p).id, std::get<pubrec>(p).reason);
    case packet_type::pubcomp:
      return handle_ack(packet_type::pubcomp, std::get<pubcomp>(p).id, std::get<pubcomp>(p).reason);
    case packet_type::pubrel:
      return handle_pubrel(std::get<pubrel>(p).id);
    case packet_type::suback:
      events_.emplace_back(suback_received{std::get<suback>(std::move(p))});
      return;
    case packet_type::unsuback:
    case packet_type::pingresp:
      return;
    case packet_type::disconnect: {
      const reason_code reason = std::get<mqtt::disconnect>(p).reason;
      events_.emplace_back(disconnect_received{std::get<mqtt::disconnect>(std::move(p))});
      return close(reason);
    }
    case packet_type::connect:
    case packet_type::subscribe:
    case packet_type::unsubscribe:
    case packet_type::pingreq:
    case packet_type::auth:  // we offer no enhanced authentication [MQTT-4.12.0-1]
      return protocol_violation(reason_code::protocol_error);  // packets only a client sends
  }
}

void client_engine::handle_connack(connack&& c) {
  if (is_failure(c.reason)) return close(c.reason);  // refused [MQTT-3.2.2-5]
  phase_ = phase::connected;
  if (version_ == protocol_version::v5) {
    server_receive_maximum_ = c.properties.receive_maximum.value_or(65'535);
    server_max_packet_ = c.properties.maximum_packet_size.value_or(0);
    if (auto keep_alive = c.properties.server_keep_alive)
      keep_alive_ = *keep_alive;  // [MQTT-3.2.2-21]
  }
  next_ping_ = now_ + seconds(keep_alive_);
  if (!c.session_present) {
    // The server has no state for us: what was in flight is new to it
    // (sent again without DUP), a PUBREL it would not know is dropped, and
    // a QoS 2 id it may reuse is forgotten.
    std::erase_if(state_.outbound, [](const client_inflight& e) {
      return e.state == client_inflight::phase::awaiting_pubcomp ||
             e.state == client_inflight::phase::awaiting_release;
    });
    state_.inbound_qos2.clear();
  }
  const bool present = c.session_present;
  events_.emplace_back(connack_received{std::move(c)});
  if (present || !state_.outbound.empty()) resend_inflight();
}

void client_engine::resend_inflight() {
  for (auto& entry : state_.outbound) {
    switch (entry.state) {
      case client_inflight::phase::awaiting_puback:
      case client_inflight::phase::awaiting_pubrec:
        entry.packet.dup = true;  // [MQTT-4.4.0-1]: DUP set on resend
        write(entry.packet);
        break;
      case client_inflight::phase::awaiting_pubcomp:
        write(pubrel{entry.id, reason_code::success, {}});
        break;
      case client_inflight::phase::awaiting_release:
        break;  // the layer above has not decided yet
    }
  }
}

void client_engine::handle_publish(publish&& p) {
  if (version_ == protocol_version::v5 && (p.properties.topic_alias || p.topic.empty()))
    return protocol_violation(reason_code::topic_alias_invalid);  // we allow none [MQTT-3.3.2-9]
  if (p.qos == qos::exactly_once) {
    auto& received = state_.inbound_qos2;
    if (std::find(received.begin(), received.end(), p.id) != received.end()) {
      // Received before: never raised twice [MQTT-4.3.3-10]; answered
      // again once the first copy's PUBREC is decided.
      if (std::find(pending_qos2_.begin(), pending_qos2_.end(), p.id) == pending_qos2_.end())
        write(pubrec{p.id, reason_code::success, {}});
      return;
    }
    received.push_back(p.id);
    pending_qos2_.push_back(p.id);
  }
  events_.emplace_back(publish_received{std::move(p)});
}

void client_engine::handle_ack(packet_type type, packet_id id, reason_code reason) {
  auto it = find_outbound(id);
  const auto expected = type == packet_type::puback   ? client_inflight::phase::awaiting_puback
                        : type == packet_type::pubrec ? client_inflight::phase::awaiting_pubrec
                                                      : client_inflight::phase::awaiting_pubcomp;
  if (it == state_.outbound.end() || it->state != expected) {
    // A PUBREC for a message we do not have: tell the server [MQTT-4.3.3-*].
    if (type == packet_type::pubrec && version_ == protocol_version::v5)
      write(pubrel{id, reason_code::packet_identifier_not_found, {}});
    return;
  }
  if (type == packet_type::pubrec && !is_failure(reason)) {
    it->state = client_inflight::phase::awaiting_release;
    it->packet.payload = {};  // the server owns it now (spec 4.3.3)
  } else {
    state_.outbound.erase(it);  // done, or refused by the server
  }
  events_.emplace_back(ack_received{type, id, reason});
}

void client_engine::handle_pubrel(packet_id id) {
  // Raised for an id unknown here too: a previous connection (or the other
  // hop of a bridge) may hold it, and only the layer above can tell.
  events_.emplace_back(release_received{id});
}

// --- requests from the layer above -------------------------------------------------

bool client_engine::can_send_qos() const noexcept {
  if (phase_ != phase::awaiting_connack && phase_ != phase::connected) return false;
  const std::size_t window = std::min(limits_.max_inflight, server_receive_maximum_);
  return state_.outbound.size() < window;
}

send_result client_engine::send_publish(publish p) {
  if (phase_ != phase::awaiting_connack && phase_ != phase::connected)
    return send_result::not_connected;
  if (server_max_packet_ != 0 && encoded_size(p, version_) > server_max_packet_)
    return send_result::too_large;  // [MQTT-3.1.2-24]
  if (p.qos == qos::at_most_once) {
    p.id = 0;
    write(p);
    return send_result::sent;
  }
  if (!can_send_qos()) return send_result::window_full;
  if (p.id == 0) {
    p.id = allocate_packet_id();
  } else if (find_outbound(p.id) != state_.outbound.end()) {
    return send_result::id_in_use;  // [MQTT-2.2.1-3]
  }
  write(p);
  const auto state = p.qos == qos::at_least_once ? client_inflight::phase::awaiting_puback
                                                 : client_inflight::phase::awaiting_pubrec;
  state_.outbound.push_back({p.id, state, std::move(p)});
  return send_result::sent;
}

void client_engine::subscribe(mqtt::subscribe s) {
  if (phase_ != phase::awaiting_connack && phase_ != phase::connected) return;
  if (s.id == 0) s.id = allocate_packet_id();
  write(s);
}

void client_engine::acknowledge_publish(packet_id id, qos q, reason_code reason) {
  if (phase_ != phase::connected) return;
  if (q == qos::at_least_once) return write(puback{id, reason, {}});
  std::erase(pending_qos2_, id);
  if (is_failure(reason)) std::erase(state_.inbound_qos2, id);  // refused: forgotten (4.3.3)
  write(pubrec{id, reason, {}});
}

void client_engine::release(packet_id id) {
  if (phase_ != phase::connected) return;
  auto it = find_outbound(id);
  if (it == state_.outbound.end()) {
    state_.outbound.push_back({id, client_inflight::phase::awaiting_pubcomp, {}});
  } else {
    it->state = client_inflight::phase::awaiting_pubcomp;
  }
  write(pubrel{id, reason_code::success, {}});
}

void client_engine::complete_release(packet_id id) {
  if (phase_ != phase::connected) return;
  std::erase(state_.inbound_qos2, id);  // the id may carry a new message now [MQTT-4.3.3-10]
  write(pubcomp{id, reason_code::success, {}});
}

void client_engine::disconnect(reason_code reason) {
  if (phase_ == phase::closed) return;
  if (phase_ == phase::connected) write(mqtt::disconnect{reason, {}});
  close(reason);
}

// --- helpers -------------------------------------------------------------------------

void client_engine::protocol_violation(reason_code reason) {
  if (phase_ == phase::closed) return;
  if (phase_ == phase::connected && version_ == protocol_version::v5)
    write(mqtt::disconnect{reason, {}});  // [MQTT-4.13.1-1]
  close(reason);
}

void client_engine::close(reason_code reason) {
  phase_ = phase::closed;
  events_.emplace_back(close_requested{reason, false});
}

void client_engine::write(const packet& p) {
  encode_append(p, version_, out_);
}

packet_id client_engine::allocate_packet_id() {
  for (;;) {
    packet_id id = ++state_.last_id;
    if (id == 0) id = state_.last_id = 1;  // packet ids are non-zero [MQTT-2.2.1-3]
    if (find_outbound(id) == state_.outbound.end()) return id;
  }
}

std::vector<client_inflight>::iterator client_engine::find_outbound(packet_id id) {
  auto& out = state_.outbound;
  return std::find_if(out.begin(), out.end(), [id](const auto& e) { return e.id == id; });
}

void client_engine::take_output(std::vector<std::uint8_t>& out) {
  out.clear();
  out.swap(out_);
}

bool client_engine::take_events(std::vector<client_event>& out) {
  out.clear();
  if (events_.empty()) return false;
  out.swap(events_);
  return true;
}

}  // namespace tern::mqtt
