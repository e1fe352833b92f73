#pragma once
// What the session layer needs from one client's network connection.
// Implemented in net/ (TCP, TLS, WebSocket); called on the connection's
// worker thread only.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace tern::broker {

class client_handler;

class client_transport : public std::enable_shared_from_this<client_transport> {
 public:
  virtual ~client_transport() = default;
  // The handler gained output: write it soon (batched with whatever else
  // this worker produces before it next waits for I/O).
  virtual void output_ready() = 0;
  // Input was paused (client_handler::wants_input() was false): read again.
  virtual void resume_input() = 0;
  // Close the connection once pending output is written.
  virtual void close_after_output() = 0;
  // Bytes encoded but not yet written to the socket (backpressure).
  virtual std::size_t pending_output_bytes() const noexcept = 0;
  virtual client_handler& handler() noexcept = 0;
  virtual unsigned worker() const noexcept = 0;
  virtual const std::string& remote_address() const noexcept = 0;
  // TLS listeners with use_identity_as_username / use_subject_as_username:
  // the user name the client's certificate (or PSK identity) gives. As in
  // mosquitto it replaces CONNECT's user name, and no password is checked;
  // empty when the client presented none (refused). nullopt: the user name
  // comes from CONNECT.
  virtual std::optional<std::string> tls_username() const { return std::nullopt; }
};

}  // namespace tern::broker
