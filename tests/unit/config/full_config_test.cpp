// A complete mosquitto.conf, as an operator migrating to tern might have it,
// loads with every value where it belongs.

#include "app/config/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string_view>

#include "temp_dir.hpp"

namespace tern::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using testing::temp_dir;
using testing::where;

// A mosquitto 2.0 file as an operator might have it, using every directive
// tern reads, each with a value other than its default.
constexpr std::string_view full_conf = R"(# /etc/mosquitto/mosquitto.conf, site A gateway
per_listener_settings false
allow_anonymous false
password_file /etc/mosquitto/passwd
acl_file /etc/mosquitto/acl
psk_file /etc/mosquitto/psk

# Persistence
persistence true
persistence_location /var/lib/mosquitto/
persistence_file broker.db
persistence_sync full
autosave_interval 900
autosave_on_changes false
persistent_client_expiration 14d

# Limits
max_inflight_messages 10
max_queued_messages -1
max_queued_bytes 1048576
message_size_limit 262144
max_packet_size 1048576
max_keepalive 300
global_max_connections 5000
retain_available false
allow_zero_length_clientid false
queue_qos0_messages true
sys_interval 30
threads 2

# Logging
log_type error
log_type warning
log_type notice
log_dest stdout
log_dest file /var/log/mosquitto/mosquitto.log
log_timestamp true
log_timestamp_format %Y-%m-%dT%H:%M:%S
connection_messages false
check_retain_source true

pid_file /run/mosquitto/mosquitto.pid
user mosquitto

# Plain MQTT, loopback only.
listener 1883 127.0.0.1
max_connections -1
socket_domain ipv4

# MQTT over TLS with client certificates.
listener 8883
protocol mqtt
max_connections 1000
cafile /etc/mosquitto/ca_certificates/ca.crt
capath /etc/mosquitto/ca_certificates
certfile /etc/mosquitto/certs/server.crt
keyfile /etc/mosquitto/certs/server.key
crlfile /etc/mosquitto/ca_certificates/crl.pem
require_certificate true
use_identity_as_username true
use_subject_as_username false
tls_version tlsv1.2
ciphers ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256
ciphers_tls1.3 TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256

# WebSockets over TLS, also serving the dashboard.
listener 9001 ::
protocol websockets
socket_domain ipv6
certfile /etc/mosquitto/certs/server.crt
keyfile /etc/mosquitto/certs/server.key
http_dir /usr/share/tern/www
mount_point site-a/

# TLS-PSK for the small sensors.
listener 8884
psk_hint site-a-gateway
use_identity_as_username true
ciphers PSK-AES128-CBC-SHA256

# Bridge to the factory broker.
connection factory
address mqtt.factory.example:8883
topic sensors/# out 1 site-a/ factory/site-a/
topic commands/# in 2
bridge_protocol_version mqttv311
cleansession false
remote_clientid site-a-bridge
remote_username site-a
remote_password s3cret
bridge_cafile /etc/mosquitto/ca_certificates/factory-ca.crt
bridge_certfile /etc/mosquitto/certs/bridge.crt
bridge_keyfile /etc/mosquitto/certs/bridge.key
bridge_insecure false
try_private true
notifications true
keepalive_interval 60
restart_timeout 10 120
start_type automatic
local_clientid site-a-local
round_robin false

connection backup
addresses backup1.example:1883 backup2.example
topic # both 0
round_robin true
start_type lazy
)";

TEST(config, full_mosquitto_conf_loads_every_value) {
  temp_dir dir;
  const auto file = dir.write("mosquitto.conf", full_conf);
  const config c = load_config_file(file);
  const auto at = [&](std::string_view line) { return where(file.string(), full_conf, line); };

  EXPECT_FALSE(c.per_listener_settings);
  EXPECT_FALSE(c.allow_anonymous);
  EXPECT_EQ(c.password_file, "/etc/mosquitto/passwd");
  EXPECT_EQ(c.acl_file, "/etc/mosquitto/acl");
  EXPECT_EQ(c.psk_file, "/etc/mosquitto/psk");

  EXPECT_TRUE(c.persistence);
  EXPECT_EQ(c.persistence_location, "/var/lib/mosquitto");  // trailing '/' dropped
  EXPECT_EQ(c.persistence_file, "broker.db");
  EXPECT_EQ(persistence_path(c), "/var/lib/mosquitto/broker.db");
  EXPECT_EQ(c.persistence_sync, "full");
  EXPECT_EQ(c.autosave_interval, 900u);
  EXPECT_EQ(c.persistent_client_expiration, 14u * 86400);

  EXPECT_EQ(c.max_inflight_messages, 10u);
  EXPECT_EQ(c.max_queued_messages, 0u);  // -1: no limit
  EXPECT_EQ(c.max_queued_bytes, 1048576u);
  EXPECT_EQ(c.message_size_limit, 262144u);
  EXPECT_EQ(c.max_packet_size, 1048576u);
  EXPECT_EQ(c.max_keepalive, 300u);
  EXPECT_EQ(c.max_connections, 5000u);
  EXPECT_FALSE(c.retain_available);
  EXPECT_FALSE(c.allow_zero_length_clientid);
  EXPECT_TRUE(c.queue_qos0_messages);
  EXPECT_EQ(c.sys_interval, 30u);
  EXPECT_EQ(c.threads, 2u);

  EXPECT_THAT(c.log_types, ElementsAre("error", "warning", "notice"));
  EXPECT_THAT(c.log_dests, ElementsAre("stdout", "file"));
  EXPECT_EQ(c.log_file, "/var/log/mosquitto/mosquitto.log");
  EXPECT_EQ(c.log_timestamp_format, "%Y-%m-%dT%H:%M:%S");
  EXPECT_FALSE(c.connection_messages);
  EXPECT_EQ(c.pid_file, "/run/mosquitto/mosquitto.pid");
  EXPECT_EQ(c.user, "mosquitto");

  ASSERT_EQ(c.listeners.size(), 4u);
  const listener_config& plain = c.listeners[0];
  EXPECT_EQ(plain.port, 1883);
  EXPECT_EQ(plain.bind_address, "127.0.0.1");
  EXPECT_EQ(plain.protocol, "mqtt");
  EXPECT_EQ(plain.max_connections, 0u);
  EXPECT_EQ(plain.socket_domain, "ipv4");
  EXPECT_TRUE(plain.certfile.empty());
  EXPECT_FALSE(plain.allow_anonymous.has_value());  // per_listener_settings false
  EXPECT_TRUE(plain.password_file.empty());
  EXPECT_EQ(plain.source, at("listener 1883"));

  const listener_config& tls = c.listeners[1];
  EXPECT_EQ(tls.port, 8883);
  EXPECT_EQ(tls.bind_address, "");
  EXPECT_EQ(tls.max_connections, 1000u);
  EXPECT_EQ(tls.cafile, "/etc/mosquitto/ca_certificates/ca.crt");
  EXPECT_EQ(tls.capath, "/etc/mosquitto/ca_certificates");
  EXPECT_EQ(tls.certfile, "/etc/mosquitto/certs/server.crt");
  EXPECT_EQ(tls.keyfile, "/etc/mosquitto/certs/server.key");
  EXPECT_EQ(tls.crlfile, "/etc/mosquitto/ca_certificates/crl.pem");
  EXPECT_TRUE(tls.require_certificate);
  EXPECT_TRUE(tls.use_identity_as_username);
  EXPECT_FALSE(tls.use_subject_as_username);
  EXPECT_EQ(tls.tls_version, "tlsv1.2");
  EXPECT_EQ(tls.ciphers, "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256");
  EXPECT_EQ(tls.ciphers_tls13, "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
  EXPECT_EQ(tls.source, at("listener 8883"));

  const listener_config& ws = c.listeners[2];
  EXPECT_EQ(ws.port, 9001);
  EXPECT_EQ(ws.bind_address, "::");
  EXPECT_EQ(ws.protocol, "websockets");
  EXPECT_EQ(ws.socket_domain, "ipv6");
  EXPECT_EQ(ws.http_dir, "/usr/share/tern/www");
  EXPECT_EQ(ws.mount_point, "site-a/");

  const listener_config& psk = c.listeners[3];
  EXPECT_EQ(psk.port, 8884);
  EXPECT_EQ(psk.psk_hint, "site-a-gateway");
  EXPECT_TRUE(psk.use_identity_as_username);
  EXPECT_EQ(psk.ciphers, "PSK-AES128-CBC-SHA256");

  ASSERT_EQ(c.bridges.size(), 2u);
  const bridge_config& factory = c.bridges[0];
  EXPECT_EQ(factory.name, "factory");
  EXPECT_EQ(factory.source, at("connection factory"));
  EXPECT_THAT(
      factory.settings,
      ElementsAre(Pair("address", "mqtt.factory.example:8883"),
                  Pair("topic", "sensors/# out 1 site-a/ factory/site-a/"),
                  Pair("topic", "commands/# in 2"), Pair("bridge_protocol_version", "mqttv311"),
                  Pair("cleansession", "false"), Pair("remote_clientid", "site-a-bridge"),
                  Pair("remote_username", "site-a"), Pair("remote_password", "s3cret"),
                  Pair("bridge_cafile", "/etc/mosquitto/ca_certificates/factory-ca.crt"),
                  Pair("bridge_certfile", "/etc/mosquitto/certs/bridge.crt"),
                  Pair("bridge_keyfile", "/etc/mosquitto/certs/bridge.key"),
                  Pair("bridge_insecure", "false"), Pair("try_private", "true"),
                  Pair("notifications", "true"), Pair("keepalive_interval", "60"),
                  Pair("restart_timeout", "10 120"), Pair("start_type", "automatic"),
                  Pair("local_clientid", "site-a-local"), Pair("round_robin", "false")));
  ASSERT_EQ(factory.setting_sources.size(), factory.settings.size());
  EXPECT_EQ(factory.setting_sources[0], at("address mqtt.factory.example"));

  EXPECT_THAT(c.bridges[1].settings,
              ElementsAre(Pair("address", "backup1.example:1883 backup2.example"),
                          Pair("topic", "# both 0"), Pair("round_robin", "true"),
                          Pair("start_type", "lazy")));

  // autosave_interval, autosave_on_changes, log_timestamp, check_retain_source,
  // and the SQLite persistence_file note.
  EXPECT_EQ(c.notes.size(), 5u);
  EXPECT_THAT(c.notes[0], HasSubstr(at("autosave_interval") + ": `autosave_interval`"));
  EXPECT_THAT(c.notes.back(), HasSubstr("SQLite"));
}

}  // namespace
}  // namespace tern::app
