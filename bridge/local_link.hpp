#pragma once
// The bridge's connection to our own broker, in process: a client_transport
// (as net/tcp_connection is) whose "socket" is the bridge's local client
// engine. Bytes go both ways through client_handler like any client's, so
// the bridge's local session gets every rule a network client gets:
// persistence, inflight windows, queues, acknowledgements after commit.
//
// Handing over is batched like TCP writes: output_ready() only posts one
// call to `on_output` on the worker, which takes everything the handler
// produced by then.
//
// Thread: its bridge's worker only. Posted closures hold a shared_ptr.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "session/client_handler.hpp"
#include "session/client_transport.hpp"

namespace tern::broker {
class broker;
}

namespace tern::bridge {

class local_link final : public broker::client_transport {
 public:
  // `on_output` runs on the worker when the broker has bytes for the bridge
  // or the link closed.
  local_link(broker::broker& b, unsigned worker, std::string name, std::function<void()> on_output);
  ~local_link() override;

  // Bytes from the bridge's engine to the broker; held while the broker
  // reads no input (CONNECT being decided, publishers held back).
  void send(std::span<const std::uint8_t> bytes);
  // Bytes from the broker to the bridge's engine.
  void take_output(std::vector<std::uint8_t>& out);
  // The bridge is done with it; the broker sees the connection close.
  void close();
  bool closed() const noexcept { return closed_; }
  // Input the broker has not taken yet: the bridge stops reading the
  // remote while this is large.
  std::size_t held_input() const noexcept { return held_.size(); }

  void output_ready() override;
  void resume_input() override { output_ready(); }
  void close_after_output() override;
  std::size_t pending_output_bytes() const noexcept override { return 0; }
  broker::client_handler& handler() noexcept override { return *handler_; }
  unsigned worker() const noexcept override { return worker_; }
  const std::string& remote_address() const noexcept override { return name_; }

 private:
  void feed();

  broker::broker& broker_;
  unsigned worker_;
  std::string name_;
  std::function<void()> on_output_;
  std::shared_ptr<broker::client_handler> handler_;
  std::vector<std::uint8_t> held_;
  bool posted_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

}  // namespace tern::bridge
