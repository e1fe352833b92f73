// Reading an ACL file into acl_rules (the syntax is in acl_rules.hpp).
#include <optional>
#include <string>

#include "auth/acl_rules.hpp"
#include "auth/auth_file_error.hpp"
#include "auth/text_lines.hpp"
#include "mqtt/codec/topic.hpp"

namespace tern::auth {
namespace {

// The first word of `text` and what follows it, both trimmed.
std::pair<std::string_view, std::string_view> first_word(std::string_view text) {
  const auto end = text.find_first_of(" \t");
  if (end == std::string_view::npos) return {text, {}};
  return {text.substr(0, end), trim_blanks(text.substr(end))};
}

std::optional<acl_access> parse_access(std::string_view word) {
  if (word == "read") return acl_access::read;
  if (word == "write") return acl_access::write;
  if (word == "readwrite") return acl_access::readwrite;
  if (word == "deny") return acl_access::deny;
  return std::nullopt;
}

// `[ACCESS] TOPIC` after `topic` or `pattern`. As in mosquitto, a lone
// word is the topic, and the topic is the rest of the line (it may hold
// spaces).
acl_rule parse_rule(std::string_view rest, const std::string& where) {
  const auto [word, after] = first_word(rest);
  if (word.empty()) throw file_error(where, "the topic is missing; write `topic [ACCESS] TOPIC`");
  acl_rule rule;
  if (after.empty()) {
    rule.topic = std::string(word);
  } else {
    const auto access = parse_access(word);
    if (!access) {
      throw file_error(
          where, "unknown access '" + std::string(word) + "'; use read, write, readwrite or deny");
    }
    rule.access = *access;
    rule.topic = std::string(after);
  }
  if (!mqtt::is_valid_topic_filter(rule.topic)) {
    throw file_error(where, "'" + rule.topic +
                                "' is not a valid topic filter ('#' only as the last level, "
                                "'+' alone in its level)");
  }
  return rule;
}

}  // namespace

acl_rules acl_rules::load(const std::filesystem::path& file) {
  return parse(read_text_file(file), file.string());
}

acl_rules acl_rules::parse(std::string_view text, std::string_view source) {
  acl_rules out;
  std::optional<std::string> user;  // none: the anonymous section
  for_each_line(text, [&](std::string_view line, std::size_t number) {
    const std::string where = std::string(source) + ":" + std::to_string(number);
    const auto [keyword, rest] = first_word(line);
    if (keyword == "user") {
      if (rest.empty()) throw file_error(where, "the user name is missing; write `user NAME`");
      user = std::string(rest);
    } else if (keyword == "topic") {
      out.add_topic_rule(user ? &*user : nullptr, parse_rule(rest, where));
    } else if (keyword == "pattern") {
      out.add_pattern(parse_rule(rest, where));
    } else {
      throw file_error(where, "unknown line '" + std::string(keyword) +
                                  "'; an ACL file has user, topic and pattern lines");
    }
  });
  out.finish();
  return out;
}

}  // namespace tern::auth
