// tern_loadgen: MQTT load generator for comparing brokers.
//
//   tern_loadgen --port 1883 --scenario pairs-qos1 --duration 10 --broker-pid PID
//
// Runs one scenario against the broker at --host:--port and prints one JSON
// line with the results (see run_report.hpp and bench/README.md). With
// --broker-pid it also reads the broker's CPU time and RSS from /proc.
//
// One thread: on the 2-core machines this is written for, the broker needs
// the other core more than the generator needs a second one.
#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>

#include "bench/load/proc_stats.hpp"
#include "bench/load/scenario_runner.hpp"

namespace {

using tern::bench::scenario_spec;
using tern::bench::topology;
using tern::mqtt::qos;

// The named scenarios of bench/compare.py; the plain shapes (pairs, fanin,
// fanout, idle) take everything from the options.
const std::map<std::string, scenario_spec>& presets() {
  static const std::map<std::string, scenario_spec> table = [] {
    std::map<std::string, scenario_spec> t;
    auto add = [&](std::string name, topology shape, std::uint32_t clients, qos q, double rate) {
      scenario_spec s;
      s.name = name;
      s.shape = shape;
      s.clients = clients;
      s.qos = q;
      s.rate = rate;
      t.emplace(std::move(name), s);
    };
    add("pairs-qos1", topology::pairs, 50, qos::at_least_once, 0);
    add("pairs-qos2", topology::pairs, 50, qos::exactly_once, 0);
    add("fanin-qos1", topology::fanin, 4, qos::at_least_once, 0);
    add("fanin-qos0-rate", topology::fanin, 4, qos::at_most_once, 100'000);
    add("fanout-qos0-rate", topology::fanout, 50, qos::at_most_once, 2'000);
    add("idle-10k", topology::idle, 10'000, qos::at_most_once, 0);
    add("pairs", topology::pairs, 50, qos::at_least_once, 0);
    add("fanin", topology::fanin, 4, qos::at_least_once, 0);
    add("fanout", topology::fanout, 50, qos::at_most_once, 0);
    add("idle", topology::idle, 1'000, qos::at_most_once, 0);
    return t;
  }();
  return table;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"tern_loadgen: MQTT load generator; prints one JSON line of results"};
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string scenario_name = "pairs-qos1";
  double duration = 10;
  double drain = 10;
  int clients = -1;
  double rate = -1;
  int qos_level = -1;
  int window = 16;
  std::size_t payload = 64;
  int protocol = 4;
  long broker_pid = 0;
  int concurrency = 200;
  bool persistent = false;
  bool tls = false;
  std::string run_name;

  std::vector<std::string> names;
  for (const auto& [name, spec] : presets())
    names.push_back(name);
  cli.add_option("--host", host, "broker address (IPv4 or IPv6 literal)");
  cli.add_option("--port", port, "broker port")->check(CLI::Range(1, 65535));
  cli.add_option("--scenario", scenario_name, "what to run")->check(CLI::IsMember(names));
  cli.add_option("--duration", duration, "seconds of load (not for idle)")
      ->check(CLI::Range(0.1, 500.0));
  cli.add_option("--drain", drain, "seconds to wait for outstanding deliveries after the load")
      ->check(CLI::Range(0.0, 60.0));
  cli.add_option("--clients", clients,
                 "pairs: pairs; fanin: publishers; fanout: subscribers; idle: connections "
                 "(default: the scenario's)")
      ->check(CLI::Range(1, 100'000));
  cli.add_option("--rate", rate, "total publish rate in msg/s, 0 = as fast as the window allows")
      ->check(CLI::Range(0.0, 10'000'000.0));
  cli.add_option("--qos", qos_level, "QoS of publications and subscriptions")
      ->check(CLI::Range(0, 2));
  cli.add_option("--window", window,
                 "unacknowledged QoS 1/2 messages per publisher (QoS 0: messages per write)")
      ->check(CLI::Range(1, 65535));
  cli.add_option("--payload", payload, "payload bytes (at least 20: send time, sequence, index)")
      ->check(CLI::Range(20, 16 << 20));
  cli.add_option("--protocol", protocol, "MQTT protocol level: 4 (3.1.1) or 5")
      ->check(CLI::IsMember({4, 5}));
  cli.add_option("--broker-pid", broker_pid, "read this process's CPU time and RSS from /proc");
  cli.add_option("--connect-concurrency", concurrency, "handshakes in progress at once")
      ->check(CLI::Range(1, 10'000));
  cli.add_flag("--persistent", persistent,
               "persistent sessions (clean start 0): the broker stores what it queues");
  cli.add_option("--name", run_name,
                 "the run's name in its report and client ids (default: the scenario's); "
                 "generators sharing a broker need different names");
  cli.add_flag("--tls", tls, "MQTT over TLS (the broker's certificate is not checked)");
  CLI11_PARSE(cli, argc, argv);

  scenario_spec spec = presets().at(scenario_name);
  if (!run_name.empty()) spec.name = run_name;
  spec.duration_s = duration;
  spec.drain_s = drain;
  if (clients > 0) spec.clients = static_cast<std::uint32_t>(clients);
  if (rate >= 0) spec.rate = rate;
  if (qos_level >= 0) spec.qos = static_cast<qos>(qos_level);
  spec.window = static_cast<std::uint32_t>(window);
  spec.payload = payload;
  spec.version = static_cast<tern::mqtt::protocol_version>(protocol);
  spec.broker_pid = broker_pid;
  spec.connect_concurrency = static_cast<std::uint32_t>(concurrency);
  spec.persistent = persistent;
  spec.tls = tls;

  const long files = tern::bench::raise_file_limit();
  if (spec.shape == topology::idle && files >= 0 && static_cast<long>(spec.clients) + 64 > files) {
    std::cerr << "tern_loadgen: " << spec.clients << " connections need more than the " << files
              << " open files allowed; raise the hard limit (ulimit -Hn)\n";
    return 2;
  }
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec) {
    std::cerr << "tern_loadgen: --host " << host << " is not an IP address\n";
    return 2;
  }
  tern::bench::scenario_runner runner(spec, {address, static_cast<unsigned short>(port)});
  const tern::bench::run_report report = runner.run();
  std::cout << report.to_json() << std::endl;
  return 0;
}
