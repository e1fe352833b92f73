#include "auth/topic_relations.hpp"

#include <vector>

#include "auth/text_lines.hpp"

namespace tern::auth {
namespace {

std::vector<std::string_view> levels(std::string_view filter) {
  return split(filter, '/');
}

bool is_wildcard(std::string_view level) {
  return level == "+" || level == "#";
}

// `a` matches only '$' topics and `b` none, or the other way round.
bool dollar_apart(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  const bool a_dollar = a[0].starts_with('$');
  const bool b_dollar = b[0].starts_with('$');
  return (a_dollar && is_wildcard(b[0])) || (b_dollar && is_wildcard(a[0]));
}

}  // namespace

bool filter_covers(std::string_view outer_filter, std::string_view inner_filter) {
  const auto outer = levels(outer_filter);
  const auto inner = levels(inner_filter);
  if (dollar_apart(outer, inner)) return false;
  for (std::size_t i = 0;; ++i) {
    if (i == inner.size()) {
      // "a/#" also matches "a" (spec 4.7.1.2).
      return i == outer.size() || (i + 1 == outer.size() && outer[i] == "#");
    }
    if (i == outer.size()) return false;  // inner goes deeper
    if (outer[i] == "#") return true;
    if (inner[i] == "#") {
      // Many levels (and the parent, below the first level), where outer
      // takes one. Only "+/#" matches all of a leading "#": every topic has
      // a first level.
      return i == 0 && outer.size() == 2 && outer[0] == "+" && outer[1] == "#";
    }
    if (outer[i] == "+") continue;
    if (inner[i] != outer[i]) return false;  // another name, or "+" under a name
  }
}

bool filters_overlap(std::string_view a_filter, std::string_view b_filter) {
  const auto a = levels(a_filter);
  const auto b = levels(b_filter);
  if (dollar_apart(a, b)) return false;
  for (std::size_t i = 0;; ++i) {
    const bool a_done = i == a.size();
    const bool b_done = i == b.size();
    if (a_done || b_done) {
      // Both end here, or the longer one ends in "#", which matches the parent.
      return (a_done && b_done) || (a_done ? b[i] == "#" : a[i] == "#");
    }
    if (a[i] == "#" || b[i] == "#") return true;
    if (a[i] == "+" || b[i] == "+") continue;
    if (a[i] != b[i]) return false;
  }
}

}  // namespace tern::auth
