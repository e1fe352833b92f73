#pragma once
// The $SYS tree, with mosquitto's topic names so existing dashboards work.
//
// publish() is called every sys_interval seconds (from any one thread) and
// publishes each figure as a retained QoS 0 message. Load figures are
// exponentially decaying averages per minute over 1, 5 and 15 minutes,
// like mosquitto's $SYS/broker/load/... topics.

#include <array>
#include <chrono>
#include <cstdint>
#include <string>

namespace tern::broker {

class broker;

class sys_topics {
 public:
  explicit sys_topics(broker& b);
  void publish(std::chrono::steady_clock::time_point now);

 private:
  struct load {
    std::uint64_t last_total = 0;
    std::array<double, 3> average{};  // 1, 5, 15 minutes
  };
  void publish_value(const std::string& topic, const std::string& value);
  void publish_load(const std::string& name, load& l, std::uint64_t total, double interval_s);

  broker& broker_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_;
  load messages_received_, messages_sent_, publish_received_, publish_sent_, bytes_received_,
      bytes_sent_;
};

}  // namespace tern::broker
