#include "bridge/topic_map.hpp"

#include "mqtt/codec/topic.hpp"

namespace tern::bridge {
namespace {

bool goes(direction rule, direction wanted) {
  return rule == direction::both || rule == wanted;
}

}  // namespace

std::vector<topic_map::filter> topic_map::filters(direction wanted) const {
  std::vector<filter> out;
  for (const auto& r : rules_) {
    if (!goes(r.dir, wanted)) continue;
    const auto& prefix = wanted == direction::out ? r.local_prefix : r.remote_prefix;
    out.push_back({prefix + r.pattern, r.qos});
  }
  return out;
}

std::optional<std::string> topic_map::to_remote(std::string_view local_topic) const {
  return map(local_topic, direction::out, true);
}

std::optional<std::string> topic_map::to_local(std::string_view remote_topic) const {
  return map(remote_topic, direction::in, false);
}

std::optional<std::string> topic_map::map(std::string_view topic, direction wanted,
                                          bool outbound) const {
  for (const auto& r : rules_) {
    if (!goes(r.dir, wanted)) continue;
    const std::string& from = outbound ? r.local_prefix : r.remote_prefix;
    const std::string& to = outbound ? r.remote_prefix : r.local_prefix;
    if (!topic.starts_with(from)) continue;
    if (!mqtt::topic_matches(from + r.pattern, topic)) continue;
    std::string mapped = to;
    mapped += topic.substr(from.size());
    return mapped;
  }
  return std::nullopt;
}

}  // namespace tern::bridge
