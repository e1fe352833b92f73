#pragma once
// `log_dest topic`, as mosquitto: log lines published to
// $SYS/broker/log/{E,W,N} (error, warning, notice and information; debug is
// not published, as in mosquitto), QoS 2, expiring after 20 s, payload
// "SECONDS: LINE".
//
// A line may be logged on any thread, holding any lock, so the sink only
// queues it (bounded: a subscriber cannot make the log eat memory) and asks
// for a drain; drain() publishes on a worker, where routing may run.
//
// Thread: the sink from any thread; attach() and drain() from one.

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

#include <spdlog/sinks/base_sink.h>

namespace tern::app {

struct log_publication {
  std::string topic;
  std::string payload;
};

class topic_log_sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  static constexpr std::size_t max_queued = 1000;

  // `wake` is called (from the logging thread) when lines wait and no drain
  // is asked for yet; it must only schedule drain(). Empty: lines are kept
  // (up to max_queued) until one is attached.
  void attach(std::function<void()> wake);
  // Hands every queued line to `publish`, oldest first.
  void drain(const std::function<void(log_publication&&)>& publish);
  // Lines dropped at the bound since start.
  std::uint64_t dropped();

 private:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

  std::deque<log_publication> queued_;
  std::function<void()> wake_;
  bool drain_asked_ = false;
  std::uint64_t dropped_ = 0;
};

}  // namespace tern::app
