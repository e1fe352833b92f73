#include "net/ws_policy.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace tern::net {
namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// Calls `each` with every element of a comma-separated list, trimmed; stops
// when it returns true.
template <class Each>
bool any_element(std::string_view list, Each&& each) {
  while (true) {
    const auto comma = list.find(',');
    const auto item = trim(list.substr(0, comma));
    if (!item.empty() && each(item)) return true;
    if (comma == std::string_view::npos) return false;
    list.remove_prefix(comma + 1);
  }
}

// RFC 6455 4.2.1 item 5: base64 of 16 bytes is 22 characters and "==".
bool valid_key(std::string_view key) {
  key = trim(key);
  if (key.size() != 24 || key.substr(22) != "==") return false;
  return std::all_of(key.begin(), key.begin() + 22, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
  });
}

upgrade_decision refuse(unsigned status, std::string reason, std::string header = {},
                        std::string value = {}) {
  upgrade_decision d;
  d.status = status;
  d.reason = std::move(reason);
  d.extra_header = std::move(header);
  d.extra_value = std::move(value);
  return d;
}

// The subprotocols we speak, in the names mosquitto serves them under.
constexpr std::string_view subprotocols[] = {"mqtt", "mqttv3.1"};

}  // namespace

bool has_token(std::string_view list, std::string_view token) noexcept {
  return any_element(list, [&](std::string_view item) { return iequal(item, token); });
}

std::optional<std::array<std::uint8_t, 16>> parse_ip(std::string_view text) {
  const std::string s(trim(text));
  std::array<std::uint8_t, 16> out{};
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

std::optional<ip_network> ip_network::parse(std::string_view text) {
  text = trim(text);
  const auto slash = text.find('/');
  const auto address = parse_ip(text.substr(0, slash));
  if (!address) return std::nullopt;
  const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  ip_network n;
  n.bytes = *address;
  n.prefix = 128;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    unsigned bits = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() ||
        bits > (v4 ? 32u : 128u)) {
      return std::nullopt;
    }
    n.prefix = v4 ? 96 + bits : bits;
  }
  return n;
}

bool ip_network::contains(const std::array<std::uint8_t, 16>& address) const noexcept {
  unsigned bits = prefix;
  for (std::size_t i = 0; i < 16 && bits > 0; ++i) {
    const unsigned take = std::min(bits, 8u);
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - take));
    if ((address[i] & mask) != (bytes[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

upgrade_decision ws_policy::decide(const upgrade_request& r) const {
  if (r.method != "GET") return refuse(405, "a WebSocket upgrade must be a GET", "Allow", "GET");
  if (r.version < 11) return refuse(400, "a WebSocket upgrade needs HTTP/1.1");
  if (!has_token(r.upgrade, "websocket") || !has_token(r.connection, "upgrade")) {
    return refuse(426, "this port speaks MQTT over WebSocket; upgrade the connection", "Upgrade",
                  "websocket");
  }
  if (trim(r.ws_version) != "13") {
    return refuse(426, "unsupported Sec-WebSocket-Version; this server speaks 13",
                  "Sec-WebSocket-Version", "13");
  }
  if (!valid_key(r.ws_key)) return refuse(400, "missing or malformed Sec-WebSocket-Key");
  if (!settings_.path.empty()) {
    const auto path = r.target.substr(0, r.target.find('?'));
    if (path != settings_.path) return refuse(404, "no MQTT endpoint at this path");
  }
  if (!settings_.allowed_origins.empty()) {
    const auto origin = trim(r.origin);
    const bool allowed =
        r.has_origin &&
        std::any_of(settings_.allowed_origins.begin(), settings_.allowed_origins.end(),
                    [&](const std::string& o) { return iequal(o, origin); });
    if (!allowed) return refuse(403, "origin not allowed");
  }
  upgrade_decision d;
  if (!trim(r.protocols).empty()) {
    const bool found = any_element(r.protocols, [&](std::string_view offered) {
      for (std::string_view ours : subprotocols) {
        if (offered == ours) {
          d.subprotocol = ours;
          return true;
        }
      }
      return false;
    });
    if (!found) return refuse(400, "no supported subprotocol; offer mqtt (or mqttv3.1)");
  }
  return d;
}

bool ws_policy::trusted(const std::array<std::uint8_t, 16>& address) const noexcept {
  return std::any_of(settings_.trusted_proxies.begin(), settings_.trusted_proxies.end(),
                     [&](const ip_network& n) { return n.contains(address); });
}

std::string ws_policy::client_address(const std::string& peer,
                                      const std::optional<std::array<std::uint8_t, 16>>& peer_ip,
                                      std::string_view forwarded_for) const {
  if (!peer_ip || !trusted(*peer_ip) || trim(forwarded_for).empty()) return peer;
  // Each proxy appends the address it got the request from, so the rightmost
  // entry that is not one of ours is the client; anything left of it was
  // written by the client itself and proves nothing.
  std::string_view chosen;
  std::string_view rest = forwarded_for;
  while (true) {
    const auto comma = rest.rfind(',');
    const auto item = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    const auto address = parse_ip(item);
    if (!address) break;  // garbage: keep what we have
    chosen = item;
    if (!trusted(*address) || comma == std::string_view::npos) break;
    rest = rest.substr(0, comma);
  }
  if (chosen.empty()) return peer;
  // "ADDRESS:PORT" like a direct peer, so the login throttle keys it by
  // address; the client's port is not known, 0 says so.
  return std::string(chosen) + ":0";
}

}  // namespace tern::net
