#include "net/ws_factory.hpp"

#include "net/ws_connection.hpp"

#include <boost/beast/websocket/detail/hybi13.hpp>

namespace tern::net {
namespace ws_detail {

std::optional<std::array<std::uint8_t, 16>> peer_ip(const accepted_socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return std::nullopt;
  return parse_ip(ep.address().to_string());
}

upgrade_request fields_of(
    const boost::beast::http::request<boost::beast::http::empty_body>& request) {
  namespace http = boost::beast::http;
  upgrade_request r;
  r.method = request.method_string();
  r.target = request.target();
  r.version = request.version();
  r.upgrade = request[http::field::upgrade];
  r.connection = request[http::field::connection];
  r.ws_version = request[http::field::sec_websocket_version];
  r.ws_key = request[http::field::sec_websocket_key];
  r.protocols = request[http::field::sec_websocket_protocol];
  r.has_origin = request.find(http::field::origin) != request.end();
  r.origin = request[http::field::origin];
  return r;
}

boost::beast::http::response<boost::beast::http::empty_body> switching_protocols(
    const boost::beast::http::request<boost::beast::http::empty_body>& request,
    const std::string& subprotocol) {
  namespace http = boost::beast::http;
  http::response<http::empty_body> res(http::status::switching_protocols, request.version());
  res.set(http::field::server, "tern");
  res.set(http::field::upgrade, "websocket");
  res.set(http::field::connection, "Upgrade");
  boost::beast::websocket::detail::sec_ws_accept_type accept;
  boost::beast::websocket::detail::make_sec_ws_accept(accept,
                                                      request[http::field::sec_websocket_key]);
  res.set(http::field::sec_websocket_accept, std::string_view(accept.data(), accept.size()));
  if (!subprotocol.empty()) res.set(http::field::sec_websocket_protocol, subprotocol);
  return res;
}

void append_control_frame(std::vector<std::uint8_t>& out, std::uint8_t opcode,
                          std::span<const std::uint8_t> payload) {
  std::array<std::uint8_t, 10> header{};
  const std::size_t n = ws_frame_header(opcode, payload.size(), header);
  out.insert(out.end(), header.begin(), header.begin() + static_cast<std::ptrdiff_t>(n));
  out.insert(out.end(), payload.begin(), payload.end());
}

void append_close_frame(std::vector<std::uint8_t>& out, std::uint16_t code) {
  const std::array<std::uint8_t, 2> status{static_cast<std::uint8_t>(code >> 8),
                                           static_cast<std::uint8_t>(code)};
  append_control_frame(out, ws_opcode::close, status);
}

}  // namespace ws_detail

connection_factory make_ws_factory(std::shared_ptr<const ws_policy> policy) {
  return [policy = std::move(policy)](accepted_socket socket, broker::broker& b, unsigned worker,
                                      connection_set& set) -> std::shared_ptr<connection> {
    return std::make_shared<ws_connection<accepted_socket>>(policy, nullptr, b, worker, set,
                                                            std::move(socket));
  };
}

}  // namespace tern::net
