#include "auth/acl_rules.hpp"

#include <algorithm>
#include <optional>

#include "auth/topic_relations.hpp"

namespace tern::auth {
namespace {

using broker::topic_access;

// The verdict of one list: deny, grant, or nothing matched (ask the next).
// `filter_of(rule, scratch)` gives the rule's filter, or null to skip it.
std::optional<bool> decide(const std::vector<acl_rule>& rules, topic_access access,
                           std::string_view topic, const auto& filter_of) {
  const auto wanted = access == topic_access::read ? acl_access::read : acl_access::write;
  std::string scratch;
  for (const auto& rule : rules) {  // deny rules come first (finish())
    const std::string* filter = filter_of(rule, scratch);
    if (filter == nullptr) continue;
    if (rule.access == acl_access::deny) {
      if (filter_covers(*filter, topic)) return false;
      continue;
    }
    const bool grants =
        (static_cast<std::uint8_t>(rule.access) & static_cast<std::uint8_t>(wanted)) != 0;
    if (grants && filters_overlap(*filter, topic)) return true;
  }
  return std::nullopt;
}

// %c and %u replaced wherever they appear, as mosquitto does.
std::string substitute(std::string_view pattern, const broker::client_identity& who) {
  std::string out;
  out.reserve(pattern.size() + who.client_id.size());
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size()) {
      if (pattern[i + 1] == 'c') {
        out += who.client_id;
        ++i;
        continue;
      }
      if (pattern[i + 1] == 'u' && who.username != nullptr) {
        out += *who.username;
        ++i;
        continue;
      }
    }
    out += pattern[i];
  }
  return out;
}

bool has_wildcard_char(std::string_view s) {
  return s.find_first_of("+#") != std::string_view::npos;
}

}  // namespace

void acl_rules::add_topic_rule(const std::string* user, acl_rule rule) {
  (user == nullptr ? anonymous_ : users_[*user]).push_back(std::move(rule));
}

void acl_rules::add_pattern(acl_rule rule) {
  patterns_.push_back(std::move(rule));
}

void acl_rules::finish() {
  const auto deny_first = [](rule_list& rules) {
    std::stable_partition(rules.begin(), rules.end(),
                          [](const acl_rule& r) { return r.access == acl_access::deny; });
  };
  deny_first(anonymous_);
  for (auto& [user, rules] : users_)
    deny_first(rules);
  deny_first(patterns_);
}

bool acl_rules::allows(const broker::client_identity& who, topic_access access,
                       std::string_view topic) const {
  const rule_list* own = &anonymous_;
  if (who.username != nullptr) {
    const auto it = users_.find(*who.username);
    own = it == users_.end() ? nullptr : &it->second;
  }
  const auto as_written = [](const acl_rule& r, std::string&) { return &r.topic; };
  if (own != nullptr) {
    if (auto verdict = decide(*own, access, topic, as_written)) return *verdict;
  }
  if (patterns_.empty()) return false;
  // A '+' or '#' substituted into a pattern would widen it to other
  // clients' topics.
  if (has_wildcard_char(who.client_id)) return false;
  if (who.username != nullptr && has_wildcard_char(*who.username)) return false;
  const auto expanded = [&](const acl_rule& r, std::string& scratch) -> const std::string* {
    if (who.username == nullptr && r.topic.find("%u") != std::string::npos) return nullptr;
    scratch = substitute(r.topic, who);
    return &scratch;
  };
  return decide(patterns_, access, topic, expanded).value_or(false);
}

}  // namespace tern::auth
