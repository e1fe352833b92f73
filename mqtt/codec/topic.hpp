#pragma once
// Topic names and topic filters (spec 4.7).
//
// These check structure only; UTF-8 well-formedness is checked by the
// decoder when the string is read (utf8.hpp).

#include <cstddef>
#include <optional>
#include <string_view>

namespace tern::mqtt {

// A topic name for PUBLISH: at least one character [MQTT-4.7.3-1], no
// wildcard characters [MQTT-3.3.2-2], no U+0000.
bool is_valid_topic_name(std::string_view topic) noexcept;

// A topic filter for SUBSCRIBE/UNSUBSCRIBE: at least one character;
// '#' only alone as the last level [MQTT-4.7.1-2]; '+' only alone in a
// level [MQTT-4.7.1-3]; a `$share/` filter must have a non-empty share name
// without '/', '+' or '#' followed by a valid filter [MQTT-4.8.2-1/-2].
// Empty levels ("a//b", "/a") are valid.
bool is_valid_topic_filter(std::string_view filter) noexcept;

bool has_wildcard(std::string_view filter) noexcept;

// Levels of a topic name or filter: one more than its '/' separators
// ("a//b" has three, spec 4.7.1.1).
std::size_t topic_levels(std::string_view topic) noexcept;

// `$share/{group}/{filter}` split into its parts; empty optional when
// `filter` is not a shared subscription (or its syntax is wrong).
struct shared_filter {
  std::string_view group;
  std::string_view filter;
};
std::optional<shared_filter> parse_shared_filter(std::string_view filter) noexcept;

// Whether `topic` matches `filter` (wildcards '+' and '#'); topics starting
// with '$' are not matched by a filter starting with a wildcard
// [MQTT-4.7.2-1]. Used for ACLs and tests; routing uses the trie.
bool topic_matches(std::string_view filter, std::string_view topic) noexcept;

}  // namespace tern::mqtt
