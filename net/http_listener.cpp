#include "net/http_listener.hpp"

#include <system_error>

#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/http_session.hpp"
#include "net/open_listener.hpp"

namespace tern::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct http_listener::state {
  explicit state(asio::io_context& ctx) : acceptor(ctx) {}
  tcp::acceptor acceptor;
  std::shared_ptr<const http_service> service;
  std::shared_ptr<std::atomic<bool>> stopping = std::make_shared<std::atomic<bool>>(false);
};

http_listener::http_listener(io_workers& workers, const std::string& address, std::uint16_t port,
                             http_service service)
    : workers_(workers), state_(std::make_shared<state>(workers.context(0))) {
  state_->service = std::make_shared<const http_service>(std::move(service));
  open_listener(state_->acceptor, address, port, " (http)");
}

http_listener::~http_listener() {
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
}

std::uint16_t http_listener::port() const {
  boost::system::error_code ec;
  return state_->acceptor.local_endpoint(ec).port();
}

void http_listener::start() {
  const auto ep = state_->acceptor.local_endpoint();
  spdlog::info("listening on {}:{} (http)", ep.address().to_string(), ep.port());
  do_accept();
}

void http_listener::stop() {
  state_->stopping->store(true, std::memory_order_relaxed);
  workers_.post(0, [s = state_] {
    boost::system::error_code ignored;
    s->acceptor.close(ignored);
  });
}

void http_listener::do_accept() {
  const unsigned worker = workers_.next_for_connection();
  state_->acceptor.async_accept(
      workers_.context(worker),
      [this, s = state_, worker](const boost::system::error_code& ec, accepted_socket socket) {
        if (ec == asio::error::operation_aborted || s->stopping->load()) return;
        if (ec) {
          // Out of file descriptors, typically: pause rather than spin.
          spdlog::warn("http accept failed: {}; retrying in 100 ms", ec.message());
          auto pause = std::make_shared<asio::steady_timer>(workers_.context(0),
                                                            std::chrono::milliseconds(100));
          pause->async_wait([this, s, pause](const boost::system::error_code& wait_ec) {
            if (!wait_ec && s->acceptor.is_open()) do_accept();
          });
          return;
        }
        // The socket is bound to its worker's context: the session runs there.
        auto moved = std::make_shared<accepted_socket>(std::move(socket));
        workers_.post(
            worker, [s, moved] { start_http_session(std::move(*moved), s->service, s->stopping); });
        do_accept();
      });
}

}  // namespace tern::net
