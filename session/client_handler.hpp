#pragma once
// One client connection as the broker sees it: the protocol engine plus the
// decisions the engine leaves to the broker (who may connect, where a
// publication goes, what a subscription grants).
//
// net/ owns the socket and moves bytes between it and this handler; the
// handler turns engine events into broker calls and broker deliveries into
// engine calls. It never blocks and has no I/O of its own.
//
// Thread: one worker (its connection's). Closures posted to that worker hold
// a shared_ptr to the handler; once the transport is gone they find
// transport_ null and do nothing.

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "mqtt/engine/server_engine.hpp"
#include "session/access_control.hpp"
#include "session/client_transport.hpp"
#include "session/listener_security.hpp"
#include "session/session.hpp"

namespace tern::broker {

class broker;

class client_handler : public std::enable_shared_from_this<client_handler> {
 public:
  using clock = std::chrono::steady_clock;

  client_handler(broker& b, client_transport& transport, clock::time_point now);

  // --- from the network (net/) ------------------------------------------
  // The settings of the listener this client came through
  // (per_listener_settings); call before the first bytes. Without it the
  // broker-wide allow_anonymous, password_file and acl_file apply.
  void use_listener_security(std::shared_ptr<const listener_security> security) {
    security_ = std::move(security);
  }
  // Received bytes, processed in place (see server_engine::on_bytes).
  void on_bytes(std::span<const std::uint8_t> bytes, clock::time_point now);
  void on_timer(clock::time_point now);
  void on_peer_closed();
  // The transport is being destroyed: forget it.
  void transport_gone() noexcept { transport_ = nullptr; }
  // Nothing while the output waits for the store (output_held()).
  void take_output(std::vector<std::uint8_t>& out);
  std::size_t output_size() const noexcept { return engine_.output_size(); }
  bool output_urgent() const noexcept { return engine_.output_urgent(); }
  bool input_may_wait() const noexcept { return engine_.input_may_wait(); }
  clock::time_point last_received() const noexcept { return engine_.last_received(); }
  std::optional<clock::time_point> next_deadline() const { return engine_.next_deadline(); }
  // Whether reading more input makes sense (false while CONNECT is being
  // decided and after close).
  bool wants_input() const noexcept {
    return !engine_.is_closed() && !authorizing_ && !engine_.input_throttled() &&
           (!held_acks_ || held_acks_->size() < max_held_acks);
  }

  // --- from the broker, on this worker ------------------------------------
  // Completes CONNECT with session `s` (already owned by this worker).
  void attach(const session_ptr& s, bool session_present);
  // The password and ACL files were reloaded: a client whose password
  // entry changed or went is disconnected (v5: DISCONNECT 0x87).
  void recheck_credentials();
  // Closes because the broker is shutting down or the credentials no longer
  // hold; the session stays attached until the close.
  void kick(mqtt::reason_code reason);
  // Closes because another connection took the session, which the caller
  // (the session's owner, this handler's worker) detached already: from now
  // on the session may move to another worker, and this handler must not
  // read its fields when it closes.
  void taken_over();
  // A delivery for the attached session; false when there is no room and
  // the caller must queue it.
  bool try_deliver(mqtt::delivery& d);
  // Moves queued deliveries into the inflight window while there is room.
  void pump_queue();
  // A congested subscriber this client published to has drained: send the
  // acknowledgements held back and read again.
  void resume_publishing();
  bool closed() const noexcept { return engine_.is_closed(); }
  // The protocol version the output is encoded in (the engine's guess from
  // the first bytes until CONNECT is decoded): for a peer that decodes it.
  mqtt::protocol_version version() const noexcept { return engine_.version(); }
  // The attached session's client id (empty before CONNECT completes).
  const std::string& client_id() const noexcept;
  // Output waits until the store commits what it acknowledges; the
  // transport must not close the connection before it is written.
  bool output_held() const noexcept;
  // The store committed what this connection's output was waiting for.
  void commit_reached();
  const std::string& remote_address() const noexcept;

 private:
  void process_events();
  void on_connect(mqtt::connect& c);
  // CONNECT once the client is authenticated: keep alive, session, will.
  void continue_connect(mqtt::connect& c);
  void refuse(const mqtt::connect& c, mqtt::reason_code reason);
  void on_publish(mqtt::publish& p);
  void on_subscribe(mqtt::subscribe& s, const std::vector<mqtt::reason_code>& refused);
  // max_subscriptions_per_client: `filter` would be one subscription too many.
  bool over_subscription_limit(const std::string& filter) const;
  void on_unsubscribe(mqtt::unsubscribe& u);
  void on_close(const mqtt::close_requested& c);
  void output_ready();
  // Output from now on waits for store events this thread submitted since
  // `mark_before` (broker::durable_mark) to commit.
  void note_durable(std::uint64_t mark_before);
  void hold_output_until(std::uint64_t position) { barrier_ = std::max(barrier_, position); }
  bool waiting_for_commit();

  // Authentication and authorization (client_access.cpp).
  const access_control* rules() const noexcept;
  bool allow_anonymous() const noexcept;
  // false: refused (now or after a delay). `authenticated`: the user an
  // enhanced authentication proved, instead of CONNECT's user and password.
  bool admit(const mqtt::connect& c, const std::string* authenticated = nullptr);
  // MQTT 5 enhanced authentication (spec 4.12).
  void start_enhanced_auth(mqtt::connect& c);
  void on_auth(const mqtt::auth& a);
  void authentication_step(std::string_view client_data);
  void refuse_after(std::chrono::milliseconds delay, mqtt::reason_code reason);
  bool may(topic_access access, std::string_view topic) const;
  bool may_subscribe(std::string_view filter) const;
  void deny_publish(const mqtt::publish& p);

  broker& broker_;
  client_transport* transport_;
  mqtt::server_engine engine_;
  session_ptr session_;
  // Boxed: most clients have no will, and the message is ~250 bytes.
  std::unique_ptr<mqtt::will_message> will_;
  // An enhanced authentication in progress (or its CONNACK data pending).
  struct enhanced_auth {
    std::unique_ptr<authenticator> exchange;
    std::unique_ptr<mqtt::connect> connect;  // held while the exchange runs
    std::string final_data;                  // for CONNACK
  };
  std::unique_ptr<enhanced_auth> enhanced_;
  // Null: broker_config's allow_anonymous and access.
  std::shared_ptr<const listener_security> security_;
  // As authenticated; the ACL rules are chosen by it.
  // Who the client logged in as, if anyone (boxed: most devices send no
  // user name, and a handler is paid for by every connection).
  std::unique_ptr<const std::string> username_;
  // access_control::credential_tag() of username_ at login; 0: not checked.
  std::uint64_t credential_tag_ = 0;
  std::uint32_t session_expiry_ = 0;
  // v5, when max_keepalive overrides the client's: echoed in CONNACK
  // [MQTT-3.2.2-16]; valid when has_server_keep_alive_.
  std::uint16_t server_keep_alive_ = 0;
  // Flags as bit-fields: a handler lives as long as its connection, idle or
  // not, so its size is paid per connection.
  bool has_server_keep_alive_ : 1 = false;
  // session_->attached is this handler: kept here, on the handler's own
  // worker, because once the session is taken over it belongs to another.
  bool attached_ : 1 = false;
  bool authorizing_ : 1 = false;
  bool assigned_client_id_ : 1 = false;
  bool clean_start_ : 1 = false;                     // for the log line
  bool bridge_ : 1 = false;                          // another broker's bridge (connect::bridge)
  bool response_information_requested_ : 1 = false;  // v5 Request Response Information 1
  // max_subscriptions_per_client reached: said once per connection.
  bool subscription_limit_logged_ : 1 = false;
  bool close_handled_ : 1 = false;
  bool rate_logged_ : 1 = false;        // over max_publish_rate: said once per connection
  bool peer_closed_ : 1 = false;        // the network closed, not the protocol
  bool publishing_paused_ : 1 = false;  // see held_acks_
  bool gate_registered_ : 1 = false;    // see barrier_
  bool connect_seen_ : 1 = false;       // the engine passed a CONNECT on

  // Backpressure: while a subscriber we published to is congested, our
  // PUBACK/PUBREC wait here, so a client that keeps to its inflight window
  // (or our Receive Maximum) stops sending. A client that ignores flow
  // control is not read any more once this many are held.
  static constexpr std::size_t max_held_acks = 1024;
  struct held_ack {
    mqtt::packet_id id;
    mqtt::qos qos;
    mqtt::reason_code reason = mqtt::reason_code::success;
  };
  // Boxed: null while publishing is not paused.
  std::unique_ptr<std::vector<held_ack>> held_acks_;

  // Durability: the store position our pending output depends on (and
  // gate_registered_: whether we are registered with the commit gate).
  std::uint64_t barrier_ = 0;
};

}  // namespace tern::broker
