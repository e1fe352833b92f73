#pragma once
// The `topic` lines of one bridge: which filters to subscribe to on each
// side and how a topic is renamed as it crosses (mosquitto's prefixes: the
// local prefix is taken off and the remote one put on, or back).
//
// Immutable after construction; any thread may use it.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bridge/bridge_options.hpp"

namespace tern::bridge {

class topic_map {
 public:
  explicit topic_map(std::vector<topic_rule> rules) : rules_(std::move(rules)) {}

  struct filter {
    std::string topic_filter;
    mqtt::qos qos;
  };
  // What the bridge subscribes to at home (messages going out) and at the
  // remote broker (messages coming in).
  std::vector<filter> local_filters() const { return filters(direction::out); }
  std::vector<filter> remote_filters() const { return filters(direction::in); }

  // The remote topic for a local message, from the first `out`/`both` rule
  // that matches it; empty when none does.
  std::optional<std::string> to_remote(std::string_view local_topic) const;
  // The local topic for a remote message (`in`/`both` rules).
  std::optional<std::string> to_local(std::string_view remote_topic) const;

 private:
  std::vector<filter> filters(direction wanted) const;
  std::optional<std::string> map(std::string_view topic, direction wanted, bool outbound) const;

  std::vector<topic_rule> rules_;
};

}  // namespace tern::bridge
