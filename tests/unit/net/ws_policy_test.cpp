// ws_policy: which upgrade requests a WebSocket listener accepts, with
// which subprotocol, what it answers the others, and whose X-Forwarded-For
// it believes. Plain values, no sockets.

#include "net/ws_policy.hpp"

#include <gtest/gtest.h>

namespace tern::net {
namespace {

upgrade_request valid_request() {
  upgrade_request r;
  r.method = "GET";
  r.target = "/mqtt";
  r.version = 11;
  r.upgrade = "websocket";
  r.connection = "Upgrade";
  r.ws_version = "13";
  r.ws_key = "dGhlIHNhbXBsZSBub25jZQ==";  // RFC 6455 1.3
  r.protocols = "mqtt";
  return r;
}

ws_policy policy_with(ws_settings s = {}) {
  return ws_policy(std::move(s));
}

TEST(ws_policy, accepts_a_valid_request_with_mqtt) {
  const auto d = policy_with().decide(valid_request());
  EXPECT_EQ(d.status, 101u);
  EXPECT_EQ(d.subprotocol, "mqtt");
}

TEST(ws_policy, picks_the_first_subprotocol_it_speaks) {
  auto r = valid_request();
  r.protocols = "wamp, mqttv3.1 ,mqtt";
  EXPECT_EQ(policy_with().decide(r).subprotocol, "mqttv3.1");
}

TEST(ws_policy, serves_a_client_that_offers_no_subprotocol) {
  auto r = valid_request();
  r.protocols = "";
  const auto d = policy_with().decide(r);
  EXPECT_EQ(d.status, 101u);
  EXPECT_EQ(d.subprotocol, "");
}

TEST(ws_policy, refuses_a_client_that_offers_only_other_subprotocols) {
  auto r = valid_request();
  r.protocols = "chat, MQTT";  // subprotocol names are case-sensitive (RFC 6455 4.1)
  EXPECT_EQ(policy_with().decide(r).status, 400u);
}

TEST(ws_policy, header_tokens_ignore_case_and_lists) {
  auto r = valid_request();
  r.upgrade = "WebSocket";
  r.connection = "keep-alive, Upgrade";
  EXPECT_EQ(policy_with().decide(r).status, 101u);
}

TEST(ws_policy, answers_each_bad_request_with_its_status) {
  struct bad {
    const char* what;
    void (*spoil)(upgrade_request&);
    unsigned status;
    const char* header;
  };
  const bad cases[] = {
      {"POST", [](upgrade_request& r) { r.method = "POST"; }, 405, "Allow"},
      {"HTTP/1.0", [](upgrade_request& r) { r.version = 10; }, 400, ""},
      {"no Upgrade", [](upgrade_request& r) { r.upgrade = ""; }, 426, "Upgrade"},
      {"no Connection: upgrade", [](upgrade_request& r) { r.connection = "keep-alive"; }, 426,
       "Upgrade"},
      {"version 8", [](upgrade_request& r) { r.ws_version = "8"; }, 426, "Sec-WebSocket-Version"},
      {"no version", [](upgrade_request& r) { r.ws_version = ""; }, 426, "Sec-WebSocket-Version"},
      {"no key", [](upgrade_request& r) { r.ws_key = ""; }, 400, ""},
      {"short key", [](upgrade_request& r) { r.ws_key = "dGhlIHNhbXBsZQ=="; }, 400, ""},
      {"key not base64", [](upgrade_request& r) { r.ws_key = "dGhlIHNhbXBsZSBub25jZ*=="; }, 400,
       ""},
  };
  for (const bad& b : cases) {
    auto r = valid_request();
    b.spoil(r);
    const auto d = policy_with().decide(r);
    EXPECT_EQ(d.status, b.status) << b.what;
    EXPECT_EQ(d.extra_header, b.header) << b.what;
    EXPECT_FALSE(d.reason.empty()) << b.what;
  }
}

TEST(ws_policy, any_path_unless_one_is_configured) {
  auto r = valid_request();
  r.target = "/anything/at/all?x=1";
  EXPECT_EQ(policy_with().decide(r).status, 101u);
  ws_settings s;
  s.path = "/mqtt";
  const auto p = policy_with(s);
  EXPECT_EQ(p.decide(r).status, 404u);
  r.target = "/mqtt?token=abc";
  EXPECT_EQ(p.decide(r).status, 101u);
  r.target = "/mqtt/";
  EXPECT_EQ(p.decide(r).status, 404u);
}

TEST(ws_policy, origin_allow_list) {
  ws_settings s;
  s.allowed_origins = {"https://app.example", "null"};
  const auto p = policy_with(s);
  auto r = valid_request();
  EXPECT_EQ(p.decide(r).status, 403u) << "no Origin at all";
  r.has_origin = true;
  r.origin = "https://evil.example";
  EXPECT_EQ(p.decide(r).status, 403u);
  r.origin = "HTTPS://App.Example";
  EXPECT_EQ(p.decide(r).status, 101u);
  r.origin = "null";
  EXPECT_EQ(p.decide(r).status, 101u);
  // Without a list any origin is served.
  r.origin = "https://evil.example";
  EXPECT_EQ(policy_with().decide(r).status, 101u);
}

TEST(ws_policy, networks_parse_and_match) {
  const auto ten = ip_network::parse("10.0.0.0/8");
  ASSERT_TRUE(ten);
  EXPECT_TRUE(ten->contains(*parse_ip("10.200.1.2")));
  EXPECT_FALSE(ten->contains(*parse_ip("11.0.0.1")));
  EXPECT_TRUE(ten->contains(*parse_ip("::ffff:10.1.1.1"))) << "IPv4-mapped, dual-stack peers";
  const auto one = ip_network::parse("::1");
  ASSERT_TRUE(one);
  EXPECT_TRUE(one->contains(*parse_ip("::1")));
  EXPECT_FALSE(one->contains(*parse_ip("::2")));
  const auto v6 = ip_network::parse("fd00::/8");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(*parse_ip("fd12:3456::1")));
  EXPECT_FALSE(v6->contains(*parse_ip("fe80::1")));
  EXPECT_TRUE(ip_network::parse("0.0.0.0/0")->contains(*parse_ip("203.0.113.1")));
  EXPECT_FALSE(ip_network::parse("10.0.0.0/33"));
  EXPECT_FALSE(ip_network::parse("10.0.0/8"));
  EXPECT_FALSE(ip_network::parse("10.0.0.0/"));
  EXPECT_FALSE(ip_network::parse("host.example"));
}

TEST(ws_policy, forwarded_for_is_believed_only_from_trusted_proxies) {
  ws_settings s;
  s.trusted_proxies = {*ip_network::parse("127.0.0.1"), *ip_network::parse("10.0.0.0/8")};
  const auto p = policy_with(s);
  const std::string proxy = "127.0.0.1:50000";
  const auto proxy_ip = parse_ip("127.0.0.1");
  EXPECT_EQ(p.client_address(proxy, proxy_ip, "203.0.113.7"), "203.0.113.7:0");
  // The rightmost address that is not a trusted proxy: what the client
  // wrote itself (the first entry) proves nothing.
  EXPECT_EQ(p.client_address(proxy, proxy_ip, "1.2.3.4, 203.0.113.7, 10.1.1.1"), "203.0.113.7:0");
  EXPECT_EQ(p.client_address(proxy, proxy_ip, "10.1.1.1"), "10.1.1.1:0");
  EXPECT_EQ(p.client_address(proxy, proxy_ip, "2001:db8::5"), "2001:db8::5:0");
  EXPECT_EQ(p.client_address(proxy, proxy_ip, ""), proxy);
  EXPECT_EQ(p.client_address(proxy, proxy_ip, "not-an-address"), proxy);
  // From anyone else the header is ignored.
  const std::string stranger = "198.51.100.2:40000";
  EXPECT_EQ(p.client_address(stranger, parse_ip("198.51.100.2"), "203.0.113.7"), stranger);
  // Nobody is trusted by default.
  EXPECT_EQ(policy_with().client_address(proxy, proxy_ip, "203.0.113.7"), proxy);
}

}  // namespace
}  // namespace tern::net
