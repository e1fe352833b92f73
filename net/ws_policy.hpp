#pragma once
// What a WebSocket listener accepts: the decisions about one HTTP upgrade
// request, as plain functions of the request's fields, so they are unit
// tested without sockets (and without Beast, which only ws_connection sees).
//
// Theory of operation. A client opens the TCP (or TLS) connection, sends one
// HTTP/1.1 request and waits for the answer (RFC 6455 4.1: no frame before
// the 101). decide() checks, in this order, and the first failure is the
// answer, after which the connection closes:
//
//   method GET                                  else 405, Allow: GET
//   HTTP/1.1 or later                           else 400
//   Upgrade: websocket, Connection: upgrade     else 426, Upgrade: websocket
//   Sec-WebSocket-Version: 13                   else 426, Sec-WebSocket-Version: 13
//                                               (RFC 6455 4.4)
//   Sec-WebSocket-Key: 16 bytes in base64       else 400 (RFC 6455 4.2.1 item 5)
//   the path, when one is configured            else 404 (mosquitto: any path)
//   Origin in the allow-list, when one is set   else 403 (RFC 6455 10.2)
//   a subprotocol we speak, when any is offered else 400
//
// Subprotocols: `mqtt` (MQTT 3.1.1 and 5.0, [MQTT-6.0.0-3]) and `mqttv3.1`
// (old clients of MQTT 3.1), the ones mosquitto serves; the first the client
// offers that we speak is chosen. A client that offers none is served too,
// without a Sec-WebSocket-Protocol in the answer, as several small clients
// forget it; one that offers only others is refused, as mosquitto refuses it.
//
// Thread: immutable once built; shared by a listener's connections on every
// worker.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::net {

// An address range such as 10.0.0.0/8 or ::1 (a single address).
struct ip_network {
  std::array<std::uint8_t, 16> bytes{};  // IPv4 as IPv4-mapped IPv6
  unsigned prefix = 128;                 // of the 128 bits

  // "ADDRESS" or "ADDRESS/PREFIX", IPv4 or IPv6; nullopt if it is neither.
  static std::optional<ip_network> parse(std::string_view text);
  bool contains(const std::array<std::uint8_t, 16>& address) const noexcept;
};

// An address as 16 bytes (IPv4 mapped), nullopt if `text` is not one.
std::optional<std::array<std::uint8_t, 16>> parse_ip(std::string_view text);

struct ws_settings {
  // Empty: any path, as mosquitto. Otherwise the request target's path
  // (before any '?') must be exactly this.
  std::string path;
  // Empty: any Origin (or none). Otherwise the Origin header must be one of
  // these, compared without regard to case (RFC 6454 serialisation).
  std::vector<std::string> allowed_origins;
  // Peers whose X-Forwarded-For names the client; from anyone else it is
  // ignored, so a client cannot choose the address it is logged and
  // throttled under.
  std::vector<ip_network> trusted_proxies;
  // Largest WebSocket message (and so frame) accepted.
  std::uint64_t max_message_size = 268'435'460;
  // The upgrade request must arrive within this.
  std::chrono::milliseconds handshake_timeout{10'000};
};

// The fields of an upgrade request that decide() reads; header values are
// as received (comma lists included).
struct upgrade_request {
  std::string_view method;
  std::string_view target;
  unsigned version = 11;  // 10 for HTTP/1.0, 11 for HTTP/1.1
  std::string_view upgrade;
  std::string_view connection;
  std::string_view ws_version;  // Sec-WebSocket-Version
  std::string_view ws_key;      // Sec-WebSocket-Key
  std::string_view protocols;   // Sec-WebSocket-Protocol
  std::string_view origin;
  bool has_origin = false;
};

struct upgrade_decision {
  unsigned status = 101;     // 101: accept; else the HTTP error to answer with
  std::string subprotocol;   // with 101: to echo, or empty
  std::string reason;        // with an error: the response body and log text
  std::string extra_header;  // with an error: a header it requires ("Name"), if any
  std::string extra_value;
};

class ws_policy {
 public:
  explicit ws_policy(ws_settings settings) : settings_(std::move(settings)) {}

  const ws_settings& settings() const noexcept { return settings_; }

  upgrade_decision decide(const upgrade_request& r) const;

  // The address a connection from `peer` ("ADDRESS:PORT", as the transport
  // describes it; `peer_ip` its address) is known by: the client named by
  // X-Forwarded-For when the peer is a trusted proxy (walking the list from
  // the right past further trusted proxies), else the peer itself.
  std::string client_address(const std::string& peer,
                             const std::optional<std::array<std::uint8_t, 16>>& peer_ip,
                             std::string_view forwarded_for) const;

 private:
  bool trusted(const std::array<std::uint8_t, 16>& address) const noexcept;

  ws_settings settings_;
};

// True if the comma-separated header value `list` has `token`, ignoring
// case and blanks (Connection: keep-alive, Upgrade).
bool has_token(std::string_view list, std::string_view token) noexcept;

}  // namespace tern::net
