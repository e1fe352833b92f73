#include "bridge/relay.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace tern::bridge {
namespace {

using mqtt::packet_type;
using mqtt::qos;
using mqtt::reason_code;

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
// Spelled out for clang before 17, which deduces no aggregate's arguments
// (the fuzz build compiles with clang).
template <class... F>
overloaded(F...) -> overloaded<F...>;

constexpr std::uint32_t session_never_expires = 0xFFFFFFFF;

// What one hop's delivery carries that the next hop must not receive: a
// client may not send subscription identifiers [MQTT-3.3.4-6], aliases are
// per connection, and DUP belongs to QoS > 0 [MQTT-3.3.1-2].
void clean_for_next_hop(mqtt::publish& p) {
  p.properties.subscription_identifiers.clear();
  p.properties.topic_alias.reset();
  if (p.qos == qos::at_most_once) p.dup = false;
}

bool contains(const std::vector<mqtt::packet_id>& ids, mqtt::packet_id id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

relay::relay(const bridge_options& options, std::uint16_t local_receive_maximum)
    : options_(options), topics_(options.topics), local_receive_maximum_(local_receive_maximum) {}

// --- connecting ---------------------------------------------------------------

mqtt::connect relay::remote_connect() const {
  mqtt::connect c;
  c.version = options_.version;
  c.client_id = options_.remote_clientid;
  c.clean_start = options_.clean_session;
  c.keep_alive = options_.keepalive_seconds;
  c.username = options_.remote_username;
  c.password = options_.remote_password;
  if (options_.notifications) {
    // The remote tells its side the bridge is gone (mosquitto's behaviour).
    mqtt::will_message will;
    will.topic = options_.notification_topic();
    will.payload = mqtt::shared_bytes::copy_of("0");
    will.qos = qos::at_least_once;
    will.retain = true;
    c.will = std::move(will);
  }
  if (c.version == mqtt::protocol_version::v5) {
    c.properties.session_expiry_interval = options_.clean_session ? 0 : session_never_expires;
    if (local_receive_maximum_ != 65'535) c.properties.receive_maximum = local_receive_maximum_;
  }
  return c;
}

mqtt::connect relay::local_connect() const {
  mqtt::connect c;
  c.version = mqtt::protocol_version::v5;
  c.client_id = options_.local_clientid;
  c.clean_start = options_.clean_session;
  c.properties.session_expiry_interval = options_.clean_session ? 0 : session_never_expires;
  return c;
}

mqtt::connect relay::local_connect(const mqtt::client_engine& remote) const {
  mqtt::connect c = local_connect();
  // Our broker sends the bridge no more than the remote accepts: the rest
  // waits in the bridge's session queue, on disk with persistence.
  if (remote.server_receive_maximum() != 65'535)
    c.properties.receive_maximum = remote.server_receive_maximum();
  if (remote.server_maximum_packet_size() != 0)
    c.properties.maximum_packet_size = remote.server_maximum_packet_size();
  return c;
}

void relay::subscribe_locally() {
  mqtt::subscribe local_sub;
  for (const auto& f : topics_.local_filters()) {
    // No Local: what the bridge publishes here never goes back out; Retain
    // As Published keeps the flag; retained messages only for a new
    // subscription, not on every reconnect.
    local_sub.entries.push_back({f.topic_filter, {f.qos, true, true, 1}});
  }
  if (!local_sub.entries.empty()) local_->subscribe(std::move(local_sub));
}

void relay::prime_local(steady_time now) {
  now_ = now;
  priming_ = true;
  local_.emplace(mqtt::client_limits{.receive_maximum = local_receive_maximum_}, now);
  mqtt::connect c = local_connect();
  // At most one queued message comes to this short connection; it stays
  // in flight in the session and is resent on the first real one.
  c.properties.receive_maximum = 1;
  local_->start(c);
  subscribe_locally();
  events_.push_back(relay_event::open_local);
}

mqtt::publish relay::state_notice(bool up) const {
  mqtt::publish state;
  state.topic = options_.notification_topic();
  state.payload = mqtt::shared_bytes::copy_of(up ? "1" : "0");
  state.retain = true;  // QoS 0: takes no packet id from the relayed ones
  return state;
}

void relay::remote_opened(steady_time now) {
  now_ = now;
  last_message_at_ = now;
  priming_ = false;
  remote_.emplace(mqtt::client_limits{}, now);
  local_.reset();
  outbound_.clear();
  remote_subscribe_id_.reset();
  down_reported_ = false;
  last_reason_ = reason_code::success;
  const bool use_private =
      options_.try_private && !private_refused_ && options_.version != mqtt::protocol_version::v5;
  tried_private_ = use_private;
  remote_->start(remote_connect(), use_private);
}

void relay::remote_connected(const mqtt::connack& c, steady_time now) {
  // Subscribe at the remote first; local messages wait for its SUBACK, as
  // they reuse packet ids our broker chose and one may equal the SUBSCRIBE's.
  mqtt::subscribe s;
  for (const auto& f : topics_.remote_filters()) {
    mqtt::subscription sub{f.topic_filter, {f.qos, false, false, 0}};
    if (options_.version == mqtt::protocol_version::v5) {
      sub.options.no_local = true;             // loop prevention
      sub.options.retain_as_published = true;  // the retain flag crosses the bridge
    }
    s.entries.push_back(std::move(sub));
  }
  if (!s.entries.empty()) {
    s.id = 1;
    remote_subscribe_id_ = 1;
    remote_->subscribe(std::move(s));
  }
  if (options_.notifications) remote_->send_publish(state_notice(true));

  local_.emplace(mqtt::client_limits{.receive_maximum = local_receive_maximum_}, now);
  local_->start(local_connect(*remote_));
  subscribe_locally();

  if (!c.session_present && !options_.clean_session) {
    // The remote forgot its session: the QoS 2 ids it had open with us
    // are free on its side, so free them on ours before it reuses one.
    for (auto id : inbound_open_) {
      local_->release(id);
      orphans_.push_back(id);
    }
    inbound_open_.clear();
  }
  events_.push_back(relay_event::open_local);
}

// --- input ----------------------------------------------------------------------

void relay::on_remote_bytes(std::span<const std::uint8_t> bytes, steady_time now) {
  now_ = now;
  if (remote_) remote_->on_bytes(bytes, now);
  process();
}

void relay::on_local_bytes(std::span<const std::uint8_t> bytes, steady_time now) {
  now_ = now;
  if (local_) local_->on_bytes(bytes, now);
  process();
}

void relay::on_remote_closed() {
  if (remote_) remote_->on_peer_closed();
  process();
}

void relay::on_local_closed() {
  if (local_) local_->on_peer_closed();
  process();
}

void relay::on_timer(steady_time now) {
  now_ = now;
  if (remote_) remote_->on_timer(now);
  if (local_) local_->on_timer(now);
  process();
}

std::optional<steady_time> relay::next_deadline() const {
  std::optional<steady_time> remote = remote_ ? remote_->next_deadline() : std::nullopt;
  std::optional<steady_time> local = local_ ? local_->next_deadline() : std::nullopt;
  if (remote && local) return std::min(*remote, *local);
  return remote ? remote : local;
}

void relay::shut_down() {
  if (local_) local_->disconnect();
  if (remote_) remote_->disconnect();
  process();
}

void relay::go_idle() {
  if (options_.notifications && remote_ && remote_->is_connected())
    remote_->send_publish(state_notice(false));
  shut_down();
}

void relay::process() {
  std::vector<mqtt::client_event> events;
  for (bool more = true; more;) {
    more = false;
    if (remote_ && remote_->take_events(events)) {
      more = true;
      for (auto& e : events)
        process_remote(e);
    }
    if (local_ && local_->take_events(events)) {
      more = true;
      for (auto& e : events)
        priming_ ? process_priming(e) : process_local(e);
    }
  }
}

void relay::process_remote(mqtt::client_event& event) {
  std::visit(overloaded{
                 [&](mqtt::connack_received& e) { remote_connected(e.packet, now_); },
                 [&](mqtt::publish_received& e) { from_remote(std::move(e.packet)); },
                 [&](mqtt::ack_received& e) {
                   if (!local_) return;
                   if (e.type == packet_type::puback) {
                     local_->acknowledge_publish(e.id, qos::at_least_once, e.reason);
                   } else if (e.type == packet_type::pubrec) {
                     local_->acknowledge_publish(e.id, qos::exactly_once, e.reason);
                   } else {
                     local_->complete_release(e.id);
                   }
                   flush_outbound();  // the remote window has room again
                 },
                 [&](mqtt::release_received& e) {
                   if (local_) local_->release(e.id);
                 },
                 [&](mqtt::suback_received& e) {
                   for (auto rc : e.packet.reasons) {
                     if (is_failure(rc))
                       spdlog::warn("bridge {}: the remote refused a subscription ({})",
                                    options_.name, mqtt::reason_name(rc));
                   }
                   if (remote_subscribe_id_ == e.packet.id) remote_subscribe_id_.reset();
                   flush_outbound();
                 },
                 [&](mqtt::disconnect_received&) {},
                 [&](mqtt::close_requested& e) {
                   if (tried_private_ && e.reason == reason_code::unsupported_protocol_version) {
                     spdlog::info("bridge {}: the remote refused the bridge marker; trying without",
                                  options_.name);
                     private_refused_ = true;
                   }
                   went_down(e.reason);
                 },
             },
             event);
}

void relay::process_local(mqtt::client_event& event) {
  std::visit(overloaded{
                 [&](mqtt::connack_received&) {
                   up_ = true;
                   events_.push_back(relay_event::up);
                 },
                 [&](mqtt::publish_received& e) { from_local(std::move(e.packet)); },
                 [&](mqtt::ack_received& e) {
                   // Our broker has what the remote sent: acknowledge there.
                   if (e.type == packet_type::puback) {
                     remote_->acknowledge_publish(e.id, qos::at_least_once, e.reason);
                   } else if (e.type == packet_type::pubrec) {
                     if (is_failure(e.reason)) std::erase(inbound_open_, e.id);  // refused here
                     remote_->acknowledge_publish(e.id, qos::exactly_once, e.reason);
                   } else {
                     std::erase(inbound_open_, e.id);
                     if (contains(orphans_, e.id)) {
                       std::erase(orphans_, e.id);  // the remote does not know it any more
                     } else {
                       remote_->complete_release(e.id);
                     }
                   }
                 },
                 [&](mqtt::release_received& e) { remote_->release(e.id); },
                 [&](mqtt::suback_received&) {},
                 [&](mqtt::disconnect_received&) {},
                 [&](mqtt::close_requested& e) {
                   if (remote_) remote_->disconnect(reason_code::unspecified_error);
                   went_down(e.reason);
                 },
             },
             event);
}

void relay::process_priming(mqtt::client_event& event) {
  std::visit(overloaded{
                 [&](mqtt::connack_received&) {
                   if (topics_.local_filters().empty())
                     local_->disconnect();  // nothing to wait for
                 },
                 [&](mqtt::suback_received& e) {
                   for (auto rc : e.packet.reasons) {
                     if (is_failure(rc))
                       spdlog::warn("bridge {}: our broker refused a subscription ({})",
                                    options_.name, mqtt::reason_name(rc));
                   }
                   local_->disconnect();
                 },
                 [&](mqtt::close_requested& e) {
                   priming_ = false;
                   if (e.reason != reason_code::normal_disconnection)
                     spdlog::warn("bridge {}: setting up the local session ended with {}",
                                  options_.name, mqtt::reason_name(e.reason));
                   events_.push_back(relay_event::primed);
                 },
                 // Messages, acknowledgements: left in the session for the
                 // first real connection.
                 [&](auto&) {},
             },
             event);
}

// --- messages -------------------------------------------------------------------

void relay::from_remote(mqtt::publish&& p) {
  last_message_at_ = now_;
  const auto id = p.id;
  const auto q = p.qos;
  auto topic = topics_.to_local(p.topic);
  if (!topic || !local_) {
    // Not ours (a subscription left from an older configuration): taken
    // and dropped, as the remote would otherwise resend it for ever.
    if (q != qos::at_most_once) remote_->acknowledge_publish(id, q);
    return;
  }
  p.topic = std::move(*topic);
  clean_for_next_hop(p);
  const auto sent = local_->send_publish(std::move(p));
  if (sent == mqtt::send_result::sent) {
    if (q == qos::exactly_once && !contains(inbound_open_, id)) inbound_open_.push_back(id);
    return;
  }
  if (q == qos::at_most_once) return;
  // Our broker's Receive Maximum is announced to the remote, so only a
  // remote that ignores it gets here.
  spdlog::warn("bridge {}: the remote sent more than the Receive Maximum; reconnecting",
               options_.name);
  remote_->disconnect(reason_code::receive_maximum_exceeded);
}

void relay::from_local(mqtt::publish&& p) {
  if (!remote_) return;
  last_message_at_ = now_;
  clean_for_next_hop(p);
  if (p.qos == qos::at_most_once) {
    if (auto topic = topics_.to_remote(p.topic)) {
      p.topic = std::move(*topic);
      remote_->send_publish(std::move(p));
    }
    return;
  }
  outbound_.push_back(std::move(p));
  flush_outbound();
}

void relay::flush_outbound() {
  if (remote_subscribe_id_ || !remote_ || !local_) return;
  while (!outbound_.empty() && forward_out(outbound_.front()))
    outbound_.pop_front();
}

bool relay::forward_out(mqtt::publish& p) {
  const auto id = p.id;
  const auto q = p.qos;
  auto topic = topics_.to_remote(p.topic);
  reason_code refused = reason_code::success;
  if (!topic) {
    refused = reason_code::implementation_specific_error;
  } else {
    p.topic = std::move(*topic);
    switch (remote_->send_publish(std::move(p))) {
      case mqtt::send_result::sent:
        return true;
      case mqtt::send_result::window_full:
      case mqtt::send_result::id_in_use:
      case mqtt::send_result::not_connected:
        return false;
      case mqtt::send_result::too_large:
        refused = reason_code::packet_too_large;
        spdlog::warn(
            "bridge {}: a message is larger than the remote's Maximum Packet Size; dropped",
            options_.name);
        break;
    }
  }
  // A refusal completes the message at home (a failed PUBREC ends QoS 2).
  local_->acknowledge_publish(id, q, refused);
  return true;
}

// --- end ----------------------------------------------------------------------------

void relay::went_down(reason_code reason) {
  if (local_ && !local_->is_closed()) local_->disconnect();
  if (remote_ && !remote_->is_closed()) remote_->disconnect();
  up_ = false;
  if (down_reported_) return;
  down_reported_ = true;
  last_reason_ = reason;
  events_.push_back(relay_event::down);
}

bool relay::take_events(std::vector<relay_event>& out) {
  out.clear();
  if (events_.empty()) return false;
  out.swap(events_);
  return true;
}

void relay::take(std::optional<mqtt::client_engine>& e, std::vector<std::uint8_t>& out) {
  if (e) {
    e->take_output(out);
  } else {
    out.clear();
  }
}

}  // namespace tern::bridge
