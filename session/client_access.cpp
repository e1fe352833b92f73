// Authentication and authorization of one client: who may connect (password
// file, allow_anonymous, the will's topic) and which topics it may publish
// to, subscribe to and receive (ACL file). The rules themselves are behind
// broker_config::access (auth/); this file applies them to the protocol.
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

bool allowed(const broker_config& config, const client_identity& who, topic_access access,
             std::string_view topic) {
  if (access == topic_access::write && reserved_for_broker(topic)) return false;
  const access_control* rules = config.access.get();
  return rules == nullptr || !rules->restricts_topics() || rules->allows(who, access, topic);
}

std::string_view printable(const std::string& client_id) {
  return client_id.empty() ? std::string_view("<unknown>") : std::string_view(client_id);
}

}  // namespace

bool client_handler::admit(const mqtt::connect& c) {
  const auto& config = broker_.config();
  const access_control* rules = config.access.get();
  const auto refuse_now = [&](mqtt::reason_code reason, std::string_view why) {
    spdlog::info("Client {} from {} refused: {} ({})", printable(c.client_id), remote_address(),
                 mqtt::reason_name(reason), why);
    engine_.reject(reason);
    return false;
  };
  // A user name from the client's certificate needs no password (mosquitto).
  std::optional<std::string> tls_name = transport_ ? transport_->tls_username() : std::nullopt;
  if (tls_name) {
    if (tls_name->empty()) {
      return refuse_now(mqtt::reason_code::bad_user_name_or_password,
                        "the listener takes the user name from the client's certificate, and "
                        "the client presented none");
    }
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
  } else if (!config.allow_anonymous) {
    // Without a password file nobody can authenticate, so refusing
    // anonymous clients refuses everyone, as mosquitto does.
    return refuse_now(mqtt::reason_code::not_authorized,
                      c.username ? "no password_file to check the user name"
                                 : "anonymous clients are not allowed");
  }
  username_ = tls_name ? std::move(tls_name) : c.username;
  // A will is a publication like any other: refused at CONNECT rather than
  // silently dropped when the connection dies.
  if (c.will && !allowed(config, {c.client_id, username_ ? &*username_ : nullptr},
                         topic_access::write, c.will->topic))
    return refuse_now(mqtt::reason_code::not_authorized, "will topic '" + c.will->topic + "'");
  return true;
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
  return allowed(broker_.config(), {client_id(), username_ ? &*username_ : nullptr}, access, topic);
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
