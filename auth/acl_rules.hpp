#pragma once
// mosquitto's ACL file (mosquitto.conf(5), "acl_file") and how it decides,
// as mosquitto 2.0's default ACL check:
//
//   # comment
//   topic [read|write|readwrite|deny] TOPIC   anonymous clients (before any user line)
//   user NAME
//   topic [read|write|readwrite|deny] TOPIC   this user (access defaults to readwrite)
//   pattern [read|write|readwrite|deny] TOPIC every client; %c is its client id, %u its user
//
// A question (may this client read/write this topic?) is answered by the
// client's own list first (its user's rules, or the anonymous ones if it
// has no user name), then by the patterns. In each list a matching deny rule
// wins over any grant; a grant must carry the access asked for. Nothing
// matching is a refusal, so an empty file refuses everything. Patterns are
// skipped for a client whose user name or client id contains '+' or '#'
// (it could match other clients' topics) and %u patterns for a client
// without user name.
//
// A SUBSCRIBE filter is allowed when a read rule overlaps it (some topic it
// can receive is readable) and no deny rule covers it; each delivery is
// still checked against the message's topic. mosquitto 2.0 grants every
// subscription and only filters deliveries; tern refuses subscriptions that
// could never deliver anything, so the client learns it (SUBACK 0x80/0x87).
//
// Thread: immutable once parsed; any thread may read it.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "session/access_control.hpp"

namespace tern::auth {

enum class acl_access : std::uint8_t { deny = 0, read = 1, write = 2, readwrite = 3 };

struct acl_rule {
  acl_access access = acl_access::readwrite;
  std::string topic;  // a topic filter; with %c / %u in a pattern
};

class acl_rules {
 public:
  // Throws file_error naming the file and line (acl_file.cpp).
  static acl_rules load(const std::filesystem::path& file);
  static acl_rules parse(std::string_view text, std::string_view source);

  bool allows(const broker::client_identity& who, broker::topic_access access,
              std::string_view topic) const;

  // Building (the parser): rules keep file order; deny rules are sorted
  // first by finish().
  void add_topic_rule(const std::string* user, acl_rule rule);
  void add_pattern(acl_rule rule);
  void finish();

 private:
  using rule_list = std::vector<acl_rule>;
  rule_list anonymous_;
  std::map<std::string, rule_list, std::less<>> users_;
  rule_list patterns_;
};

}  // namespace tern::auth
