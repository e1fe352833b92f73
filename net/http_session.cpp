#include "net/http_session.hpp"

#include <optional>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace tern::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using stream_type = beast::basic_stream<asio::ip::tcp, asio::io_context::executor_type>;

// A request (headers and body) larger than this is refused: every route is a
// GET without a body.
constexpr std::size_t request_limit = 16 * 1024;
constexpr auto idle_timeout = std::chrono::seconds(30);

std::string path_of(std::string_view target) {
  return std::string(target.substr(0, target.find('?')));
}

// One `data:` line per line of text, then the blank line that ends the event.
std::string sse_event(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  std::size_t start = 0;
  for (;;) {
    const auto end = text.find('\n', start);
    out += "data: ";
    out += text.substr(start, end == std::string_view::npos ? end : end - start);
    out += '\n';
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  out += '\n';
  return out;
}

class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(accepted_socket socket, std::shared_ptr<const http_service> service,
               std::shared_ptr<const std::atomic<bool>> stopping)
      : stream_(std::move(socket)),
        service_(std::move(service)),
        stopping_(std::move(stopping)),
        timer_(stream_.get_executor()) {}

  void start() {
    boost::system::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = peer.address().to_string() + ":" + std::to_string(peer.port());
    do_read();
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(request_limit);
    parser_->body_limit(request_limit);
    stream_.expires_after(idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(const boost::system::error_code& ec) {
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      keep_alive_ = false;
      do_write({413, "text/plain; charset=utf-8", "request too large\n", {}});
      return;
    }
    if (ec) return close();
    const auto& req = parser_->get();
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    http_request r{std::string(req.method_string()), std::string(req.target()),
                   std::string(req[http::field::authorization]), remote_};
    if (stopping_->load(std::memory_order_relaxed)) {
      keep_alive_ = false;
      return do_write({503, "text/plain; charset=utf-8", "shutting down\n", {}});
    }
    if (service_->authorize && !service_->authorize(r)) {
      return do_write({401,
                       "text/plain; charset=utf-8",
                       "authentication required\n",
                       {{"WWW-Authenticate", "Basic realm=\"" + service_->realm + "\""}}});
    }
    if (!service_->events_path.empty() && req.method() == http::verb::get &&
        path_of(r.target) == service_->events_path) {
      return start_events();
    }
    do_write(service_->handle(r));
  }

  void do_write(http_reply reply) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.status), version_);
    res->set(http::field::server, "tern");
    res->set(http::field::content_type, reply.content_type);
    for (auto& [name, value] : reply.headers)
      res->set(name, value);
    res->keep_alive(keep_alive_);
    res->body() = std::move(reply.body);
    res->prepare_payload();
    stream_.expires_after(idle_timeout);
    http::async_write(
        stream_, *res,
        [self = shared_from_this(), res](const boost::system::error_code& ec, std::size_t) {
          if (ec || !res->keep_alive()) return self->close();
          self->do_read();
        });
  }

  // The response head once, then one event per period. No length and no
  // chunking: the body is the rest of the connection (HTTP/1.1 allows it
  // for responses), which is how EventSource reads it anyway.
  void start_events() {
    stream_.expires_never();
    send_event(
        "HTTP/1.1 200 OK\r\nServer: tern\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\nConnection: close\r\n\r\n");
  }

  void send_event(std::string head) {
    if (stopping_->load(std::memory_order_relaxed)) return close();
    auto out = std::make_shared<std::string>(std::move(head));
    *out += sse_event(service_->next_event());
    asio::async_write(
        stream_.socket(), asio::buffer(*out),
        [self = shared_from_this(), out](const boost::system::error_code& ec, std::size_t) {
          if (ec) return self->close();
          self->timer_.expires_after(self->service_->event_period);
          self->timer_.async_wait([self](const boost::system::error_code& wait_ec) {
            if (!wait_ec) self->send_event({});
          });
        });
  }

  void close() {
    boost::system::error_code ignored;
    timer_.cancel();
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  stream_type stream_;
  std::shared_ptr<const http_service> service_;
  std::shared_ptr<const std::atomic<bool>> stopping_;
  asio::basic_waitable_timer<std::chrono::steady_clock,
                             asio::wait_traits<std::chrono::steady_clock>,
                             asio::io_context::executor_type>
      timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
};

}  // namespace

void start_http_session(accepted_socket socket, std::shared_ptr<const http_service> service,
                        std::shared_ptr<const std::atomic<bool>> stopping) {
  std::make_shared<http_session>(std::move(socket), std::move(service), std::move(stopping))
      ->start();
}

}  // namespace tern::net
