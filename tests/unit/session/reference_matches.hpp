#pragma once
// A brute-force topic matcher written from the text of spec 4.7, apart from
// the trie and the tree it checks: one filter against one topic, level by
// level, allocating nothing so that randomized tests can call it millions
// of times (also under the sanitizers).

#include <string_view>

namespace tern::broker::test_support {

inline bool reference_matches(std::string_view filter, std::string_view topic) {
  constexpr auto npos = std::string_view::npos;
  // [MQTT-4.7.2-1]; a valid filter starting with '+' or '#' has it as its
  // whole first level.
  if (topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#'))) return false;
  bool topic_left = true;
  for (;;) {
    const std::size_t filter_slash = filter.find('/');
    const std::string_view level = filter.substr(0, filter_slash);
    if (level == "#") return true;  // the rest, zero levels included [MQTT-4.7.1-2]
    if (!topic_left) return false;
    const std::size_t topic_slash = topic.find('/');
    if (level != "+" && level != topic.substr(0, topic_slash)) return false;
    if (filter_slash == npos) return topic_slash == npos;
    filter.remove_prefix(filter_slash + 1);
    if (topic_slash == npos) {
      topic_left = false;
    } else {
      topic.remove_prefix(topic_slash + 1);
    }
  }
}

}  // namespace tern::broker::test_support
