#include "net/open_listener.hpp"

#include <system_error>

#include <boost/asio/ip/v6_only.hpp>

namespace tern::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

void open_listener(tcp::acceptor& acceptor, const std::string& address, std::uint16_t port,
                   std::string_view what) {
  boost::system::error_code ec;
  const auto ip = address.empty() ? asio::ip::address(asio::ip::address_v6::any())
                                  : asio::ip::make_address(address, ec);
  if (ec) throw std::system_error(ec, "listener address '" + address + "' is not an IP address");
  const tcp::endpoint endpoint(ip, port);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  if (ip.is_v6()) acceptor.set_option(asio::ip::v6_only(false), ec);  // dual stack
  acceptor.bind(endpoint, ec);
  if (ec) {
    throw std::system_error(ec, "cannot listen on " +
                                    (address.empty() ? std::string("*") : address) + ":" +
                                    std::to_string(port) + std::string(what));
  }
  acceptor.listen(asio::socket_base::max_listen_connections);
}

}  // namespace tern::net
