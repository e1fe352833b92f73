#pragma once
// An HTTP/1.1 listener (Boost.Beast) for operators: metrics, health and the
// status page, served beside the MQTT listeners on the same workers. It is
// not an MQTT transport: its connections never reach the broker core, only
// the http_service app/ gives it.
//
// Thread: constructed and started on the main thread before the workers
// run; stop() from any thread (it posts to the workers). Each accepted
// connection lives on one worker, chosen in turn.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "net/http_service.hpp"
#include "net/io_workers.hpp"

namespace tern::net {

class http_listener {
 public:
  // Binds `address:port` (empty address: every address; port 0: a free
  // one). Throws std::system_error naming the address when it cannot.
  http_listener(io_workers& workers, const std::string& address, std::uint16_t port,
                http_service service);
  ~http_listener();
  http_listener(const http_listener&) = delete;
  http_listener& operator=(const http_listener&) = delete;

  // Starts accepting (the workers may or may not run yet).
  void start();
  // Stops accepting; event streams end at their next event.
  void stop();
  std::uint16_t port() const;

 private:
  struct state;
  void do_accept();

  io_workers& workers_;
  std::shared_ptr<state> state_;
};

}  // namespace tern::net
