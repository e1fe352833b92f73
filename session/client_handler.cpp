#include "session/client_handler.hpp"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "mqtt/codec/topic.hpp"
#include "mqtt/codec/utf8.hpp"
#include "session/broker.hpp"
#include "session/connection_log.hpp"

namespace tern::broker {
namespace {

constexpr std::uint32_t never_expires = 0xFFFFFFFF;

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
// Spelled out for clang before 17, which deduces no aggregate's arguments
// (the fuzz build compiles with clang).
template <class... F>
overloaded(F...) -> overloaded<F...>;

}  // namespace

client_handler::client_handler(broker& b, client_transport& transport, clock::time_point now)
    : broker_(b), transport_(&transport), engine_(b.config().limits, now) {
  broker_stats::add(b.stats().sockets_opened);
}

const std::string& client_handler::client_id() const noexcept {
  static const std::string none;
  return session_ ? session_->client_id : none;
}

const std::string& client_handler::remote_address() const noexcept {
  static const std::string none;
  return transport_ != nullptr ? transport_->remote_address() : none;
}

void client_handler::on_bytes(std::span<const std::uint8_t> bytes, clock::time_point now) {
  broker_stats::add(broker_.stats().bytes_received, bytes.size());
  broker_stats::add(broker_.stats().input_reads);
  const auto mark = broker::durable_mark();
  engine_.on_bytes(bytes, now);
  process_events();
  note_durable(mark);
  output_ready();
  if (engine_.input_throttled() && !rate_logged_) {  // once: a steady publisher would flood the log
    rate_logged_ = true;
    spdlog::info("Client {} from {} publishes faster than max_publish_rate {}/s: its input waits",
                 client_id(), remote_address(), broker_.config().limits.max_publish_rate);
  }
}

void client_handler::on_timer(clock::time_point now) {
  const bool throttled = engine_.input_throttled();
  const auto mark = broker::durable_mark();
  engine_.on_timer(now);  // may handle input held back by max_publish_rate
  process_events();
  note_durable(mark);
  output_ready();
  if (throttled && transport_ != nullptr && wants_input()) transport_->resume_input();
}

void client_handler::on_peer_closed() {
  peer_closed_ = true;
  engine_.on_peer_closed();
  process_events();
}

void client_handler::process_events() {
  // A local batch, handed back to the engine for reuse on return, so a
  // connection between packets keeps no event buffer (an engine_event is
  // 256 bytes).
  std::vector<mqtt::engine_event> events;
  while (engine_.take_events(events)) {
    for (auto& event : events) {
      std::visit(overloaded{
                     [&](mqtt::connect_requested& e) { on_connect(*e.packet); },
                     [&](mqtt::publish_received& e) { on_publish(e.packet); },
                     [&](mqtt::subscribe_requested& e) { on_subscribe(e.packet, e.refused); },
                     [&](mqtt::unsubscribe_requested& e) { on_unsubscribe(e.packet); },
                     [&](mqtt::delivery_completed& e) {
                       if (session_) broker_.forget(*session_, e.delivery);
                       pump_queue();
                     },
                     [&](mqtt::delivery_received& e) {
                       // Before PUBREL leaves: after a restart it is PUBREL
                       // that is resent, never the PUBLISH (spec 4.3.3).
                       if (session_ && e.store_seq != 0)
                         broker_.record(*session_, store::mark_delivery_sent{
                                                       session_->id, e.store_seq, e.id, true});
                     },
                     [&](mqtt::release_received& e) {
                       // Before PUBCOMP leaves, or a restart would take the
                       // client's next message under this id for a resend.
                       if (session_)
                         broker_.record(*session_, store::remove_inbound_qos2{session_->id, e.id});
                     },
                     [&](mqtt::auth_received& e) { on_auth(e.packet); },
                     [&](mqtt::disconnect_received& e) {
                       // v5 may change the session expiry on DISCONNECT [MQTT-3.14.2-2].
                       if (auto expiry = e.packet.properties.session_expiry_interval)
                         session_expiry_ = *expiry;
                       if (session_) session_->expiry_interval = session_expiry_;
                     },
                     [&](mqtt::close_requested& e) { on_close(e); },
                 },
                 event);
    }
  }
  mqtt::server_engine::recycle_events(std::move(events));
}

// --- CONNECT ---------------------------------------------------------------------

void client_handler::refuse(const mqtt::connect& c, mqtt::reason_code reason) {
  spdlog::info("Client {} from {} refused: {}", c.client_id.empty() ? "<unknown>" : c.client_id,
               remote_address(), mqtt::reason_name(reason));
  engine_.reject(reason);
}

void client_handler::on_connect(mqtt::connect& c) {
  connect_seen_ = true;
  broker_stats::add(broker_.stats().connects_received);
  const auto& config = broker_.config();
  const bool v5 = c.version == mqtt::protocol_version::v5;
  if (c.client_id.empty()) {
    if (!config.allow_zero_length_clientid)
      return refuse(c, mqtt::reason_code::client_identifier_not_valid);
    c.client_id = broker_.assign_client_id();  // [MQTT-3.1.3-6]
    assigned_client_id_ = v5;
  }
  if (c.properties.authentication_method) return start_enhanced_auth(c);
  if (!admit(c)) return;  // user name, password, will topic
  continue_connect(c);
}

void client_handler::continue_connect(mqtt::connect& c) {
  const auto& config = broker_.config();
  const bool v5 = c.version == mqtt::protocol_version::v5;
  // max_keepalive: v5 clients are told the server's value; older clients
  // cannot be, so a longer keep alive is refused, as mosquitto does.
  const std::uint16_t max_keepalive = config.max_keepalive;
  if (max_keepalive != 65535 && (c.keep_alive > max_keepalive || c.keep_alive == 0)) {
    if (!v5) {
      spdlog::info("Client {} from {} refused: {} (keep alive {} s, max_keepalive is {})",
                   c.client_id, remote_address(),
                   mqtt::reason_name(mqtt::reason_code::client_identifier_not_valid), c.keep_alive,
                   max_keepalive);
      return engine_.reject(mqtt::reason_code::client_identifier_not_valid);
    }
    server_keep_alive_ = max_keepalive;
    has_server_keep_alive_ = true;
    engine_.set_keep_alive(max_keepalive);
  }
  if (v5) {
    session_expiry_ = c.properties.session_expiry_interval.value_or(0);
  } else {
    session_expiry_ = c.clean_start ? 0 : never_expires;
  }
  clean_start_ = c.clean_start;
  bridge_ = c.bridge;
  if (c.will) will_ = std::make_unique<mqtt::will_message>(std::move(*c.will));
  response_information_requested_ = v5 && c.properties.request_response_information == 1;
  authorizing_ = true;
  broker_.open_session(shared_from_this(), c, session_expiry_);
}

void client_handler::attach(const session_ptr& s, bool session_present) {
  authorizing_ = false;
  // The session record was just submitted on this thread (open_session):
  // CONNACK waits for it.
  const auto mark = broker::durable_mark();
  if (s->stored.load(std::memory_order_relaxed)) hold_output_until(mark);
  if (engine_.is_closed() || transport_ == nullptr) {
    // The connection went away while the session was being handed over.
    if (s->attached.get() == this) s->attached.reset();
    broker_.connection_closed(s, clock::now());
    return;
  }
  session_ = s;
  attached_ = true;  // the caller made this handler s->attached
  broker_.connection_attached(*s);
  if (s->delayed_will) {  // resumed within the Will Delay Interval [MQTT-3.1.3-9]
    s->delayed_will.reset();
    broker_.record(*s, store::remove_will{s->id}, durability::background);
  }
  // mosquitto's notation: p2 is 3.1.1 (p1 3.1, p5 5.0), c clean, k keep alive.
  const auto version = engine_.version();
  if (broker_.config().connection_messages)
    spdlog::info("{}", connected_line(remote_address(), s->client_id,
                                      version == mqtt::protocol_version::v5     ? 5
                                      : version == mqtt::protocol_version::v3_1 ? 1
                                                                                : 2,
                                      clean_start_, engine_.keep_alive(), username_.get()));
  mqtt::connack_properties props;
  if (assigned_client_id_) props.assigned_client_identifier = s->client_id;
  if (has_server_keep_alive_) props.server_keep_alive = server_keep_alive_;
  if (enhanced_) {  // spec 3.2.2.3.17-18: the CONNECT's method, the last step's data
    if (const auto* method = engine_.authentication_method()) props.authentication_method = *method;
    if (!enhanced_->final_data.empty()) props.authentication_data = enhanced_->final_data;
    enhanced_.reset();
  }
  // Spec 3.2.2.3.15: optional, so only when configured.
  if (response_information_requested_ && !broker_.config().response_topic_prefix.empty())
    props.response_information = broker_.config().response_topic_prefix + "/" + s->client_id;
  engine_.accept(s->state, session_present, std::move(props));
  auto& stats = broker_.stats();
  const auto connected = stats.clients_connected.fetch_add(1, std::memory_order_relaxed) + 1;
  if (connected > broker_stats::get(stats.clients_maximum))
    stats.clients_maximum.store(connected, std::memory_order_relaxed);
  pump_queue();
  process_events();  // packets pipelined behind CONNECT
  note_durable(mark);
  output_ready();
}

void client_handler::taken_over() {
  attached_ = false;
  kick(mqtt::reason_code::session_taken_over);
}

void client_handler::kick(mqtt::reason_code reason) {
  // With a Reason String: besides telling people why, it makes the packet
  // long enough for paho-mqtt 1.6, which reads a DISCONNECT's reason code
  // only when properties follow it.
  engine_.disconnect(reason, std::string(mqtt::reason_name(reason)));
  process_events();
  output_ready();
}

// --- PUBLISH ---------------------------------------------------------------------

void client_handler::on_publish(mqtt::publish& p) {
  const auto& config = broker_.config();
  const mqtt::packet_id id = p.id;
  const mqtt::qos q = p.qos;
  broker_stats::add(broker_.stats().messages_received);
  broker_stats::add(broker_.stats().publish_received);
  // A payload announced as UTF-8 must be UTF-8: refused with 0x99, QoS 0
  // by closing, as mosquitto does (spec 3.3.2.3.2).
  if (p.properties.payload_format_indicator == 1 && !mqtt::is_valid_mqtt_utf8(p.payload.view())) {
    constexpr std::string_view why = "the payload format indicator says UTF-8 but it is not";
    if (q == mqtt::qos::at_most_once)
      return engine_.disconnect(mqtt::reason_code::payload_format_invalid, std::string(why));
    engine_.acknowledge_publish(id, q, mqtt::reason_code::payload_format_invalid, std::string(why));
    return;
  }
  if (config.message_size_limit != 0 && p.payload.size() > config.message_size_limit) {
    // Too large to accept: dropped, and a v5 publisher is told so.
    if (q != mqtt::qos::at_most_once)
      engine_.acknowledge_publish(
          id, q, mqtt::reason_code::packet_too_large,
          fmt::format("the payload is larger than {} bytes", config.message_size_limit));
    return;
  }
  if (!may(topic_access::write, p.topic)) return deny_publish(p);
  // A QoS 2 id is on disk before PUBREC, in the same transaction as the
  // message's deliveries, so a resend after a restart is recognised and
  // nothing it carried is lost [MQTT-4.3.3-10].
  std::vector<store::store_op> also_store;
  if (q == mqtt::qos::exactly_once && session_ && session_->stored.load(std::memory_order_relaxed))
    also_store.emplace_back(store::put_inbound_qos2{session_->id, id});
  // Already paused: no need to register as a waiter again. QoS 0 never
  // waits (nor do its copies, which are QoS 0 too).
  const auto waiter =
      publishing_paused_ || q == mqtt::qos::at_most_once ? nullptr : shared_from_this();
  const std::uint64_t sticky_key = config.shared_subscription_policy == shared_policy::sticky
                                       ? std::hash<std::string>{}(client_id())
                                       : 0;
  const bool v5 = engine_.version() == mqtt::protocol_version::v5;
  // While the store cannot write or a bridge's queue is at its own bound, a
  // v5 publisher is told at once (0x97) rather than left waiting for an
  // acknowledgement that needs it; 3.1.1 cannot be told, so its
  // acknowledgement waits for the disk or the queue.
  const bool may_refuse = v5 && q != mqtt::qos::at_most_once;
  const auto outcome =
      broker_.publish(broker_.make_message(std::move(p), session_ ? session_->id : 0, sticky_key),
                      waiter, std::move(also_store), may_refuse);
  if (outcome.hold) publishing_paused_ = true;
  if (q == mqtt::qos::at_most_once) return;
  // A v5 publisher learns that nobody took the message (spec 3.4.2.1, as
  // mosquitto) or that its one subscriber's queue is full; 3.1.1 has no way
  // to say it: acknowledged and dropped (counted in $SYS), as mosquitto does.
  auto reason = mqtt::reason_code::success;
  std::string why;
  if (v5) {
    switch (outcome.result) {
      case broker::publish_result::routed:
        break;
      case broker::publish_result::no_subscribers:
        reason = mqtt::reason_code::no_matching_subscribers;
        break;
      case broker::publish_result::quota_exceeded:
        reason = mqtt::reason_code::quota_exceeded;
        break;
      case broker::publish_result::store_failing:
        reason = mqtt::reason_code::quota_exceeded;
        why = "the broker's store cannot write now (disk full or failing)";
        break;
    }
  }
  if (publishing_paused_) {
    if (!held_acks_) held_acks_ = std::make_unique<std::vector<held_ack>>();
    held_acks_->push_back({id, q, reason});  // in order behind the held ones
  } else {
    engine_.acknowledge_publish(id, q, reason, std::move(why));
  }
}

void client_handler::resume_publishing() {
  if (!publishing_paused_) return;
  publishing_paused_ = false;
  const auto mark = broker::durable_mark();
  if (const auto held = std::move(held_acks_)) {
    for (const auto& a : *held)
      engine_.acknowledge_publish(a.id, a.qos, a.reason);
  }
  process_events();  // a PUBREL that came before its PUBREC is handled now
  note_durable(mark);
  output_ready();
  if (transport_ != nullptr) transport_->resume_input();
}

// --- SUBSCRIBE / UNSUBSCRIBE -------------------------------------------------------

void client_handler::on_subscribe(mqtt::subscribe& s,
                                  const std::vector<mqtt::reason_code>& refused) {
  mqtt::suback ack{s.id, {}, {}};
  ack.reasons.reserve(s.entries.size());
  struct granted {
    const std::string* filter;
    subscription_record record;
    bool existed;
  };
  std::vector<granted> retained_wanted;
  const std::uint32_t identifier = s.properties.subscription_identifier.value_or(0);
  for (const auto& entry : s.entries) {
    if (!refused.empty() && is_failure(refused[ack.reasons.size()])) {  // a feature that is off
      ack.reasons.push_back(refused[ack.reasons.size()]);
      continue;
    }
    if (!mqtt::is_valid_topic_filter(entry.filter)) {
      ack.reasons.push_back(mqtt::reason_code::topic_filter_invalid);
      continue;
    }
    const bool shared = mqtt::parse_shared_filter(entry.filter).has_value();
    if (shared && entry.options.no_local)
      return engine_.disconnect(mqtt::reason_code::protocol_error);  // [MQTT-3.8.3-4]
    if (!may_subscribe(entry.filter)) {
      ack.reasons.push_back(mqtt::reason_code::not_authorized);  // 3.1.1: 0x80
      ack.properties.reason_string = "not authorized to subscribe to '" + entry.filter + "'";
      continue;
    }
    if (over_subscription_limit(entry.filter)) {
      const std::size_t limit = broker_.config().max_subscriptions_per_client;
      ack.reasons.push_back(mqtt::reason_code::quota_exceeded);  // 3.1.1: 0x80
      ack.properties.reason_string =
          "more than max_subscriptions_per_client " + std::to_string(limit) + " subscriptions";
      if (!subscription_limit_logged_) {  // once: a flood of SUBSCRIBE would flood the log
        subscription_limit_logged_ = true;
        spdlog::info(
            "Client {} from {} has max_subscriptions_per_client {} subscriptions: "
            "new filters are refused",
            client_id(), remote_address(), limit);
      }
      continue;
    }
    subscription_record record{entry.options, identifier};
    record.options.max_qos = std::min(entry.options.max_qos, mqtt::qos::exactly_once);
    if (bridge_ && !shared) {
      // A 3.1.1 bridge cannot ask for these, and needs them as a v5 bridge
      // would: what it published must not come back to it (a loop), and
      // the retain flag must cross with the message (as mosquitto does).
      record.options.no_local = true;
      record.options.retain_as_published = true;
    }
    const bool existed = broker_.subscribe(session_, entry.filter, record);
    ack.reasons.push_back(static_cast<mqtt::reason_code>(record.options.max_qos));
    // Retained messages go to new subscribers, never on shared ones
    // [MQTT-3.3.1-9..-11]; not on shared ones (spec 4.8.2).
    const auto handling = entry.options.retain_handling;
    if (!shared && (handling == 0 || (handling == 1 && !existed)))
      retained_wanted.push_back({&entry.filter, record, existed});
  }
  engine_.send_suback(std::move(ack));
  for (const auto& g : retained_wanted)
    broker_.send_retained(session_, *g.filter, g.record);
}

bool client_handler::over_subscription_limit(const std::string& filter) const {
  // Replacing a subscription adds none; the session is ours (owner thread).
  const std::size_t limit = broker_.config().max_subscriptions_per_client;
  return limit != 0 && session_->subscriptions.size() >= limit &&
         !session_->subscriptions.contains(filter);
}

void client_handler::on_unsubscribe(mqtt::unsubscribe& u) {
  mqtt::unsuback ack{u.id, {}, {}};
  ack.reasons.reserve(u.filters.size());
  for (const auto& filter : u.filters) {
    const bool existed = broker_.unsubscribe(session_, filter);
    ack.reasons.push_back(existed ? mqtt::reason_code::success
                                  : mqtt::reason_code::no_subscription_existed);
  }
  engine_.send_unsuback(std::move(ack));
}

// --- deliveries --------------------------------------------------------------------

bool client_handler::try_deliver(mqtt::delivery& d) {
  if (engine_.is_closed()) return false;
  if (!may(topic_access::read, d.message->packet.topic)) {  // dropped: the ACL, as it is now
    if (session_) broker_.forget(*session_, d);
    return true;
  }
  auto& stats = broker_.stats();
  if (const auto& expires_at = d.message->expires_at) {
    const auto left = *expires_at - std::chrono::system_clock::now();
    if (left <= std::chrono::system_clock::duration::zero()) {
      broker_stats::add(stats.dropped_expired);  // expired while queued [MQTT-3.3.2-5]
      if (session_) broker_.forget(*session_, d);
      return true;
    }
    // Rounded up, so a message never arrives announcing it has expired.
    d.remaining_expiry =
        static_cast<std::uint32_t>(std::chrono::ceil<std::chrono::seconds>(left).count());
  }
  if (d.qos == mqtt::qos::at_most_once) {
    const std::size_t backlog =
        engine_.output_size() + (transport_ ? transport_->pending_output_bytes() : 0);
    if (backlog > broker_.config().max_output_bytes) {
      broker_stats::add(stats.dropped_qos0_backlog);  // slow consumer: QoS 0 may be lost
      return true;
    }
  } else if (!engine_.can_send_qos()) {
    return false;
  }
  const auto qos = d.qos;
  const auto store_seq = d.store_seq;
  if (engine_.send_publish(std::move(d))) {
    broker_stats::add(stats.messages_sent);
    broker_stats::add(stats.publish_sent);
    // A QoS 2 PUBLISH goes out only once its packet id is on disk: resent
    // under another id after a restart, the client would deliver it twice.
    if (qos == mqtt::qos::exactly_once && store_seq != 0 && session_)
      hold_output_until(broker_.record(
          *session_, store::mark_delivery_sent{session_->id, store_seq,
                                               session_->state.outbound.back().id, false}));
  } else {
    broker_stats::add(stats.dropped_too_large);
    if (session_) broker_.forget(*session_, store_seq);
  }
  output_ready();
  return true;
}

void client_handler::pump_queue() {
  if (!session_) return;
  auto& queue = session_->queue;
  while (!queue.empty()) {
    if (queue.front().qos != mqtt::qos::at_most_once && !engine_.can_send_qos()) break;
    if (!try_deliver(queue.front())) break;
    queue.pop_front();
  }
  broker_.queue_drained(*session_);
  // The stored queue is read back as the memory one runs low.
  if (queue.size() < broker::page_size / 2) broker_.load_more(session_);
}

// --- close ---------------------------------------------------------------------------

void client_handler::on_close(const mqtt::close_requested& c) {
  if (close_handled_) return;
  close_handled_ = true;
  authorizing_ = false;
  // Refused by the engine itself (protocol level, client id rules, a will
  // the server does not support, a malformed CONNECT): nothing above has
  // logged it, and an operator needs to see why a device cannot connect.
  // What the handler refuses it logs itself; a socket closed by its peer
  // or left silent until the connect timeout is not news.
  if (!connect_seen_ && !peer_closed_ && mqtt::is_failure(c.reason) &&
      c.reason != mqtt::reason_code::maximum_connect_time)
    spdlog::info("Client <unknown> from {} refused: {}", remote_address(),
                 mqtt::reason_name(c.reason));
  if (session_ && broker_.config().connection_messages)
    spdlog::info("{}", disconnected_line(session_->client_id, peer_closed_, c.reason));
  const bool was_attached = session_ && attached_;
  if (session_) attached_ = false;
  if (session_) {
    engine_.detach_session();
    broker_.stats().clients_connected.fetch_sub(1, std::memory_order_relaxed);
  }
  if (c.publish_will && session_ && will_) {
    const auto delay = will_->properties.will_delay_interval.value_or(0);
    if (delay == 0) {
      broker_.publish_will(std::move(*will_));  // [MQTT-3.1.2-8]
    } else if (was_attached && session_->expiry_interval != 0) {
      // The session outlives us: the will waits for its delay
      // [MQTT-3.1.3-9] (published by broker::expire_sessions).
      session_->will_due = clock::now() + std::chrono::seconds(delay);
      broker_.record(
          *session_,
          store::put_will{session_->id, *will_,
                          std::chrono::system_clock::now() + std::chrono::seconds(delay)},
          durability::background);
      session_->delayed_will = std::move(will_);
    } else if (was_attached) {
      broker_.publish_will(std::move(*will_));  // the session ends now, so does the delay
    }
    // Kicked with a delay: the session was resumed elsewhere within it.
  }
  will_.reset();
  if (was_attached) {
    session_->attached.reset();
    broker_.connection_closed(session_, clock::now());
  }
  session_.reset();
  if (transport_ != nullptr) transport_->close_after_output();
}

void client_handler::output_ready() {
  if (transport_ == nullptr || engine_.output_size() == 0 || waiting_for_commit()) return;
  transport_->output_ready();
}

// --- durability --------------------------------------------------------------------

void client_handler::note_durable(std::uint64_t mark_before) {
  const auto mark = broker::durable_mark();
  if (mark != mark_before) hold_output_until(mark);
}

bool client_handler::output_held() const noexcept {
  return barrier_ > broker_.gate().committed();
}

bool client_handler::waiting_for_commit() {
  if (!output_held()) return false;
  if (!gate_registered_ && transport_ != nullptr) {
    gate_registered_ = true;
    broker_.gate().wait(barrier_, transport_->worker(), weak_from_this());
  }
  return true;
}

void client_handler::commit_reached() {
  gate_registered_ = false;
  output_ready();  // registers again if more became pending meanwhile
}

void client_handler::take_output(std::vector<std::uint8_t>& out) {
  if (waiting_for_commit()) return;
  engine_.take_output(out);
}

}  // namespace tern::broker
