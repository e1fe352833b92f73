#pragma once
// Spreads a busy connection's QoS 0 output over fewer writes.
//
// A send() on loopback or a LAN costs a few microseconds of kernel time
// whatever it carries: in fan-out (one publisher, 50 subscribers) two
// thirds of the broker's CPU went to sendto, with each read of the
// publisher producing one small write per subscriber. So a connection that
// wrote less than `window` ago holds QoS 0 output here until its worker's
// next flush, at most `window` later: a busy subscriber gets at most one
// write per window, carrying everything since. A quiet connection is still
// written at once, and so is urgent output (CONNACK, acknowledgements,
// QoS 1/2 messages, whose windows pace the traffic). Like Nagle's
// algorithm, but bounded in time rather than waiting for the peer's ACK.
//
// Thread: one per worker, used by that worker only.

#include <chrono>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace tern::net {

class tcp_connection;

class write_coalescer {
 public:
  // The longest a QoS 0 message waits for company: well under a network
  // round trip to a device, and below mosquitto's own Nagle delays.
  static constexpr std::chrono::milliseconds window{5};

  explicit write_coalescer(boost::asio::io_context& io) : timer_(io) {}

  // Writes `c`'s output at the next flush, which is at `due` (when its
  // window ends) or earlier; call once until then.
  void hold(std::shared_ptr<tcp_connection> c, std::chrono::steady_clock::time_point due);

 private:
  void flush(const boost::system::error_code& ec);

  boost::asio::steady_timer timer_;
  std::vector<std::shared_ptr<tcp_connection>> held_;
  std::vector<std::shared_ptr<tcp_connection>> flushing_;  // kept for its capacity
};

}  // namespace tern::net
