// Network failure at every possible point (Beast's fail_count idea): for
// N = 0, 1, 2, ... the same scenario runs with one client's connection
// failing at its N-th write (or, second loop, its N-th read), until a run
// completes without the failure being reached. Whatever write fails, the broker must stay
// consistent and a client that reconnects with its persistent session must end up with every
// message the publisher had acknowledged: QoS 1 at least once, QoS 2 exactly once [MQTT-4.3.3-?],
// in publication order [MQTT-4.6.0-6].
#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "broker_world.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;

enum class victim { subscriber, publisher };
enum class operation { write, read };

// One run; the victim's first connection fails at its n-th write or read;
// true when that failure was reached.
bool run_scenario(std::size_t n, victim who, operation op, protocol_version version) {
  world w(2);
  test_client pub(w, "pub", version, 0);
  test_client sub(w, "sub", version, 1);
  test_client& failing = who == victim::subscriber ? sub : pub;
  connect_options persistent;
  persistent.clean_start = false;
  if (version == v::v5) persistent.session_expiry = 3600;

  std::shared_ptr<fake_transport> first;
  const auto connect = [&](test_client& c) {
    c.start_connect(persistent);
    if (&c == &failing && !first) {
      first = c.connection();
      if (op == operation::write) {
        first->fail_write(n);
      } else {
        first->fail_read(n);
      }
    }
    w.settle();
  };
  // A client whose connection broke reconnects (with its session).
  const auto ensure_connected = [&](test_client& c) {
    for (int attempt = 0; attempt < 3 && !c.connected(); ++attempt)
      connect(c);
    EXPECT_TRUE(c.connected()) << c.id();
  };

  connect(pub);
  ensure_connected(pub);
  connect(sub);
  ensure_connected(sub);
  // Until a SUBACK arrives (a lost SUBACK means subscribing again).
  for (int attempt = 0; attempt < 3; ++attempt) {
    ensure_connected(sub);
    if (sub.subscribe("f/#", qos::exactly_once)) break;
  }

  std::vector<std::pair<mqtt::packet_id, std::string>> published;
  const auto publish = [&](const std::string& payload, qos q) {
    ensure_connected(pub);
    published.emplace_back(pub.publish("f/x", payload, q), payload);
  };
  publish("m1", qos::at_least_once);
  publish("m2", qos::exactly_once);
  publish("m3", qos::at_least_once);  // the subscriber may be offline by now
  publish("m4", qos::exactly_once);
  ensure_connected(sub);
  publish("m5", qos::at_least_once);
  publish("m6", qos::exactly_once);
  ensure_connected(pub);  // resends what it had not completed
  ensure_connected(sub);  // gets what waited for it
  w.settle();

  for (const auto& [id, payload] : published)
    EXPECT_TRUE(pub.completed(id)) << payload << " never acknowledged";

  // Every message, QoS 2 exactly once, first copies in order.
  std::map<std::string, int> copies;
  std::vector<std::string> order;
  for (const auto& payload : sub.payloads())
    if (copies[payload]++ == 0) order.push_back(payload);
  EXPECT_EQ(order, (std::vector<std::string>{"m1", "m2", "m3", "m4", "m5", "m6"}));
  for (const char* q2 : {"m2", "m4", "m6"})
    EXPECT_EQ(copies[q2], 1) << q2 << " (QoS 2)";

  // Consistent afterwards: both sessions, one subscription, nothing left
  // inflight or queued for the subscriber.
  EXPECT_EQ(w.b.session_count(), 2u);
  EXPECT_EQ(w.b.subscription_count(), 1u);
  EXPECT_EQ(broker_stats::get(w.b.stats().clients_connected), 2u);
  sub.drop();
  sub.clear_messages();
  auto ack = sub.connect(persistent);
  EXPECT_TRUE(ack && ack->session_present);
  EXPECT_TRUE(sub.messages().empty()) << "left over: " << describe(sub.packets());
  publish("after", qos::exactly_once);
  ensure_connected(pub);
  EXPECT_TRUE(pub.completed(published.back().first));
  EXPECT_EQ(sub.payloads(), std::vector<std::string>{"after"});

  return first->failed();
}

class FailCount : public ::testing::TestWithParam<std::tuple<victim, operation, protocol_version>> {
};

TEST_P(FailCount, EveryOperationMayFail) {
  const auto [who, op, version] = GetParam();
  std::size_t n = 0;
  for (;; ++n) {
    SCOPED_TRACE("failing " + std::string(op == operation::write ? "write " : "read ") +
                 std::to_string(n));
    const bool failed = run_scenario(n, who, op, version);
    if (::testing::Test::HasFailure()) return;  // one broken run says enough
    if (!failed) break;
    ASSERT_LT(n, 200u) << "the scenario never completes";
  }
  RecordProperty("runs", static_cast<int>(n + 1));
  EXPECT_GT(n, 5u) << "the scenario should take several operations";
}

INSTANTIATE_TEST_SUITE_P(
    Clients, FailCount,
    ::testing::Combine(::testing::Values(victim::subscriber, victim::publisher),
                       ::testing::Values(operation::write, operation::read),
                       ::testing::Values(v::v3_1_1, v::v5)),
    [](const auto& info) {
      return std::string(std::get<0>(info.param) == victim::subscriber ? "subscriber"
                                                                       : "publisher") +
             (std::get<1>(info.param) == operation::write ? "_write" : "_read") +
             (std::get<2>(info.param) == v::v5 ? "_v5" : "_v311");
    });

}  // namespace
}  // namespace tern::broker::test
