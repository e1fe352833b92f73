#pragma once
// Binding a listening socket, the same for MQTT and HTTP listeners.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

namespace tern::net {

// Opens `acceptor` on ADDRESS:PORT (no address: every address, IPv4 and
// IPv6) and listens. Throws std::system_error naming the address, with
// `what` (e.g. " (http)") after it, when the address is not an IP address
// or the port cannot be bound (e.g. in use).
void open_listener(boost::asio::ip::tcp::acceptor& acceptor, const std::string& address,
                   std::uint16_t port, std::string_view what = {});

}  // namespace tern::net
