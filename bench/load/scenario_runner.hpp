#pragma once
// Runs one scenario against one broker and measures it.
//
// Phases, all on one io_context thread:
//   connect  every client connects (at most `connect_concurrency` handshakes
//            at a time) and subscribers subscribe;
//   load     publishers send for `duration_s` seconds, unpaced (window) or
//            paced by a 1 ms tick to a total `rate`;
//   drain    publishers stop; wait until every acknowledged (QoS 0: sent)
//            message has reached every matching subscriber, or until
//            `drain_s` passes (QoS 0: or nothing arrived for 0.5 s);
//   finish   read the broker's CPU time again, compute loss, disconnect.
// The idle scenario only connects, then reads the broker's RSS.
//
// Broker CPU is read from /proc around load + drain, so it covers exactly
// the work of delivering the counted messages (connection set-up excluded).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/load/bench_client.hpp"
#include "bench/load/publisher.hpp"
#include "bench/load/run_report.hpp"
#include "bench/load/subscriber.hpp"

namespace tern::bench {

enum class topology {
  pairs,   // N publishers, N subscribers, one topic per pair
  fanin,   // N publishers on N topics, one subscriber on a wildcard
  fanout,  // one publisher, N subscribers on its topic
  idle,    // N clients that connect and do nothing
};

struct scenario_spec {
  std::string name;
  topology shape = topology::pairs;
  std::uint32_t clients = 50;  // pairs, publishers, subscribers or connections
  mqtt::qos qos = mqtt::qos::at_least_once;
  double rate = 0;  // total msg/s over all publishers; 0 = unpaced
  std::uint32_t window = 16;
  std::size_t payload = 64;
  double duration_s = 10;
  double drain_s = 10;
  mqtt::protocol_version version = mqtt::protocol_version::v3_1_1;
  long broker_pid = 0;  // 0: do not read the broker's CPU and memory
  std::uint32_t connect_concurrency = 200;
  bool persistent = false;  // sessions outlive connections (clean start 0)
  bool tls = false;         // MQTT over TLS (the broker's certificate is not checked)
};

class scenario_runner final : public client_observer {
 public:
  scenario_runner(scenario_spec spec, boost::asio::ip::tcp::endpoint broker);
  run_report run();

 private:
  enum class phase { connecting, loading, draining, settling, done };

  void client_ready(bench_client& c) override;
  void client_failed(bench_client& c) override;

  void build_clients();
  void connect_next();
  void on_all_connected();
  void start_load();
  void on_tick();
  void stop_publishing();
  void check_drain();
  void finish(bool drained);
  void finish_idle();
  void shut_down();
  void note_error(const std::string& e);

  boost::asio::io_context io_;
  scenario_spec spec_;
  boost::asio::ip::tcp::endpoint broker_;
  boost::asio::ssl::context tls_{boost::asio::ssl::context::tls_client};  // used if spec_.tls
  phase phase_ = phase::connecting;
  delivery_log log_;
  std::vector<std::unique_ptr<publisher>> publishers_;
  std::vector<std::unique_ptr<subscriber>> subscribers_;
  std::vector<std::unique_ptr<bench_client>> idle_;
  std::vector<bench_client*> all_;
  std::size_t next_to_start_ = 0;
  std::size_t connecting_ = 0;
  std::size_t settled_ = 0;
  boost::asio::steady_timer tick_;
  boost::asio::steady_timer deadline_;
  boost::asio::steady_timer poll_;
  std::chrono::steady_clock::time_point next_tick_;
  std::uint64_t connect_start_ns_ = 0;
  std::uint64_t t0_ns_ = 0;
  std::uint64_t drain_start_ns_ = 0;
  double broker_cpu_before_ = -1;
  double own_cpu_before_ = 0;
  run_report report_;
};

}  // namespace tern::bench
