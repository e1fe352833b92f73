// Per-listener security (per_listener_settings) and the SIGHUP re-check,
// through the whole core: a connection given its listener's settings
// follows them instead of broker_config's; a reload that changes or removes
// a user's password line disconnects that user's clients (v5: 0x87) and
// nobody else.
#include <gtest/gtest.h>

#include <memory>

#include "auth/file_access_control.hpp"
#include "broker_world.hpp"
#include "tests/unit/config/temp_dir.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;
using mqtt::reason_code;

// Made by mosquitto_passwd: alice/secret ($7$), bob/hunter2 ($6$).
const std::string alice_line =
    "alice:$7$101$PhmF1SLHAB1z4AKN$YjCu8vSHWzcyGt1gZdSjgI8FWtZl70WuRuJ+/"
    "VxYNGO7Knec0cYdqXsA4csEgSFGLttXm176amAlnfkD+NOzpQ==\n";
const std::string bob_line =
    "bob:$6$WdCJPQEkP+6ypC6e$wqTKaNuLsCs9hV/"
    "ElsRf+N90hfTZElYuRMDpNHaHCg2Dge4ozUwJpa3QUcd6cnxHZtV94X4G00dSharC23+v4g==\n";

connect_options login(std::string user, std::string password) {
  connect_options o;
  o.username = std::move(user);
  o.password = std::move(password);
  return o;
}

std::optional<reason_code> disconnect_reason(test_client& c) {
  for (const auto& p : c.take_packets()) {
    if (const auto* d = std::get_if<mqtt::disconnect>(&p)) return d->reason;
  }
  return std::nullopt;
}

TEST(ListenerAccess, A_listeners_own_settings_replace_the_brokers) {
  broker_config config;
  config.allow_anonymous = false;  // the broker-wide default
  world w(1, config);
  auto open = std::make_shared<listener_security>();
  open->allow_anonymous = true;
  test_client on_open(w, "on-open", v::v5, 0);
  connect_options o;
  o.listener = open;
  EXPECT_TRUE(on_open.connect(o));
  EXPECT_TRUE(on_open.connected());
  test_client elsewhere(w, "elsewhere", v::v5, 0);
  const auto refused = elsewhere.connect();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, reason_code::not_authorized);
}

TEST(ListenerAccess, The_internal_listener_lets_a_bridge_in_whatever_the_files_say) {
  app::testing::temp_dir dir;
  broker_config config;
  config.allow_anonymous = false;
  config.access = std::make_shared<auth::file_access_control>(dir.write("pw", alice_line),
                                                              dir.write("acl", ""));
  world w(1, config);
  test_client bridge(w, "bridge", v::v3_1_1, 0);
  connect_options o;
  o.listener = listener_security::internal();
  EXPECT_TRUE(bridge.connect(o));
  EXPECT_TRUE(bridge.connected());
  // The empty ACL refuses everything to everyone else; not to the bridge.
  const auto ack = bridge.subscribe("any/#", qos::at_least_once);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->reasons, std::vector{reason_code::granted_qos_1});
}

TEST(ListenerAccess, A_reload_disconnects_only_clients_whose_password_changed) {
  app::testing::temp_dir dir;
  const auto pw = dir.write("pw", alice_line + bob_line);
  broker_config config;
  config.allow_anonymous = false;
  config.access = std::make_shared<auth::file_access_control>(pw, "");
  world w(2, config);
  test_client alice(w, "alice", v::v5, 0);
  test_client bob(w, "bob", v::v5, 1);
  ASSERT_TRUE(alice.connect(login("alice", "secret")));
  ASSERT_TRUE(bob.connect(login("bob", "hunter2")));
  alice.take_packets();
  bob.take_packets();

  dir.write("pw", bob_line);  // alice removed
  config.access->reload();
  for (test_client* c : {&alice, &bob}) {
    w.workers.post(c == &alice ? 0 : 1, [c] { c->conn().handler().recheck_credentials(); });
  }
  w.settle();
  EXPECT_EQ(disconnect_reason(alice), reason_code::not_authorized);
  EXPECT_TRUE(alice.conn().finished());
  EXPECT_EQ(disconnect_reason(bob), std::nullopt);
  EXPECT_TRUE(bob.connected());
}

}  // namespace
}  // namespace tern::broker::test
