// Authentication and authorization through the whole core, with the real
// password and ACL files (auth/): CONNACK codes, the delayed refusal of a
// wrong password, denied PUBLISH and SUBSCRIBE, reads filtered at delivery,
// and a reload that applies to clients already connected.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "auth/file_access_control.hpp"
#include "broker_world.hpp"
#include "tests/unit/config/temp_dir.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;
using mqtt::reason_code;
using namespace std::chrono_literals;

// Made by mosquitto_passwd: alice/secret ($7$), bob/hunter2 ($6$).
const std::string passwords =
    "alice:$7$101$PhmF1SLHAB1z4AKN$YjCu8vSHWzcyGt1gZdSjgI8FWtZl70WuRuJ+/"
    "VxYNGO7Knec0cYdqXsA4csEgSFGLttXm176amAlnfkD+NOzpQ==\n"
    "bob:$6$WdCJPQEkP+6ypC6e$wqTKaNuLsCs9hV/"
    "ElsRf+N90hfTZElYuRMDpNHaHCg2Dge4ozUwJpa3QUcd6cnxHZtV94X4G00dSharC23+v4g==\n";

const std::string acl =
    "topic read public/#\n"
    "user alice\n"
    "topic readwrite a/#\n"
    "topic deny a/secret\n"
    "topic write public/#\n"
    "user bob\n"
    "topic read a/#\n";

struct secured {
  explicit secured(bool allow_anonymous = false) {
    config.allow_anonymous = allow_anonymous;
    config.access = std::make_shared<auth::file_access_control>(dir.write("pw", passwords),
                                                                dir.write("acl", acl));
  }
  app::testing::temp_dir dir;
  broker_config config;
};

connect_options login(std::string user, std::string password) {
  connect_options o;
  o.username = std::move(user);
  o.password = std::move(password);
  return o;
}

// A wrong login: no answer until the refusal's delay passes. Returns the
// delay asked for and the CONNACK reason that followed.
std::pair<std::chrono::milliseconds, std::optional<reason_code>> refused_after_delay(
    world& w, test_client& c, std::string user, std::string password) {
  c.start_connect(login(std::move(user), std::move(password)));
  w.settle();
  EXPECT_FALSE(c.connack()) << "answered before the delay";
  const auto delays = w.workers.delays();
  EXPECT_EQ(delays.size(), 1u);
  w.workers.fire_delayed();
  w.settle();
  EXPECT_TRUE(c.conn().finished());
  return {delays.empty() ? std::chrono::milliseconds(0) : delays.front(),
          c.connack() ? std::optional(c.connack()->reason) : std::nullopt};
}

std::vector<reason_code> puback_reasons(test_client& c) {
  std::vector<reason_code> out;
  for (const auto& p : c.take_packets()) {
    if (const auto* a = std::get_if<mqtt::puback>(&p)) out.push_back(a->reason);
    if (const auto* r = std::get_if<mqtt::pubrec>(&p)) out.push_back(r->reason);
  }
  return out;
}

TEST(Access, RightPasswordsConnect) {
  secured s;
  world w(2, s.config);
  test_client a(w, "a", v::v5, 0);
  test_client b(w, "b", v::v3_1_1, 1);
  EXPECT_TRUE(a.connect(login("alice", "secret")));
  EXPECT_TRUE(a.connected());
  EXPECT_TRUE(b.connect(login("bob", "hunter2")));
  EXPECT_TRUE(b.connected());
  EXPECT_TRUE(w.workers.delays().empty());
}

// A wrong password gets CONNACK 0x86 (v5, 3.2.2.2) / 4 (3.1.1, 3.2.2.3), later
// for each failure in a row from the same address; a success resets.
TEST(Access, WrongPasswordIsRefusedLaterEachTime) {
  secured s;
  world w(1, s.config);
  for (const auto version : {v::v5, v::v3_1_1}) {
    test_client c(w, version == v::v5 ? "five" : "three", version, 0);
    const auto bad = std::optional(reason_code::bad_user_name_or_password);
    EXPECT_EQ(refused_after_delay(w, c, "alice", "wrong"), std::pair(100ms, bad));
    EXPECT_EQ(refused_after_delay(w, c, "alice", "wrong"), std::pair(200ms, bad));
    EXPECT_EQ(refused_after_delay(w, c, "alice", "wrong"), std::pair(400ms, bad));
    EXPECT_TRUE(c.connect(login("alice", "secret")));
    EXPECT_TRUE(c.connected());
    c.disconnect();
    // Reset by the success; an unknown user gets the same answer.
    EXPECT_EQ(refused_after_delay(w, c, "carol", "secret"), std::pair(100ms, bad));
  }
}

TEST(Access, ClientGoneWhileRefusalWaits) {
  secured s;
  world w(1, s.config);
  test_client c(w, "c", v::v5, 0);
  c.start_connect(login("alice", "wrong"));
  w.settle();
  c.drop();
  w.workers.fire_delayed();
  w.settle();
  EXPECT_FALSE(c.connack());
}

TEST(Access, AnonymousRefusedUnlessAllowed) {
  {
    secured s(false);
    world w(1, s.config);
    test_client five(w, "five", v::v5, 0);
    test_client three(w, "three", v::v3_1_1, 0);
    EXPECT_EQ(five.connect()->reason, reason_code::not_authorized);   // 0x87
    EXPECT_EQ(three.connect()->reason, reason_code::not_authorized);  // 5
    EXPECT_TRUE(w.workers.delays().empty()) << "not a guess: answered at once";
  }
  {
    secured s(true);
    world w(1, s.config);
    test_client anon(w, "anon", v::v5, 0);
    EXPECT_TRUE(anon.connect());
    EXPECT_TRUE(anon.connected());
    // A user name must still have the right password.
    test_client c(w, "c", v::v5, 0);
    EXPECT_EQ(refused_after_delay(w, c, "alice", "wrong").second,
              reason_code::bad_user_name_or_password);
  }
}

// v5: PUBACK/PUBREC 0x87 (spec 3.4.2.1, 3.5.2.1); 3.1.1: acknowledged and
// dropped, as mosquitto does.
TEST(Access, DeniedPublishIsNotRouted) {
  secured s;
  world w(2, s.config);
  test_client sub(w, "sub", v::v5, 1);
  test_client five(w, "five", v::v5, 0);
  test_client three(w, "three", v::v3_1_1, 0);
  ASSERT_TRUE(sub.connect(login("bob", "hunter2")));
  ASSERT_TRUE(sub.subscribe("a/#", qos::exactly_once));
  ASSERT_TRUE(five.connect(login("bob", "hunter2")));  // bob may only read a/#
  ASSERT_TRUE(three.connect(login("bob", "hunter2")));
  five.take_packets();
  three.take_packets();

  five.publish("a/x", "q0", qos::at_most_once);
  five.publish("a/x", "q1", qos::at_least_once);
  five.publish("a/x", "q2", qos::exactly_once);
  EXPECT_EQ(puback_reasons(five),
            (std::vector{reason_code::not_authorized, reason_code::not_authorized}));
  const auto id = three.publish("a/x", "q1", qos::at_least_once);
  EXPECT_TRUE(three.completed(id));
  EXPECT_EQ(puback_reasons(three), std::vector{reason_code::success});
  EXPECT_TRUE(sub.messages().empty());
  EXPECT_TRUE(five.connected());
  EXPECT_TRUE(three.connected());
}

TEST(Access, AllowedPublishIsRouted) {
  secured s;
  world w(2, s.config);
  test_client sub(w, "sub", v::v5, 1);
  test_client pub(w, "pub", v::v5, 0);
  ASSERT_TRUE(sub.connect(login("bob", "hunter2")));
  ASSERT_TRUE(sub.subscribe("a/#", qos::at_least_once));
  ASSERT_TRUE(pub.connect(login("alice", "secret")));
  pub.take_packets();
  pub.publish("a/x", "ok", qos::at_least_once);
  EXPECT_EQ(puback_reasons(pub), std::vector{reason_code::success});
  EXPECT_EQ(sub.payloads(), std::vector<std::string>{"ok"});
}

TEST(Access, DeniedSubscribeGetsFailureInSuback) {
  secured s;
  world w(1, s.config);
  test_client five(w, "five", v::v5, 0);
  test_client three(w, "three", v::v3_1_1, 0);
  ASSERT_TRUE(five.connect(login("bob", "hunter2")));
  ASSERT_TRUE(three.connect(login("bob", "hunter2")));
  EXPECT_EQ(five.subscribe("b/#", qos::at_least_once)->reasons,
            std::vector{reason_code::not_authorized});
  EXPECT_EQ(three.subscribe("b/#", qos::at_least_once)->reasons,
            std::vector{reason_code::unspecified_error});  // 0x80 [MQTT-3.9.3-2]
  EXPECT_EQ(five.subscribe("$share/g/b/#", qos::at_least_once)->reasons,
            std::vector{reason_code::not_authorized});
  EXPECT_EQ(five.subscribe("a/+", qos::at_least_once)->reasons,
            std::vector{reason_code::granted_qos_1});
  EXPECT_EQ(w.b.subscription_count(), 1u);
}

// A wide subscription is granted and each message checked when delivered,
// retained ones included.
TEST(Access, ReadsAreFilteredAtDelivery) {
  secured s;
  world w(2, s.config);
  test_client alice(w, "alice", v::v5, 0);
  test_client anon(w, "anon", v::v3_1_1, 1);
  ASSERT_TRUE(alice.connect(login("alice", "secret")));
  alice.publish("a/secret", "retained secret", qos::at_least_once, true);
  alice.publish("a/open", "retained open", qos::at_least_once, true);
  ASSERT_TRUE(alice.subscribe("#", qos::at_least_once));
  EXPECT_EQ(alice.payloads(), std::vector<std::string>{"retained open"});
  alice.clear_messages();

  alice.publish("a/secret", "s", qos::at_least_once);
  alice.publish("a/open", "o", qos::at_least_once);
  alice.publish("public/news", "n", qos::at_least_once);  // write only for alice
  EXPECT_EQ(alice.payloads(), std::vector<std::string>{"o"});
}

TEST(Access, AnonymousSectionAppliesWithoutUserName) {
  secured s(true);
  world w(2, s.config);
  test_client alice(w, "alice", v::v5, 0);
  test_client anon(w, "anon", v::v3_1_1, 1);
  ASSERT_TRUE(alice.connect(login("alice", "secret")));
  ASSERT_TRUE(anon.connect());
  ASSERT_TRUE(anon.subscribe("public/#", qos::at_least_once));
  alice.publish("public/news", "n", qos::at_least_once);
  EXPECT_EQ(anon.payloads(), std::vector<std::string>{"n"});
  const auto id = anon.publish("public/news", "by anon", qos::at_least_once);
  EXPECT_TRUE(anon.completed(id));
  EXPECT_EQ(anon.payloads(), std::vector<std::string>{"n"});  // read only: dropped
}

TEST(Access, ReloadAppliesToConnectedClients) {
  secured s;
  world w(2, s.config);
  test_client alice(w, "alice", v::v5, 0);
  test_client bob(w, "bob", v::v5, 1);
  ASSERT_TRUE(alice.connect(login("alice", "secret")));
  ASSERT_TRUE(bob.connect(login("bob", "hunter2")));
  ASSERT_TRUE(bob.subscribe("a/#", qos::at_least_once));
  alice.publish("a/x", "before", qos::at_least_once);
  EXPECT_EQ(bob.payloads(), std::vector<std::string>{"before"});

  s.dir.write("acl", "user alice\ntopic readwrite a/#\nuser bob\ntopic read b/#\n");
  s.config.access->reload();
  alice.publish("a/x", "after", qos::at_least_once);
  EXPECT_EQ(bob.payloads(), std::vector<std::string>{"before"});  // bob's subscription stays
  EXPECT_EQ(bob.subscribe("a/#", qos::at_least_once)->reasons,
            std::vector{reason_code::not_authorized});
}

TEST(Access, WillOnADeniedTopicRefusesTheConnection) {
  secured s;
  world w(1, s.config);
  test_client c(w, "c", v::v5, 0);
  auto o = login("bob", "hunter2");
  o.will = mqtt::will_message{};
  o.will->topic = "a/will";  // bob may not write there
  EXPECT_EQ(c.connect(std::move(o))->reason, reason_code::not_authorized);
}

// Clients may not fake the broker's statistics, ACL file or not.
TEST(Access, NobodyPublishesToSys) {
  world w(1);
  test_client pub(w, "pub", v::v5, 0);
  test_client sub(w, "sub", v::v5, 0);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe("$SYS/#", qos::at_least_once));
  pub.take_packets();
  pub.publish("$SYS/broker/version", "fake", qos::at_least_once);
  EXPECT_EQ(puback_reasons(pub), std::vector{reason_code::not_authorized});
  EXPECT_TRUE(sub.messages().empty());
}

// Except a bridge's state notice, which bridges of other brokers publish
// and set as their will (mosquitto allows exactly this topic too).
TEST(Access, BridgesMayPublishTheirStateUnderSys) {
  world w(1);
  test_client bridge(w, "bridge", v::v3_1_1, 0);
  test_client sub(w, "sub", v::v5, 0);
  connect_options o;
  o.bridge = true;
  o.will = mqtt::will_message{};
  o.will->topic = "$SYS/broker/connection/edge-1/state";
  o.will->payload = mqtt::shared_bytes::copy_of("0");
  ASSERT_TRUE(bridge.connect(std::move(o)));
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe("$SYS/broker/connection/#", qos::at_least_once));
  bridge.publish("$SYS/broker/connection/edge-1/state", "1", qos::at_least_once);
  bridge.publish("$SYS/broker/connection/edge-1/other", "x", qos::at_least_once);
  EXPECT_EQ(sub.payloads(), std::vector<std::string>{"1"});
}

}  // namespace
}  // namespace tern::broker::test
