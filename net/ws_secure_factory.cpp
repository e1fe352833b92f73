// Secure WebSocket: ws_connection over asio::ssl::stream, built only with
// TLS (TERN_WITH_TLS), like tls_connection.
#include <boost/asio/ssl/stream.hpp>

#include "net/ws_connection.hpp"
#include "net/ws_factory.hpp"
#include "tls/peer_identity.hpp"
#include "tls/server_context.hpp"

namespace tern::net {

connection_factory make_wss_factory(std::shared_ptr<const ws_policy> policy,
                                    std::shared_ptr<tls::server_context> contexts) {
  using secure = ws_connection<boost::asio::ssl::stream<accepted_socket>>;
  return [policy = std::move(policy), contexts = std::move(contexts)](
             accepted_socket socket, broker::broker& b, unsigned worker,
             connection_set& set) -> std::shared_ptr<connection> {
    auto context = contexts->current();
    auto& ctx = *context;
    auto c = std::make_shared<secure>(policy, std::move(context), b, worker, set, std::move(socket),
                                      ctx);
    if (const auto source = contexts->settings().username;
        source != tls::username_source::connect) {
      c->name_from_certificate([source](boost::asio::ssl::stream<accepted_socket>& stream) {
        return tls::username_from(stream.native_handle(), source);
      });
    }
    return c;
  };
}

}  // namespace tern::net
