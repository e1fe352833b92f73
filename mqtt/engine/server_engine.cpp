#include "mqtt/engine/server_engine.hpp"

#include <algorithm>
#include <cassert>
#include <type_traits>
#include <utility>

#include "mqtt/codec/encoder.hpp"
#include "mqtt/codec/topic.hpp"

namespace tern::mqtt {
namespace {

constexpr std::uint32_t no_packet_limit = max_variable_byte_integer + 5;

// Reason codes a server may put in DISCONNECT (spec 3.14.2.1, table 3-10).
bool is_disconnect_reason(reason_code rc) {
  switch (rc) {
    case reason_code::unspecified_error:
    case reason_code::malformed_packet:
    case reason_code::protocol_error:
    case reason_code::implementation_specific_error:
    case reason_code::not_authorized:
    case reason_code::server_busy:
    case reason_code::server_shutting_down:
    case reason_code::keep_alive_timeout:
    case reason_code::session_taken_over:
    case reason_code::topic_filter_invalid:
    case reason_code::topic_name_invalid:
    case reason_code::receive_maximum_exceeded:
    case reason_code::topic_alias_invalid:
    case reason_code::packet_too_large:
    case reason_code::message_rate_too_high:
    case reason_code::quota_exceeded:
    case reason_code::administrative_action:
    case reason_code::payload_format_invalid:
    case reason_code::retain_not_supported:
    case reason_code::qos_not_supported:
    case reason_code::use_another_server:
    case reason_code::server_moved:
    case reason_code::shared_subscriptions_not_supported:
    case reason_code::connection_rate_exceeded:
    case reason_code::maximum_connect_time:
    case reason_code::subscription_identifiers_not_supported:
    case reason_code::wildcard_subscriptions_not_supported:
      return true;
    default:
      return false;
  }
}

std::string qos_text(qos q) {
  return "QoS " + std::to_string(static_cast<int>(q));
}

}  // namespace

server_engine::server_engine(const engine_limits& limits, steady_time now)
    : limits_(&limits), last_received_(now), connected_at_(now) {}

server_engine::occasional_state& server_engine::occasional() {
  if (!occasional_) occasional_ = std::make_unique<occasional_state>();
  return *occasional_;
}

// --- packets from the client ---------------------------------------------------

void server_engine::handle_packet(packet&& p) {
  switch (static_cast<packet_type>(p.index() + 1)) {
    case packet_type::connect:
      if (phase_ == phase::connected)
        return protocol_violation(reason_code::protocol_error);  // [MQTT-3.1.0-2]
      return handle_connect(std::get<connect>(std::move(p)));
    case packet_type::publish:
      return handle_publish(std::get<publish>(std::move(p)));
    case packet_type::puback:
      return handle_puback(std::get<puback>(p).id);
    case packet_type::pubrec:
      return handle_pubrec(std::get<pubrec>(p));
    case packet_type::pubrel:
      return handle_pubrel(std::get<pubrel>(p).id);
    case packet_type::pubcomp:
      return handle_pubcomp(std::get<pubcomp>(p).id);
    case packet_type::subscribe:
      return handle_subscribe(std::get<subscribe>(std::move(p)));
    case packet_type::unsubscribe:
      return handle_unsubscribe(std::get<unsubscribe>(std::move(p)));
    case packet_type::pingreq:
      return write(pingresp{});  // [MQTT-3.12.4-1]
    case packet_type::disconnect:
      return handle_disconnect(std::get<mqtt::disconnect>(std::move(p)));
    case packet_type::auth:
      return handle_auth(std::get<mqtt::auth>(std::move(p)));
    case packet_type::connack:
    case packet_type::suback:
    case packet_type::unsuback:
    case packet_type::pingresp:
      // Packets only a server sends.
      return protocol_violation(reason_code::protocol_error);
  }
}

void server_engine::handle_connect(connect&& c) {
  version_ = c.version;
  keep_alive_ = c.keep_alive;
  if (version_ == protocol_version::v5) {
    const auto& props = c.properties;
    client_receive_maximum_ = props.receive_maximum.value_or(65'535);
    client_maximum_packet_size_ = props.maximum_packet_size.value_or(0);
    outbound_alias_limit_ =
        std::min(props.topic_alias_maximum.value_or(0), limits_->outbound_topic_aliases);
    session_expiry_was_zero_ = props.session_expiry_interval.value_or(0) == 0;
    problem_information_ = props.request_problem_information.value_or(1) != 0;
    if (props.authentication_method) occasional().auth_method = *props.authentication_method;
  }
  // A 3.1.1 client must send a client id when it wants a persistent session
  // [MQTT-3.1.3-8]; 3.1 requires one always (1 to 23 characters).
  if (c.client_id.empty() && (version_ == protocol_version::v3_1 ||
                              (version_ == protocol_version::v3_1_1 && !c.clean_start))) {
    return reject(reason_code::client_identifier_not_valid);
  }
  if (c.will && c.will->qos > limits_->maximum_qos) {  // [MQTT-3.2.2-12]
    connack_properties why;
    why.reason_string = "will " + qos_text(c.will->qos) + " is above the Maximum QoS " +
                        std::to_string(static_cast<int>(limits_->maximum_qos));
    return reject(reason_code::qos_not_supported, std::move(why));
  }
  if (c.will && c.will->retain && !limits_->retain_available) {  // [MQTT-3.2.2-13]
    connack_properties why;
    why.reason_string = "retained messages are not available";
    return reject(reason_code::retain_not_supported, std::move(why));
  }
  if (c.will && too_deep(c.will->topic)) {
    // Not "malformed": a name this server does not accept (v5 table 2-6,
    // 0x90). 3.1.1 has no CONNACK code for it: closed.
    if (version_ != protocol_version::v5) return close(reason_code::topic_name_invalid, false);
    connack_properties why;
    why.reason_string = too_deep_text("will topic");
    return reject(reason_code::topic_name_invalid, std::move(why));
  }
  phase_ = phase::authorizing;
  events_.emplace_back(connect_requested{std::make_unique<connect>(std::move(c))});
}

void server_engine::accept(session_state& state, bool session_present,
                           connack_properties properties) {
  assert(phase_ == phase::authorizing);
  state_ = &state;
  if (version_ == protocol_version::v5) {
    if (receive_maximum() != 65'535) properties.receive_maximum = receive_maximum();
    if (limits_->maximum_packet_size < no_packet_limit)
      properties.maximum_packet_size = limits_->maximum_packet_size;
    properties.topic_alias_maximum = limits_->topic_alias_maximum;
    if (limits_->maximum_qos != qos::exactly_once)  // [MQTT-3.2.2-9]
      properties.maximum_qos = static_cast<std::uint8_t>(limits_->maximum_qos);
    if (!limits_->retain_available) properties.retain_available = 0;
    if (!limits_->wildcard_subscription_available) properties.wildcard_subscription_available = 0;
    if (!limits_->subscription_identifier_available)
      properties.subscription_identifier_available = 0;
    if (!limits_->shared_subscription_available) properties.shared_subscription_available = 0;
  } else {
    properties = {};
  }
  write(connack{session_present, reason_code::success, std::move(properties)});
  phase_ = phase::connected;
  resend_inflight();
  process_buffered(last_received_);  // packets pipelined behind CONNECT
}

void server_engine::reject(reason_code reason, connack_properties properties) {
  if (phase_ == phase::closed) return;
  if (version_ != protocol_version::v5) properties = {};
  write(connack{false, reason, std::move(properties)});  // [MQTT-3.2.2-6/-7]
  close(reason, false);
}

bool server_engine::publish_allowed(steady_time now) {
  if (limits_->max_publish_rate == 0) return true;
  auto& o = occasional();
  if (o.throttled) {
    if (now < o.throttled_until) return false;
    o.throttled = false;
  }
  if (!o.rate) o.rate.emplace(limits_->max_publish_rate, now);
  // This one goes on; a debt holds back what follows.
  const auto wait = o.rate->take(now);
  if (wait.count() != 0) {
    o.throttled = true;
    o.throttled_until = now + wait;
  }
  return true;
}

void server_engine::handle_auth(mqtt::auth&& a) {
  // Only a client that named a method in CONNECT may send AUTH, and only
  // with that method [MQTT-4.12.0-1] [MQTT-4.12.1-1].
  const std::string* method = authentication_method();
  if (method == nullptr || a.properties.authentication_method != *method)
    return protocol_violation(reason_code::protocol_error, "AUTH with another method");
  if (phase_ == phase::authenticating) {
    if (a.reason != reason_code::continue_authentication)
      return protocol_violation(reason_code::protocol_error, "AUTH before CONNACK must be 0x18");
    phase_ = phase::authorizing;  // what follows waits for the broker's answer
  } else {
    auto& reauth = occasional_->reauthenticating;
    const auto expected =
        reauth ? reason_code::continue_authentication : reason_code::re_authenticate;
    if (a.reason != expected)
      return protocol_violation(reason_code::protocol_error, "unexpected AUTH reason code");
    reauth = true;
  }
  events_.emplace_back(auth_received{std::move(a)});
}

void server_engine::continue_authentication(std::string data) {
  const std::string* method = authentication_method();
  if (method == nullptr || phase_ == phase::closed) return;
  write(mqtt::auth{reason_code::continue_authentication, {*method, std::move(data), {}, {}}});
  if (phase_ == phase::authorizing) {
    phase_ = phase::authenticating;
    process_buffered(last_received_);
  }
}

void server_engine::finish_reauthentication(std::string data) {
  const std::string* method = authentication_method();
  if (method == nullptr || phase_ != phase::connected) return;
  occasional_->reauthenticating = false;
  write(mqtt::auth{reason_code::success, {*method, std::move(data), {}, {}}});
}

void server_engine::handle_publish(publish&& p) {
  if (version_ == protocol_version::v5) {
    if (!p.properties.subscription_identifiers.empty())
      return protocol_violation(reason_code::protocol_error);  // [MQTT-3.3.4-6]
    if (auto alias = p.properties.topic_alias) {
      if (*alias == 0 || *alias > limits_->topic_alias_maximum)
        return protocol_violation(reason_code::topic_alias_invalid);  // [MQTT-3.3.2-8/-9]
      if (p.topic.empty()) {
        const std::string* topic =
            occasional_ ? occasional_->inbound_aliases.find(*alias) : nullptr;
        if (topic == nullptr) return protocol_violation(reason_code::protocol_error);
        p.topic = *topic;
      } else {
        occasional().inbound_aliases.set(*alias, p.topic);
      }
      p.properties.topic_alias.reset();
    }
    if (p.topic.empty()) return protocol_violation(reason_code::protocol_error);
  }
  if (too_deep(p.topic))  // 0x90, not accepted by this server (table 2-6); 3.1.1: closed
    return protocol_violation(reason_code::topic_name_invalid, too_deep_text("topic"));
  // Above the Maximum QoS we announced: DISCONNECT 0x9B (spec 3.3.1.2,
  // [MQTT-3.2.2-11]); a 3.1.1 client, never told, is closed (as mosquitto).
  if (p.qos > limits_->maximum_qos)
    return protocol_violation(reason_code::qos_not_supported,
                              qos_text(p.qos) + " is above the Maximum QoS " +
                                  std::to_string(static_cast<int>(limits_->maximum_qos)));
  if (p.retain && !limits_->retain_available)  // [MQTT-3.2.2-14]: DISCONNECT 0x9A
    return protocol_violation(reason_code::retain_not_supported,
                              "retained messages are not available");

  switch (p.qos) {
    case qos::at_most_once:
      break;
    case qos::at_least_once:
      if (++inbound_unacknowledged_ > receive_maximum() && version_ == protocol_version::v5)
        return protocol_violation(reason_code::receive_maximum_exceeded);  // [MQTT-3.3.4-9]
      break;
    case qos::exactly_once: {
      auto& received = state_->inbound_qos2;
      if (std::find(received.begin(), received.end(), p.id) != received.end()) {
        // Already received: never deliver twice [MQTT-4.3.3-10], but
        // answer every copy; while the first copy's PUBREC is still being
        // decided, this one's waits to carry the same reason.
        auto& o = occasional();
        if (std::find(o.pending_qos2.begin(), o.pending_qos2.end(), p.id) != o.pending_qos2.end())
          o.repeated_qos2.push_back(p.id);
        else
          write(pubrec{p.id, reason_code::success, {}});
        return;
      }
      if (++inbound_unacknowledged_ > receive_maximum() && version_ == protocol_version::v5)
        return protocol_violation(reason_code::receive_maximum_exceeded);
      received.push_back(p.id);
      occasional().pending_qos2.push_back(p.id);
      break;
    }
  }
  events_.emplace_back(publish_received{std::move(p)});
}

void server_engine::acknowledge_publish(packet_id id, qos q, reason_code reason, std::string why) {
  if (phase_ != phase::connected) return;
  if (inbound_unacknowledged_ > 0 && (q == qos::at_least_once || is_failure(reason)))
    --inbound_unacknowledged_;
  ack_properties props;
  if (!why.empty()) props.reason_string = std::move(why);
  if (q == qos::at_least_once) {
    write(puback{id, reason, std::move(props)});
    return;
  }
  if (is_failure(reason) && state_ != nullptr)
    std::erase(state_->inbound_qos2, id);  // a refused QoS 2 message is forgotten (spec 4.3.3)
  if (!occasional_) {
    write(pubrec{id, reason, std::move(props)});
    return;
  }
  auto& o = *occasional_;
  std::erase(o.pending_qos2, id);
  const auto copies = std::erase(o.repeated_qos2, id);
  for (std::size_t i = 0; i < copies; ++i)
    write(pubrec{id, reason, props});
  write(pubrec{id, reason, std::move(props)});
  if (std::erase(o.released_early, id) != 0) handle_pubrel(id);
}

void server_engine::handle_pubrel(packet_id id) {
  if (occasional_) {
    // PUBREL before its PUBREC went out (sent without waiting for it):
    // PUBCOMP must not overtake the PUBREC.
    const auto& pending = occasional_->pending_qos2;
    if (std::find(pending.begin(), pending.end(), id) != pending.end()) {
      occasional_->released_early.push_back(id);
      return;
    }
  }
  auto& received = state_->inbound_qos2;
  auto it = std::find(received.begin(), received.end(), id);
  reason_code reason = reason_code::success;
  if (it == received.end()) {
    reason = reason_code::packet_identifier_not_found;
  } else {
    received.erase(it);
    if (inbound_unacknowledged_ > 0) --inbound_unacknowledged_;
    events_.emplace_back(release_received{id});
  }
  write(pubcomp{id, reason, {}});  // [MQTT-4.3.3-11]
}

void server_engine::handle_puback(packet_id id) {
  auto it = find_outbound(id);
  if (it == state_->outbound.end() || it->state != outbound_inflight::phase::awaiting_puback)
    return;  // unknown or duplicate acknowledgement: nothing to release
  auto done = std::move(it->delivery);
  state_->outbound.erase(it);
  events_.emplace_back(delivery_completed{std::move(done)});
}

void server_engine::handle_pubrec(const pubrec& p) {
  auto it = find_outbound(p.id);
  if (it == state_->outbound.end() || it->state == outbound_inflight::phase::awaiting_puback) {
    write(pubrel{p.id, reason_code::packet_identifier_not_found, {}});
    return;
  }
  if (is_failure(p.reason)) {  // the client refused the message: done (spec 4.3.3)
    auto done = std::move(it->delivery);
    state_->outbound.erase(it);
    events_.emplace_back(delivery_completed{std::move(done)});
    return;
  }
  it->state = outbound_inflight::phase::awaiting_pubcomp;
  it->delivery.message.reset();  // the payload is no longer needed (spec 4.3.3)
  events_.emplace_back(delivery_received{p.id, it->delivery.store_seq});
  write(pubrel{p.id, reason_code::success, {}});
}

void server_engine::handle_pubcomp(packet_id id) {
  auto it = find_outbound(id);
  if (it == state_->outbound.end() || it->state != outbound_inflight::phase::awaiting_pubcomp)
    return;
  auto done = std::move(it->delivery);
  state_->outbound.erase(it);
  events_.emplace_back(delivery_completed{std::move(done)});
}

void server_engine::handle_subscribe(subscribe&& s) {
  const bool v5 = version_ == protocol_version::v5;
  // Spec 3.2.2.3.12: DISCONNECT 0xA1.
  if (v5 && s.properties.subscription_identifier && !limits_->subscription_identifier_available)
    return protocol_violation(reason_code::subscription_identifiers_not_supported,
                              "subscription identifiers are not available");
  std::vector<reason_code> refused;
  for (std::size_t i = 0; i < s.entries.size(); ++i) {
    auto& entry = s.entries[i];
    if (auto reason = unavailable_feature(entry)) {
      // v5: a protocol error (spec 3.2.2.3.11, 3.2.2.3.13). 3.1.1 knows
      // neither feature flag: the entry is refused [MQTT-3.8.3-2 of 3.1.1].
      if (v5)
        return protocol_violation(*reason,
                                  *reason == reason_code::wildcard_subscriptions_not_supported
                                      ? "wildcard subscriptions are not available"
                                      : "shared subscriptions are not available");
      refused.resize(s.entries.size(), reason_code::success);
      refused[i] = *reason;
    }
    if (refused.empty() || !is_failure(refused[i])) {
      const auto shared = parse_shared_filter(entry.filter);
      if (too_deep(shared ? shared->filter : std::string_view(entry.filter))) {
        refused.resize(s.entries.size(), reason_code::success);
        refused[i] = reason_code::topic_filter_invalid;  // SUBACK 0x8F (3.1.1: 0x80)
      }
    }
    // Granted no higher than we support, yet accepted [MQTT-3.2.2-10].
    entry.options.max_qos = std::min(entry.options.max_qos, limits_->maximum_qos);
  }
  events_.emplace_back(subscribe_requested{std::move(s), std::move(refused)});
}

std::optional<reason_code> server_engine::unavailable_feature(const subscription& entry) const {
  std::string_view filter = entry.filter;
  if (auto shared = parse_shared_filter(filter)) {
    if (!limits_->shared_subscription_available)
      return reason_code::shared_subscriptions_not_supported;
    filter = shared->filter;
  }
  if (!limits_->wildcard_subscription_available && filter.find_first_of("+#") != filter.npos)
    return reason_code::wildcard_subscriptions_not_supported;
  return std::nullopt;
}

bool server_engine::too_deep(std::string_view topic) const noexcept {
  return limits_->max_topic_levels != 0 && topic_levels(topic) > limits_->max_topic_levels;
}

std::string server_engine::too_deep_text(std::string_view what) const {
  return std::string(what) + " has more than max_topic_levels " +
         std::to_string(limits_->max_topic_levels) + " levels";
}

void server_engine::handle_unsubscribe(unsubscribe&& u) {
  events_.emplace_back(unsubscribe_requested{std::move(u)});
}

void server_engine::handle_disconnect(mqtt::disconnect&& d) {
  // A session that ended at close may not be revived by DISCONNECT
  // [MQTT-3.14.2-2].
  if (version_ == protocol_version::v5 && session_expiry_was_zero_ &&
      d.properties.session_expiry_interval.value_or(0) != 0)
    return protocol_violation(reason_code::protocol_error);
  // Only a DISCONNECT with reason 0x00 discards the will [MQTT-3.14.4-3].
  const bool with_will = d.reason != reason_code::normal_disconnection;
  const reason_code reason = d.reason;
  events_.emplace_back(disconnect_received{std::move(d)});
  close(reason, with_will);  // [MQTT-3.1.2-10]: no will after a normal DISCONNECT
}

// --- packets to the client -------------------------------------------------------

void server_engine::send_suback(suback packet) {
  if (phase_ == phase::connected) write(std::move(packet));
}

void server_engine::send_unsuback(unsuback packet) {
  if (phase_ == phase::connected) write(std::move(packet));
}

bool server_engine::can_send_qos() const noexcept {
  if (phase_ != phase::connected || state_ == nullptr) return false;
  const std::size_t window = std::min<std::size_t>(max_inflight(), client_receive_maximum_);
  return state_->outbound.size() < window;
}

bool server_engine::send_publish(delivery d) {
  if (phase_ != phase::connected) return false;
  if (d.qos == qos::at_most_once) {
    outbound_inflight entry{0, outbound_inflight::phase::awaiting_puback, std::move(d)};
    return write_publish(entry, false);
  }
  assert(can_send_qos());
  outbound_inflight entry{allocate_packet_id(),
                          d.qos == qos::at_least_once ? outbound_inflight::phase::awaiting_puback
                                                      : outbound_inflight::phase::awaiting_pubrec,
                          std::move(d)};
  if (!write_publish(entry, false)) return false;
  state_->outbound.push_back(std::move(entry));
  return true;
}

bool server_engine::write_publish(const outbound_inflight& entry, bool dup) {
  const delivery& d = entry.delivery;
  const publish& base = d.message->packet;
  publish_delivery how{entry.id, d.qos, d.retain, dup, nullptr, false};
  if (version_ != protocol_version::v5) return write_within_client_limit(base, how);

  // v5: this receiver's subscription identifiers [MQTT-3.3.4-3], the expiry
  // left [MQTT-3.3.2-6] and a topic alias when the client accepts them. The
  // copy is made only when one of these applies.
  std::uint16_t alias = 0;
  bool new_alias = false;
  if (outbound_alias_limit_ != 0) {
    auto& aliases = occasional().outbound_aliases;
    if (auto it = aliases.find(base.topic); it != aliases.end()) {
      alias = it->second;
    } else if (aliases.size() < outbound_alias_limit_) {
      alias = static_cast<std::uint16_t>(aliases.size() + 1);
      new_alias = true;
    }
  }
  if (d.subscription_ids.empty() && !d.remaining_expiry && alias == 0)
    return write_within_client_limit(base, how);
  publish_properties props = base.properties;
  props.subscription_identifiers = d.subscription_ids;
  if (d.remaining_expiry) props.message_expiry_interval = d.remaining_expiry;
  if (alias != 0) props.topic_alias = alias;
  how.properties = &props;
  how.omit_topic = alias != 0 && !new_alias;  // the client knows it [MQTT-3.3.2-12]
  if (!write_within_client_limit(base, how)) return false;
  // Only once the client is sure to see the mapping.
  if (new_alias) occasional_->outbound_aliases.emplace(base.topic, alias);
  return true;
}

bool server_engine::write_within_client_limit(const publish& base, const publish_delivery& how) {
  if (client_maximum_packet_size_ != 0 &&
      encoded_size(base, how, version_) > client_maximum_packet_size_)
    return false;  // too large for this client: dropped for it alone [MQTT-3.1.2-25]
  reserve_output();
  encode_append(base, how, version_, out_);
  if (how.qos != qos::at_most_once) urgent_output_ = true;
  return true;
}

void server_engine::resend_inflight() {
  for (const auto& entry : state_->outbound) {
    if (entry.state == outbound_inflight::phase::awaiting_pubcomp) {
      write(pubrel{entry.id, reason_code::success, {}});
    } else {
      write_publish(entry, true);  // [MQTT-4.4.0-1]: DUP set on resend
    }
  }
}

packet_id server_engine::allocate_packet_id() {
  for (;;) {
    packet_id id = ++state_->last_id;
    if (id == 0) id = state_->last_id = 1;  // packet ids are non-zero [MQTT-2.2.1-3]
    if (find_outbound(id) == state_->outbound.end()) return id;
  }
}

std::vector<outbound_inflight>::iterator server_engine::find_outbound(packet_id id) {
  auto& out = state_->outbound;
  return std::find_if(out.begin(), out.end(), [id](const auto& e) { return e.id == id; });
}

void server_engine::disconnect(reason_code reason, std::string why) {
  if (phase_ == phase::closed) return;
  if (phase_ == phase::connected && version_ == protocol_version::v5) {
    mqtt::disconnect d{reason, {}};
    if (!why.empty()) d.properties.reason_string = std::move(why);
    write(std::move(d));
  }
  close(reason, true);
}

void server_engine::protocol_violation(reason_code reason, std::string why) {
  if (phase_ == phase::closed) return;
  // Decode failures may carry codes DISCONNECT cannot (e.g. 0x84): those
  // are protocol errors on an established connection (spec 3.14.2.1).
  if (!is_disconnect_reason(reason)) reason = reason_code::protocol_error;
  // v5: tell the client why before closing [MQTT-4.13.1-1]; 3.1.1 just closes.
  if (phase_ == phase::connected && version_ == protocol_version::v5) {
    mqtt::disconnect d{reason, {}};
    if (!why.empty()) d.properties.reason_string = std::move(why);
    write(std::move(d));
  } else if (phase_ == phase::authenticating) {
    write(connack{false, reason, {}});  // before CONNACK, the refusal is one
  }
  close(reason, phase_ == phase::connected);
}

void server_engine::close(reason_code reason, bool publish_will) {
  phase_ = phase::closed;
  events_.emplace_back(close_requested{reason, publish_will});
}

void server_engine::reserve_output() {
  // The network layer takes the buffer with the output and frees it once
  // written (idle connections are many and keep none), so each batch starts
  // from nothing: room for a dozen small packets saves growing it one
  // packet at a time.
  if (out_.capacity() == 0) out_.reserve(1024);
}

void server_engine::write(packet&& p) {
  reserve_output();
  if (version_ == protocol_version::v5) limit_diagnostics(p);
  encode_append(p, version_, out_);
  urgent_output_ = true;  // every packet but a delivery
}

void server_engine::limit_diagnostics(packet& p) const {
  std::visit(
      [&](auto& x) {
        if constexpr (requires { x.properties.reason_string; }) {
          using type = std::decay_t<decltype(x)>;
          constexpr bool always_allowed =
              std::is_same_v<type, connack> || std::is_same_v<type, mqtt::disconnect>;
          // Only where the client asked for problem information
          // [MQTT-3.1.2-29], and never past its Maximum Packet Size
          // ([MQTT-3.2.2-19], [MQTT-3.4.2-2], [MQTT-3.9.2-1],
          // [MQTT-3.14.2-3] and their User Property twins).
          const bool too_large = client_maximum_packet_size_ != 0 &&
                                 encoded_size(p, version_) > client_maximum_packet_size_;
          if ((!always_allowed && !problem_information_) || too_large) {
            x.properties.reason_string.reset();
            x.properties.user.clear();
          }
        }
      },
      p);
}

// --- output --------------------------------------------------------------------

void server_engine::take_output(std::vector<std::uint8_t>& out) {
  out.clear();
  out.swap(out_);
  urgent_output_ = false;
}

bool server_engine::take_events(std::vector<engine_event>& out) {
  out.clear();
  if (events_.empty()) return false;  // keep no storage while idle
  out.swap(events_);
  return true;
}

}  // namespace tern::mqtt
