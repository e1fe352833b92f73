// Authentication and authorization of one client: who may connect (password
// file, allow_anonymous, the will's topic) and which topics it may publish
// to, subscribe to and receive (ACL file). The rules themselves are behind
// access_control (auth/), the client's listener's (per_listener_settings) or
// else broker_config::access; this file applies them to the protocol.
//
// Every check asks the rules in force at that moment, so after a SIGHUP
// reload connected clients are held to the new rules from their next
// packet or delivery on.
#include <spdlog/spdlog.h>

#include "mqtt/codec/topic.hpp"
#include "session/broker.hpp"
#include "session/client_handler.hpp"

namespace tern::broker {
namespace {

// Topics only the broker publishes to, whatever the ACL says: clients may
// not fake $SYS statistics, and `$share/...` is a subscription syntax, not a
// topic (mosquitto refuses both the same way). The one exception, as in
// mosquitto, is a bridge's state notice, which other brokers' bridges send
// (and set as their will) under $SYS/broker/connection/NAME/state.
bool reserved_for_broker(std::string_view topic) {
  const auto first_level = topic.substr(0, topic.find('/'));
  if (first_level == "$share") return true;
  return first_level == "$SYS" && !mqtt::topic_matches("$SYS/broker/connection/+/state", topic);
}

bool allowed(const access_control* rules, const client_identity& who, topic_access access,
             std::string_view topic) {
  if (access == topic_access::write && reserved_for_broker(topic)) return false;
  return rules == nullptr || !rules->restricts_topics() || rules->allows(who, access, topic);
}

std::string_view printable(const std::string& client_id) {
  return client_id.empty() ? std::string_view("<unknown>") : std::string_view(client_id);
}

}  // namespace

const access_control* client_handler::rules() const noexcept {
  return security_ ? security_->access.get() : broker_.config().access.get();
}

bool client_handler::allow_anonymous() const noexcept {
  return security_ ? security_->allow_anonymous : broker_.config().allow_anonymous;
}

bool client_handler::admit(const mqtt::connect& c, const std::string* authenticated) {
  const access_control* rules = this->rules();
  const auto refuse_now = [&](mqtt::reason_code reason, std::string_view why) {
    spdlog::info("Client {} from {} refused: {} ({})", printable(c.client_id), remote_address(),
                 mqtt::reason_name(reason), why);
    engine_.reject(reason);
    return false;
  };
  // A user name from the client's certificate needs no password (mosquitto).
  std::optional<std::string> tls_name = transport_ ? transport_->tls_username() : std::nullopt;
  if (authenticated != nullptr) {
    // Enhanced authentication proved who it is: CONNECT's user name and
    // password, if any, are not asked.
    broker_.failed_logins().succeeded(remote_address());
    username_ = std::make_unique<const std::string>(*authenticated);
    credential_tag_ = rules != nullptr ? rules->credential_tag(*authenticated) : 0;
  } else if (tls_name) {
    if (tls_name->empty()) {
      return refuse_now(mqtt::reason_code::bad_user_name_or_password,
                        "the listener takes the user name from the client's certificate, and "
                        "the client presented none");
    }
    username_ = std::make_unique<const std::string>(std::move(*tls_name));
  } else if (c.username && rules != nullptr && rules->checks_passwords()) {
    if (!rules->check_password(*c.username, c.password)) {
      // A guess, or a typo: answered late, later for each failure in a row
      // from the same address (login_throttle).
      const auto delay = broker_.failed_logins().failed(remote_address(), clock::now());
      spdlog::info("Client {} from {} refused: {} (user '{}', answered after {} ms)",
                   printable(c.client_id), remote_address(),
                   mqtt::reason_name(mqtt::reason_code::bad_user_name_or_password), *c.username,
                   delay.count());
      refuse_after(delay, mqtt::reason_code::bad_user_name_or_password);
      return false;
    }
    broker_.failed_logins().succeeded(remote_address());
    credential_tag_ = rules->credential_tag(*c.username);
    username_ = std::make_unique<const std::string>(*c.username);
  } else if (!allow_anonymous()) {
    // Without a password file nobody can authenticate, so refusing
    // anonymous clients refuses everyone, as mosquitto does.
    return refuse_now(mqtt::reason_code::not_authorized,
                      c.username ? "no password_file to check the user name"
                                 : "anonymous clients are not allowed");
  } else if (c.username) {
    username_ = std::make_unique<const std::string>(*c.username);
  }
  // A will is a publication like any other: refused at CONNECT rather than
  // silently dropped when the connection dies.
  if (c.will && !allowed(rules, {c.client_id, username_.get()}, topic_access::write, c.will->topic))
    return refuse_now(mqtt::reason_code::not_authorized, "will topic '" + c.will->topic + "'");
  return true;
}

// --- enhanced authentication (MQTT 5, spec 4.12) ---------------------------------

void client_handler::start_enhanced_auth(mqtt::connect& c) {
  const access_control* rules = this->rules();
  const auto& method = *c.properties.authentication_method;
  auto exchange = rules != nullptr ? rules->start_authentication(method) : nullptr;
  if (!exchange) {
    spdlog::info("Client {} from {} refused: {} ('{}')", printable(c.client_id), remote_address(),
                 mqtt::reason_name(mqtt::reason_code::bad_authentication_method), method);
    engine_.reject(mqtt::reason_code::bad_authentication_method);
    return;
  }
  enhanced_ = std::make_unique<enhanced_auth>();
  enhanced_->exchange = std::move(exchange);
  enhanced_->connect = std::make_unique<mqtt::connect>(std::move(c));
  authentication_step(enhanced_->connect->properties.authentication_data.value_or(""));
}

void client_handler::on_auth(const mqtt::auth& a) {
  // The engine checked the method and the reason code: 0x18 continues an
  // exchange, 0x19 (connected only) starts a re-authentication.
  if (!enhanced_) enhanced_ = std::make_unique<enhanced_auth>();
  if (!enhanced_->exchange) {
    const access_control* rules = this->rules();
    enhanced_->exchange = rules != nullptr && engine_.authentication_method() != nullptr
                              ? rules->start_authentication(*engine_.authentication_method())
                              : nullptr;
    if (!enhanced_->exchange) return engine_.disconnect(mqtt::reason_code::not_authorized);
  }
  authentication_step(a.properties.authentication_data.value_or(""));
}

void client_handler::authentication_step(std::string_view client_data) {
  auto step = enhanced_->exchange->next(client_data);
  const bool connecting = enhanced_->connect != nullptr;
  const std::string id = connecting ? enhanced_->connect->client_id : client_id();
  switch (step.result) {
    case authenticator::outcome::more:
      engine_.continue_authentication(std::move(step.data));
      return;
    case authenticator::outcome::success:
      enhanced_->exchange.reset();
      if (connecting) {
        auto c = std::move(enhanced_->connect);
        enhanced_->final_data = std::move(step.data);
        if (admit(*c, &step.username)) continue_connect(*c);
      } else if (!username_ || step.username != *username_) {
        spdlog::info("Client {} from {} disconnected: re-authenticated as '{}', not as itself", id,
                     remote_address(), step.username);
        engine_.disconnect(mqtt::reason_code::not_authorized);
      } else {
        engine_.finish_reauthentication(std::move(step.data));
        credential_tag_ = rules() != nullptr ? rules()->credential_tag(step.username) : 0;
        spdlog::debug("Client {} re-authenticated", id);
      }
      return;
    case authenticator::outcome::failure:
      break;
  }
  enhanced_.reset();
  if (!connecting) {  // [MQTT-4.12.1-2]
    spdlog::info("Client {} from {} disconnected: re-authentication failed ({})", id,
                 remote_address(), step.why);
    return engine_.disconnect(mqtt::reason_code::not_authorized);
  }
  const auto delay = broker_.failed_logins().failed(remote_address(), clock::now());
  spdlog::info("Client {} from {} refused: {} (enhanced authentication: {}, answered after {} ms)",
               printable(id), remote_address(),
               mqtt::reason_name(mqtt::reason_code::not_authorized), step.why, delay.count());
  refuse_after(delay, mqtt::reason_code::not_authorized);
}

void client_handler::recheck_credentials() {
  if (credential_tag_ == 0 || !session_ || engine_.is_closed()) return;
  const access_control* rules = this->rules();
  if (rules != nullptr && rules->credential_tag(*username_) == credential_tag_) return;
  // As mosquitto 2.0: a password that no longer holds ends the session's
  // connection; what it may read or write is asked anew at each packet.
  spdlog::info("Client {} from {} disconnected: the password of user '{}' was {} on reload",
               client_id(), remote_address(), *username_,
               rules != nullptr && rules->credential_tag(*username_) != 0 ? "changed" : "removed");
  credential_tag_ = 0;
  kick(mqtt::reason_code::not_authorized);
}

void client_handler::refuse_after(std::chrono::milliseconds delay, mqtt::reason_code reason) {
  authorizing_ = true;  // nothing more is read from this client meanwhile
  broker_.workers().post_after(broker_.workers().current(), delay,
                               [self = shared_from_this(), reason] {
                                 if (!self->authorizing_) return;  // closed while waiting
                                 self->authorizing_ = false;
                                 if (self->engine_.is_closed() || self->transport_ == nullptr)
                                   return;
                                 self->engine_.reject(reason);
                                 self->process_events();
                                 self->output_ready();
                               });
}

bool client_handler::may(topic_access access, std::string_view topic) const {
  return allowed(rules(), {client_id(), username_.get()}, access, topic);
}

bool client_handler::may_subscribe(std::string_view filter) const {
  // A shared subscription reads what its filter matches (spec 4.8.2).
  if (auto shared = mqtt::parse_shared_filter(filter)) filter = shared->filter;
  return may(topic_access::read, filter);
}

void client_handler::deny_publish(const mqtt::publish& p) {
  spdlog::debug("Denied PUBLISH from {} to '{}' (q{})", client_id(), p.topic,
                static_cast<int>(p.qos));
  if (p.qos == mqtt::qos::at_most_once) return;
  // v5 tells the publisher (PUBACK/PUBREC 0x87, spec 3.4.2.1); 3.1.1 cannot,
  // so the message is acknowledged and dropped, as mosquitto does.
  const bool v5 = engine_.version() == mqtt::protocol_version::v5;
  if (v5) {
    engine_.acknowledge_publish(p.id, p.qos, mqtt::reason_code::not_authorized,
                                "not authorized to publish to '" + p.topic + "'");
  } else {
    engine_.acknowledge_publish(p.id, p.qos);
  }
}

}  // namespace tern::broker
