// The files together, as the broker uses them: passwords, ACL, and a
// SIGHUP reload that takes effect at once or, on an error, not at all.

#include "auth/file_access_control.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "auth/auth_file_error.hpp"
#include "tests/unit/config/temp_dir.hpp"

namespace tern::auth {
namespace {

using app::testing::temp_dir;
using broker::topic_access;
using ::testing::HasSubstr;

// mosquitto_passwd -b FILE alice secret / bob hunter2 (-H sha512).
const std::string alice =
    "alice:$7$101$PhmF1SLHAB1z4AKN$YjCu8vSHWzcyGt1gZdSjgI8FWtZl70WuRuJ+/"
    "VxYNGO7Knec0cYdqXsA4csEgSFGLttXm176amAlnfkD+NOzpQ==\n";
const std::string bob =
    "bob:$6$WdCJPQEkP+6ypC6e$wqTKaNuLsCs9hV/"
    "ElsRf+N90hfTZElYuRMDpNHaHCg2Dge4ozUwJpa3QUcd6cnxHZtV94X4G00dSharC23+v4g==\n";

bool reads(const file_access_control& ac, std::string user, std::string_view topic) {
  return ac.allows({"c", &user}, topic_access::read, topic);
}

TEST(file_access_control, checks_passwords) {
  temp_dir dir;
  const file_access_control ac(dir.write("pw", alice + bob), "");
  EXPECT_TRUE(ac.checks_passwords());
  EXPECT_FALSE(ac.restricts_topics());
  EXPECT_TRUE(ac.check_password("alice", "secret"));
  EXPECT_TRUE(ac.check_password("bob", "hunter2"));
  EXPECT_FALSE(ac.check_password("alice", "hunter2"));
  EXPECT_FALSE(ac.check_password("carol", "secret"));
  EXPECT_FALSE(ac.check_password("alice", std::nullopt));  // a user name alone is not enough
  EXPECT_TRUE(reads(ac, "alice", "anything"));             // no ACL file: no restriction
}

TEST(file_access_control, acl_without_password_file) {
  temp_dir dir;
  const file_access_control ac("", dir.write("acl", "user alice\ntopic read a/#\n"));
  EXPECT_FALSE(ac.checks_passwords());
  EXPECT_TRUE(ac.restricts_topics());
  EXPECT_TRUE(reads(ac, "alice", "a/1"));
  EXPECT_FALSE(reads(ac, "alice", "b/1"));
}

TEST(file_access_control, reload_applies_new_files) {
  temp_dir dir;
  const auto pw = dir.write("pw", alice);
  const auto acl = dir.write("acl", "user alice\ntopic read a/#\n");
  file_access_control ac(pw, acl);
  EXPECT_FALSE(ac.check_password("bob", "hunter2"));
  dir.write("pw", bob);
  dir.write("acl", "user alice\ntopic read b/#\n");
  ac.reload();
  EXPECT_TRUE(ac.check_password("bob", "hunter2"));
  EXPECT_FALSE(ac.check_password("alice", "secret"));  // removed from the file
  EXPECT_FALSE(reads(ac, "alice", "a/1"));
  EXPECT_TRUE(reads(ac, "alice", "b/1"));
}

TEST(file_access_control, reload_with_an_error_keeps_every_old_rule) {
  temp_dir dir;
  const auto pw = dir.write("pw", alice);
  const auto acl = dir.write("acl", "user alice\ntopic read a/#\n");
  file_access_control ac(pw, acl);
  // The password file is fine, the ACL file is not: neither changes.
  dir.write("pw", bob);
  dir.write("acl", "user alice\ntopic read b/#\ntopic rw c\n");
  try {
    ac.reload();
    FAIL() << "reload accepted a broken ACL file";
  } catch (const file_error& e) {
    EXPECT_EQ(e.location(), acl.string() + ":3");
  }
  EXPECT_TRUE(ac.check_password("alice", "secret"));
  EXPECT_FALSE(ac.check_password("bob", "hunter2"));
  EXPECT_TRUE(reads(ac, "alice", "a/1"));
  EXPECT_FALSE(reads(ac, "alice", "b/1"));
}

// Workers check while SIGHUP reloads on another thread. Every check must
// see a whole rule set, old or new; under ThreadSanitizer
// (TERN_SANITIZE=thread) this is also the regression test for the data race
// between the swap and the checks that scripts/sanitize-e2e.sh found.
TEST(file_access_control, checks_while_reloading) {
  temp_dir dir;
  const std::string acl_a = "user alice\ntopic read a/#\ntopic read common/#\n";
  const std::string acl_b = "user alice\ntopic read b/#\ntopic read common/#\n";
  const auto pw = dir.write("pw", alice);
  const auto acl = dir.write("acl", acl_a);
  file_access_control ac(pw, acl);
  std::atomic<bool> done{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> checkers;
  for (int t = 0; t < 3; ++t) {
    checkers.emplace_back([&] {
      do {
        // alice is in both password files; common/# readable in both ACLs.
        if (!ac.check_password("alice", "secret")) ++wrong;
        if (ac.credential_tag("alice") == 0) ++wrong;
        if (!reads(ac, "alice", "common/x")) ++wrong;
        if (reads(ac, "alice", "c/x")) ++wrong;
        if (ac.start_authentication("SCRAM-SHA-256") == nullptr) ++wrong;
      } while (!done.load());
    });
  }
  for (int i = 0; i < 100; ++i) {
    dir.write("pw", i % 2 == 0 ? alice + bob : alice);
    dir.write("acl", i % 2 == 0 ? acl_b : acl_a);
    ac.reload();
  }
  done = true;
  for (auto& t : checkers)
    t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_TRUE(ac.check_password("alice", "secret"));
  EXPECT_TRUE(reads(ac, "alice", "a/1"));  // the last reload wrote acl_a
}

TEST(file_access_control, start_up_error_names_the_file) {
  temp_dir dir;
  const auto pw = dir.write("pw", "\nalice:plain\n");
  try {
    file_access_control ac(pw, "");
    FAIL();
  } catch (const file_error& e) {
    EXPECT_EQ(e.location(), pw.string() + ":2");
    EXPECT_THAT(e.problem(), HasSubstr("mosquitto_passwd -U"));
  }
}

}  // namespace
}  // namespace tern::auth
