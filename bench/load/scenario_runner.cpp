#include "bench/load/scenario_runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>

#include "bench/load/proc_stats.hpp"

namespace tern::bench {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t max_reported_errors = 8;
constexpr auto connect_timeout = 120s;
constexpr auto tick_period = 1ms;
constexpr auto drain_poll = 5ms;
// QoS 0 drain ends once nothing has arrived for this long.
constexpr std::uint64_t quiet_ns = 500'000'000;

double seconds_between(std::uint64_t from_ns, std::uint64_t to_ns) {
  return static_cast<double>(to_ns - from_ns) / 1e9;
}

// A client that connects and then only answers the broker.
class idle_client final : public bench_client {
 public:
  using bench_client::bench_client;

 private:
  void on_publish(mqtt::publish&, std::uint64_t) override {}
  void on_packet(mqtt::packet&) override {}
};

}  // namespace

scenario_runner::scenario_runner(scenario_spec spec, asio::ip::tcp::endpoint broker)
    : spec_(std::move(spec)), broker_(std::move(broker)), tick_(io_), deadline_(io_), poll_(io_) {}

run_report scenario_runner::run() {
  report_.scenario = spec_.name;
  report_.protocol = static_cast<int>(spec_.version);
  report_.qos = static_cast<int>(spec_.qos);
  report_.window = spec_.window;
  report_.rate = spec_.rate;
  report_.payload = spec_.payload;
  report_.duration_s = spec_.duration_s;
  report_.broker_pid = spec_.broker_pid;
  build_clients();
  report_.publishers = static_cast<std::uint32_t>(publishers_.size());
  report_.subscribers = static_cast<std::uint32_t>(subscribers_.size());
  report_.connections = static_cast<std::uint32_t>(all_.size());

  if (spec_.broker_pid != 0) {
    report_.rss_before_kib = process_rss_kib(spec_.broker_pid);
    broker_cpu_before_ = process_cpu_seconds(spec_.broker_pid);
  }
  connect_start_ns_ = now_ns();
  deadline_.expires_after(connect_timeout);
  deadline_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || phase_ != phase::connecting) return;
    note_error("timed out connecting: " + std::to_string(settled_) + " of " +
               std::to_string(all_.size()) + " clients settled");
    shut_down();
  });
  connect_next();
  io_.run();
  return std::move(report_);
}

void scenario_runner::build_clients() {
  const auto client = [&](std::string id) {
    client_options o;
    o.client_id = "bench-" + spec_.name + "-" + std::move(id);
    o.version = spec_.version;
    o.keep_alive = 600;
    o.persistent = spec_.persistent;
    if (spec_.tls) o.tls = &tls_;
    if (spec_.shape == topology::idle) o.read_buffer = 256;
    return o;
  };
  const bool paced = spec_.rate > 0;
  const auto add_publisher = [&](std::uint32_t i, std::string topic) {
    publish_plan plan{std::move(topic), spec_.qos, spec_.payload, spec_.window, paced};
    publishers_.push_back(
        std::make_unique<publisher>(io_, client("pub-" + std::to_string(i)), *this, i, plan));
  };
  const auto add_subscriber = [&](std::uint32_t i, std::string filter, std::uint32_t first,
                                  std::uint32_t count) {
    subscribe_plan plan{std::move(filter), spec_.qos, first, count};
    subscribers_.push_back(
        std::make_unique<subscriber>(io_, client("sub-" + std::to_string(i)), *this, plan, log_));
  };
  const std::uint32_t n = spec_.clients;
  // Under the run's name, so that generators sharing one broker (bench/soak.py)
  // never receive each other's messages.
  const std::string root = "bench/" + spec_.name + "/";
  switch (spec_.shape) {
    case topology::pairs:
      for (std::uint32_t i = 0; i < n; ++i) {
        add_subscriber(i, root + std::to_string(i), i, 1);
        add_publisher(i, root + std::to_string(i));
      }
      break;
    case topology::fanin:
      add_subscriber(0, root + "+", 0, n);
      for (std::uint32_t i = 0; i < n; ++i)
        add_publisher(i, root + std::to_string(i));
      break;
    case topology::fanout:
      for (std::uint32_t i = 0; i < n; ++i)
        add_subscriber(i, root + "all", 0, 1);
      add_publisher(0, root + "all");
      break;
    case topology::idle:
      for (std::uint32_t i = 0; i < n; ++i)
        idle_.push_back(std::make_unique<idle_client>(io_, client(std::to_string(i)), *this));
      break;
  }
  for (auto& s : subscribers_)
    all_.push_back(s.get());
  for (auto& p : publishers_)
    all_.push_back(p.get());
  for (auto& c : idle_)
    all_.push_back(c.get());
}

void scenario_runner::connect_next() {
  while (connecting_ < spec_.connect_concurrency && next_to_start_ < all_.size()) {
    ++connecting_;
    all_[next_to_start_++]->start(broker_);
  }
  if (settled_ == all_.size() && phase_ == phase::connecting) on_all_connected();
}

void scenario_runner::client_ready(bench_client&) {
  --connecting_;
  ++settled_;
  connect_next();
}

void scenario_runner::client_failed(bench_client& c) {
  ++report_.client_failures;
  note_error(c.error());
  if (phase_ != phase::connecting || c.ready()) return;
  --connecting_;
  ++settled_;
  connect_next();
}

void scenario_runner::note_error(const std::string& e) {
  if (report_.errors.size() < max_reported_errors) report_.errors.push_back(e);
}

void scenario_runner::on_all_connected() {
  deadline_.cancel();
  report_.connect_s = seconds_between(connect_start_ns_, now_ns());
  if (spec_.shape == topology::idle) {
    phase_ = phase::settling;
    // Let the broker finish what it does after CONNACK before reading RSS.
    poll_.expires_after(500ms);
    poll_.async_wait([this](const boost::system::error_code&) { finish_idle(); });
    return;
  }
  if (report_.client_failures != 0) {
    note_error("not all clients could connect and subscribe; no load was sent");
    return shut_down();
  }
  start_load();
}

void scenario_runner::finish_idle() {
  if (spec_.broker_pid != 0) {
    report_.rss_after_kib = process_rss_kib(spec_.broker_pid);
    const double cpu = process_cpu_seconds(spec_.broker_pid);
    if (cpu >= 0 && broker_cpu_before_ >= 0) report_.broker_cpu_s = cpu - broker_cpu_before_;
  }
  report_.connections = static_cast<std::uint32_t>(
      std::count_if(all_.begin(), all_.end(), [](bench_client* c) { return c->ready(); }));
  report_.drained = true;
  shut_down();
}

void scenario_runner::start_load() {
  phase_ = phase::loading;
  if (spec_.broker_pid != 0) broker_cpu_before_ = process_cpu_seconds(spec_.broker_pid);
  own_cpu_before_ = own_cpu_seconds();
  t0_ns_ = now_ns();
  log_.start(t0_ns_, static_cast<std::uint64_t>(spec_.duration_s * 1e9));
  for (auto& p : publishers_)
    p->begin();
  if (spec_.rate > 0) {
    next_tick_ = std::chrono::steady_clock::now() + tick_period;
    tick_.expires_at(next_tick_);
    tick_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) on_tick();
    });
  }
  deadline_.expires_after(
      std::chrono::nanoseconds(static_cast<std::int64_t>(spec_.duration_s * 1e9)));
  deadline_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) stop_publishing();
  });
}

void scenario_runner::on_tick() {
  if (phase_ != phase::loading) return;
  const double elapsed = seconds_between(t0_ns_, now_ns());
  const double per_publisher = spec_.rate / static_cast<double>(publishers_.size());
  const auto target = static_cast<std::uint64_t>(std::floor(per_publisher * elapsed));
  for (auto& p : publishers_)
    p->send_up_to(target);
  // Keep the schedule, but do not try to catch up on ticks a busy CPU
  // swallowed: send_up_to() already sends everything owed.
  const auto now = std::chrono::steady_clock::now();
  next_tick_ = std::max(next_tick_ + tick_period, now);
  tick_.expires_at(next_tick_);
  tick_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) on_tick();
  });
}

void scenario_runner::stop_publishing() {
  phase_ = phase::draining;
  tick_.cancel();
  for (auto& p : publishers_)
    p->stop();
  drain_start_ns_ = now_ns();
  check_drain();
}

void scenario_runner::check_drain() {
  if (phase_ != phase::draining) return;
  std::uint64_t inflight = 0;
  for (auto& p : publishers_)
    inflight += p->inflight();
  std::uint64_t expected = 0;
  for (auto& s : subscribers_) {
    const auto& plan = s->plan();
    for (std::uint32_t i = plan.first_publisher; i < plan.first_publisher + plan.publisher_count;
         ++i) {
      const publisher& p = *publishers_[i];
      expected += spec_.qos == mqtt::qos::at_most_once ? p.sent() : p.acked();
    }
  }
  const std::uint64_t now = now_ns();
  const bool complete = inflight == 0 && log_.total() >= expected;
  const bool quiet = spec_.qos == mqtt::qos::at_most_once &&
                     now - std::max(log_.last_ns(), drain_start_ns_) > quiet_ns;
  if (complete || quiet || seconds_between(drain_start_ns_, now) > spec_.drain_s)
    return finish(complete);
  poll_.expires_after(drain_poll);
  poll_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) check_drain();
  });
}

void scenario_runner::finish(bool drained) {
  phase_ = phase::done;
  const std::uint64_t end = now_ns();
  if (spec_.broker_pid != 0) {
    const double cpu = process_cpu_seconds(spec_.broker_pid);
    if (cpu >= 0 && broker_cpu_before_ >= 0) report_.broker_cpu_s = cpu - broker_cpu_before_;
  }
  report_.generator_cpu_s = own_cpu_seconds() - own_cpu_before_;
  report_.drained = drained;
  report_.drain_s = seconds_between(drain_start_ns_, end);

  const bool qos0 = spec_.qos == mqtt::qos::at_most_once;
  for (auto& p : publishers_) {
    report_.sent += p->sent();
    report_.acked += p->acked();
    report_.rejected += p->rejected();
    report_.unacked += p->inflight();
    report_.unexpected_acks += p->unexpected_acks();
  }
  std::uint64_t foreign = 0;
  for (auto& s : subscribers_) {
    const auto& plan = s->plan();
    for (std::uint32_t i = plan.first_publisher; i < plan.first_publisher + plan.publisher_count;
         ++i) {
      const publisher& p = *publishers_[i];
      const seq_set& got = s->received_from(i);
      if (qos0) {
        report_.expected += p.sent();
        report_.lost += p.sent() - got.count();
      } else {
        report_.expected += p.acked();
        report_.lost += p.acked_set().missing_from(got);
      }
    }
    report_.delivered += s->delivered();
    report_.duplicates += s->duplicates();
    report_.out_of_order += s->out_of_order();
    foreign += s->foreign();
  }
  if (foreign != 0) note_error(std::to_string(foreign) + " messages from unexpected publishers");
  report_.delivered_in_window = log_.in_window();
  report_.per_second = log_.per_second();
  report_.latency = summarize(log_.latencies());
  shut_down();
}

void scenario_runner::shut_down() {
  phase_ = phase::done;
  tick_.cancel();
  deadline_.cancel();
  for (bench_client* c : all_)
    c->disconnect();
  // Give the DISCONNECTs a moment to go out, then close whatever is left.
  poll_.expires_after(300ms);
  poll_.async_wait([this](const boost::system::error_code&) {
    for (bench_client* c : all_)
      c->close();
    io_.stop();
  });
}

}  // namespace tern::bench
