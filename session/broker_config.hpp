#pragma once
// Broker-wide settings the session layer enforces; app/ fills them from the
// config file (mosquitto.conf names in the comments).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "mqtt/engine/server_engine.hpp"
#include "session/access_control.hpp"
#include "session/queue_bound.hpp"
#include "session/shared_policy.hpp"

namespace tern::broker {

struct broker_config {
  // max_inflight_messages, max_packet_size, max_qos, retain_available and
  // the other feature switches announced in CONNACK.
  mqtt::engine_limits limits;
  std::size_t max_queued_messages = 1000;  // max_queued_messages (per session, 0: no bound)
  std::size_t max_queued_bytes = 0;        // max_queued_bytes (payload bytes, 0: no bound)
  // Client ids whose session has a queue bound of its own: bridges' local
  // sessions with bridge_max_queued_messages / bridge_max_queued_bytes
  // (session::own_bound says what happens at it).
  std::map<std::string, queue_bound, std::less<>> own_queue_bounds;
  std::size_t max_output_bytes =
      1u << 20;  // encoded bytes waiting for one socket; QoS 0 dropped past it
  std::uint32_t message_size_limit = 0;    // message_size_limit (payload bytes, 0: none)
  bool allow_zero_length_clientid = true;  // allow_zero_length_clientid
  bool connection_messages = true;         // log each connect and disconnect
  bool allow_anonymous = true;          // allow_anonymous (no password file yet: false refuses all)
  std::uint16_t max_keepalive = 65535;  // max_keepalive (v5: server keep alive)
  bool queue_qos0_messages = false;     // queue_qos0_messages
  // shared_subscription_policy (tern): which member of a group gets a message.
  shared_policy shared_subscription_policy = shared_policy::round_robin;
  // response_topic_prefix (tern): a v5 client that sends Request Response
  // Information 1 gets Response Information "PREFIX/CLIENT_ID" in CONNACK
  // (spec 3.2.2.3.15); empty: none is sent.
  std::string response_topic_prefix;
  // max_subscriptions_per_client (tern): past it a new filter gets SUBACK
  // 0x97 Quota exceeded (3.1.1: 0x80); replacing one is allowed. 0: none.
  std::size_t max_subscriptions_per_client = 10000;
  std::chrono::seconds sys_interval{10};  // sys_interval (0: no $SYS)
  std::string version = "tern";           // $SYS/broker/version

  // password_file and acl_file (auth/); null: no password checked, no topic
  // restricted. Shared with net/, which reloads it on SIGHUP. Without a
  // password file, allow_anonymous false refuses every client.
  std::shared_ptr<access_control> access;
};

}  // namespace tern::broker
