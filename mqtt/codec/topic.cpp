#include "mqtt/codec/topic.hpp"

#include <algorithm>

namespace tern::mqtt {

namespace {

constexpr std::string_view share_prefix = "$share/";

// A filter without the `$share/{group}/` prefix.
bool is_valid_plain_filter(std::string_view filter) noexcept {
  if (filter.empty()) return false;  // [MQTT-4.7.3-1]
  const std::size_t size = filter.size();
  for (std::size_t i = 0; i < size; ++i) {
    const char c = filter[i];
    if (c == '+') {
      // [MQTT-4.7.1-3] '+' occupies a whole level.
      if ((i > 0 && filter[i - 1] != '/') || (i + 1 < size && filter[i + 1] != '/')) return false;
    } else if (c == '#') {
      // [MQTT-4.7.1-2] '#' is a whole level and the last one.
      if ((i > 0 && filter[i - 1] != '/') || i + 1 != size) return false;
    } else if (c == '\0') {
      return false;  // [MQTT-4.7.3-2]
    }
  }
  return true;
}

}  // namespace

bool has_wildcard(std::string_view filter) noexcept {
  for (const char c : filter) {
    if (c == '+' || c == '#') return true;
  }
  return false;
}

std::size_t topic_levels(std::string_view topic) noexcept {
  return 1 + static_cast<std::size_t>(std::count(topic.begin(), topic.end(), '/'));
}

bool is_valid_topic_name(std::string_view topic) noexcept {
  if (topic.empty()) return false;  // [MQTT-4.7.3-1]
  for (const char c : topic) {
    // [MQTT-3.3.2-2] no wildcards; [MQTT-4.7.3-2] no U+0000.
    if (c == '+' || c == '#' || c == '\0') return false;
  }
  return true;
}

bool is_valid_topic_filter(std::string_view filter) noexcept {
  if (filter.starts_with(share_prefix)) return parse_shared_filter(filter).has_value();
  return is_valid_plain_filter(filter);
}

std::optional<shared_filter> parse_shared_filter(std::string_view filter) noexcept {
  if (!filter.starts_with(share_prefix)) return std::nullopt;
  const std::string_view rest = filter.substr(share_prefix.size());
  const std::size_t slash = rest.find('/');
  // [MQTT-4.8.2-2] the ShareName is followed by '/' and a Topic Filter.
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view group = rest.substr(0, slash);
  // [MQTT-4.8.2-1] at least one character; [MQTT-4.8.2-2] no '/', '+', '#'.
  if (group.empty() || has_wildcard(group)) return std::nullopt;
  const std::string_view inner = rest.substr(slash + 1);
  if (!is_valid_plain_filter(inner)) return std::nullopt;
  return shared_filter{group, inner};
}

bool topic_matches(std::string_view filter, std::string_view topic) noexcept {
  // [MQTT-4.7.2-1] a filter starting with a wildcard does not match a topic
  // starting with '$'.
  if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
      (filter.front() == '+' || filter.front() == '#')) {
    return false;
  }
  std::size_t f = 0;
  std::size_t t = 0;
  for (;;) {
    std::size_t f_end = filter.find('/', f);
    if (f_end == std::string_view::npos) f_end = filter.size();
    const std::string_view f_level = filter.substr(f, f_end - f);
    if (f_level == "#") return true;  // the rest, including the parent level

    std::size_t t_end = topic.find('/', t);
    if (t_end == std::string_view::npos) t_end = topic.size();
    if (f_level != "+" && f_level != topic.substr(t, t_end - t)) return false;

    const bool filter_done = f_end == filter.size();
    const bool topic_done = t_end == topic.size();
    if (filter_done || topic_done) {
      // "sport/#" also matches "sport" (4.7.1.2).
      return filter_done == topic_done || (topic_done && filter.substr(f_end + 1) == "#");
    }
    f = f_end + 1;
    t = t_end + 1;
  }
}

}  // namespace tern::mqtt
