// mosquitto's ACL file: each kind of line, %c / %u, deny precedence, the
// anonymous section, subscriptions, and broken files with file:line.

#include "auth/acl_rules.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "auth/auth_file_error.hpp"

namespace tern::auth {
namespace {

using broker::topic_access;
using ::testing::HasSubstr;
constexpr auto read = topic_access::read;
constexpr auto write = topic_access::write;

class acl : public ::testing::Test {
 protected:
  void load(std::string_view text) { rules_ = acl_rules::parse(text, "acl"); }
  // `user` empty: an anonymous client.
  bool allows(std::string_view client_id, std::optional<std::string> user, topic_access a,
              std::string_view topic) const {
    return rules_.allows({client_id, user ? &*user : nullptr}, a, topic);
  }

  acl_rules rules_;
};

TEST_F(acl, access_kinds_and_the_default_readwrite) {
  load(
      "user u\n"
      "topic read r/#\n"
      "topic write w/#\n"
      "topic readwrite rw/#\n"
      "topic both/#\n");
  EXPECT_TRUE(allows("c", "u", read, "r/1"));
  EXPECT_FALSE(allows("c", "u", write, "r/1"));
  EXPECT_TRUE(allows("c", "u", write, "w/1"));
  EXPECT_FALSE(allows("c", "u", read, "w/1"));
  EXPECT_TRUE(allows("c", "u", read, "rw/1"));
  EXPECT_TRUE(allows("c", "u", write, "rw/1"));
  EXPECT_TRUE(allows("c", "u", read, "both/1"));
  EXPECT_TRUE(allows("c", "u", write, "both/1"));
  EXPECT_FALSE(allows("c", "u", read, "other"));  // nothing matches: refused
}

TEST_F(acl, deny_wins_wherever_it_is_written) {
  load(
      "user u\n"
      "topic readwrite a/#\n"
      "topic deny a/secret\n"
      "topic deny a/+/private\n");
  EXPECT_TRUE(allows("c", "u", read, "a/x"));
  EXPECT_FALSE(allows("c", "u", read, "a/secret"));
  EXPECT_FALSE(allows("c", "u", write, "a/secret"));
  EXPECT_FALSE(allows("c", "u", write, "a/b/private"));
}

TEST_F(acl, anonymous_section_is_for_clients_without_user_name) {
  load(
      "# before any user line: anonymous clients\n"
      "topic read public/#\n"
      "user alice\n"
      "topic alice/#\n");
  EXPECT_TRUE(allows("c", std::nullopt, read, "public/news"));
  EXPECT_FALSE(allows("c", std::nullopt, write, "public/news"));
  EXPECT_FALSE(allows("c", std::nullopt, read, "alice/x"));
  EXPECT_FALSE(allows("c", "alice", read, "public/news"));  // users get their own rules only
  EXPECT_TRUE(allows("c", "alice", write, "alice/x"));
  EXPECT_FALSE(allows("c", "bob", read, "alice/x"));  // a user without rules
}

TEST_F(acl, patterns_substitute_client_id_and_user) {
  load(
      "pattern readwrite devices/%c/#\n"
      "pattern read users/%u/inbox\n"
      "pattern write log/%u-%c\n");
  EXPECT_TRUE(allows("dev1", std::nullopt, write, "devices/dev1/temp"));
  EXPECT_FALSE(allows("dev1", std::nullopt, write, "devices/dev2/temp"));
  EXPECT_TRUE(allows("dev1", "bob", read, "users/bob/inbox"));
  EXPECT_FALSE(allows("dev1", "bob", read, "users/alice/inbox"));
  EXPECT_TRUE(allows("dev1", "bob", write, "log/bob-dev1"));  // within a level
  // %u patterns do not apply without a user name; "%u" is no literal.
  EXPECT_FALSE(allows("dev1", std::nullopt, read, "users/%u/inbox"));
}

TEST_F(acl, patterns_apply_after_the_users_own_rules) {
  load(
      "user u\n"
      "topic deny devices/u1/secret\n"
      "topic read shared/#\n"
      "pattern readwrite devices/%c/#\n"
      "pattern deny shared/%c\n");
  EXPECT_TRUE(allows("u1", "u", write, "devices/u1/x"));        // by the pattern
  EXPECT_FALSE(allows("u1", "u", write, "devices/u1/secret"));  // own deny first
  EXPECT_TRUE(allows("u1", "u", read, "shared/u1"));            // own grant first
  EXPECT_FALSE(allows("u2", "v", read, "shared/u2"));           // pattern deny
}

TEST_F(acl, wildcards_in_identities_never_match_patterns) {
  load("pattern readwrite devices/%c/#\npattern read users/%u\n");
  EXPECT_FALSE(allows("#", std::nullopt, read, "devices/x/y"));
  EXPECT_FALSE(allows("+", std::nullopt, read, "devices/x/y"));
  EXPECT_FALSE(allows("ok", "+", read, "users/x"));
}

TEST_F(acl, dollar_topics_need_dollar_rules) {
  load("user u\ntopic read #\ntopic read $SYS/broker/uptime\n");
  EXPECT_TRUE(allows("c", "u", read, "a/b"));
  EXPECT_FALSE(allows("c", "u", read, "$SYS/broker/load"));  // [MQTT-4.7.2-1]
  EXPECT_TRUE(allows("c", "u", read, "$SYS/broker/uptime"));
}

TEST_F(acl, empty_file_refuses_everything) {
  load("# nothing\n");
  EXPECT_FALSE(allows("c", std::nullopt, read, "a"));
  EXPECT_FALSE(allows("c", "u", write, "a"));
}

TEST_F(acl, subscriptions_need_a_readable_topic_and_no_covering_deny) {
  load(
      "user u\n"
      "topic read sensors/+/temp\n"
      "topic readwrite a/#\n"
      "topic deny a/secret/#\n"
      "topic write w/#\n");
  EXPECT_TRUE(allows("c", "u", read, "sensors/+/temp"));
  EXPECT_TRUE(allows("c", "u", read, "sensors/#"));  // reads filtered per message
  EXPECT_TRUE(allows("c", "u", read, "#"));
  EXPECT_TRUE(allows("c", "u", read, "a/#"));  // a/secret/... filtered at delivery
  EXPECT_FALSE(allows("c", "u", read, "a/secret/#"));
  EXPECT_FALSE(allows("c", "u", read, "a/secret/+"));
  EXPECT_FALSE(allows("c", "u", read, "w/#"));  // write only
  EXPECT_FALSE(allows("c", "u", read, "other/#"));
}

TEST_F(acl, topics_may_hold_spaces) {
  // The topic is the rest of the line, so it needs the access word first.
  load("user u\ntopic read my topic/#\n");
  EXPECT_TRUE(allows("c", "u", read, "my topic/x"));
  EXPECT_FALSE(allows("c", "u", write, "my topic/x"));
}

TEST_F(acl, user_names_may_hold_spaces_and_lines_may_be_indented) {
  load("user  John Smith \n\t topic read js/#\n");
  EXPECT_TRUE(allows("c", "John Smith", read, "js/1"));
}

struct broken_acl {
  const char* name;
  const char* text;
  const char* location;
  const char* message;
};

class acl_errors : public ::testing::TestWithParam<broken_acl> {};

TEST_P(acl_errors, names_file_line_and_fix) {
  const auto& c = GetParam();
  try {
    acl_rules::parse(c.text, "acl");
    FAIL() << "no error for:\n" << c.text;
  } catch (const file_error& e) {
    EXPECT_EQ(e.location(), c.location);
    EXPECT_THAT(e.what(), HasSubstr(c.message));
  }
}

INSTANTIATE_TEST_SUITE_P(
    broken, acl_errors,
    ::testing::Values(
        broken_acl{"unknown_keyword", "user a\ntopics read x\n", "acl:2", "unknown line 'topics'"},
        broken_acl{"missing_user", "# x\nuser\n", "acl:2", "the user name is missing"},
        broken_acl{"missing_topic", "topic\n", "acl:1", "the topic is missing"},
        broken_acl{"bad_access", "\n\npattern rw x/%c\n", "acl:3", "unknown access 'rw'"},
        broken_acl{"bad_filter", "topic read a/#/b\n", "acl:1", "not a valid topic filter"},
        broken_acl{"space_without_access", "topic with space\n", "acl:1", "unknown access 'with'"},
        broken_acl{"bad_plus", "topic read a/b+\n", "acl:1", "not a valid topic filter"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace tern::auth
