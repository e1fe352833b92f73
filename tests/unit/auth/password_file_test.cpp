// mosquitto_passwd's password file: parsing, verification, broken lines.
//
// The hashes below were made by Debian 12's mosquitto_passwd 2.0.11
// (`mosquitto_passwd -b FILE USER PASS` for $7$, `-H sha512` for $6$), except
// `many`, made with Python's hashlib.pbkdf2_hmac (1000 iterations, which
// mosquitto_passwd 2.0.11 cannot set). The e2e suite makes fresh ones at
// test time (test_auth.py).

#include "auth/password_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "auth/auth_file_error.hpp"
#include "auth/password_hash.hpp"

namespace tern::auth {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view made_by_mosquitto_passwd =
    "alice:$7$101$PhmF1SLHAB1z4AKN$YjCu8vSHWzcyGt1gZdSjgI8FWtZl70WuRuJ+/"
    "VxYNGO7Knec0cYdqXsA4csEgSFGLttXm176amAlnfkD+NOzpQ==\n"
    "bob:$6$WdCJPQEkP+6ypC6e$wqTKaNuLsCs9hV/"
    "ElsRf+N90hfTZElYuRMDpNHaHCg2Dge4ozUwJpa3QUcd6cnxHZtV94X4G00dSharC23+v4g==\n"
    "# a comment, then a blank line\n"
    "\n"
    "six:$6$9fKYOuDHEf7hove9$wcXTVUtqJ1+/l9YeAsk/h21jsuuMtZLbUAI7CfTub3leN+Sm/"
    "35ulY3ilxuc+J94mRKWqvW/nQvS7GeOhc/iJA==\n"
    "seven:$7$101$70XmwCsenNo+lq9E$M9QmJRzae7hqCu/oPxX7UEmV0Yo4Yvl/r576yHt9eO7YhdHQ06ETd/"
    "Bj8IjisUoczOEcNKU/7CRxELzUadGF7A==\r\n"
    "many:$7$1000$AAECAwQFBgcICQoL$OYEp8KXjTVHkNg3Agh/iu5xW6IgIIxnPUPD3czpH8Lt/"
    "phUUQg4ZAQDQnDdu1wJSqFvozdEjUqe8O10E+rpngg==\n";

bool verify(const password_file& f, std::string_view user, std::string_view password) {
  const password_entry* e = f.find(user);
  return e != nullptr && verify_password(*e, password);
}

TEST(password_file, reads_both_hash_kinds) {
  const auto f = password_file::parse(made_by_mosquitto_passwd, "pw");
  EXPECT_EQ(f.size(), 5u);
  ASSERT_NE(f.find("alice"), nullptr);
  EXPECT_EQ(f.find("alice")->kind, hash_kind::pbkdf2_sha512);
  EXPECT_EQ(f.find("alice")->iterations, 101u);
  EXPECT_EQ(f.find("alice")->salt.size(), 12u);
  EXPECT_EQ(f.find("alice")->hash.size(), 64u);
  EXPECT_EQ(f.find("bob")->kind, hash_kind::sha512);
  EXPECT_EQ(f.find("many")->iterations, 1000u);
  EXPECT_EQ(f.find("carol"), nullptr);
}

TEST(password_file, verifies_the_right_password_only) {
  const auto f = password_file::parse(made_by_mosquitto_passwd, "pw");
  EXPECT_TRUE(verify(f, "alice", "secret"));    // $7$
  EXPECT_TRUE(verify(f, "bob", "hunter2"));     // $6$
  EXPECT_TRUE(verify(f, "many", "thousand"));   // $7$ with 1000 iterations
  EXPECT_FALSE(verify(f, "alice", "hunter2"));  // another user's password
  EXPECT_FALSE(verify(f, "alice", "Secret"));
  EXPECT_FALSE(verify(f, "alice", "secret "));
  EXPECT_FALSE(verify(f, "alice", ""));
  EXPECT_FALSE(verify(f, "bob", "hunter"));
}

TEST(password_file, passwords_with_spaces_colons_and_dollars) {
  const auto f = password_file::parse(made_by_mosquitto_passwd, "pw");
  EXPECT_TRUE(verify(f, "six", "pa ss:with$odd"));
  EXPECT_TRUE(verify(f, "seven", "pa ss:with$odd"));  // its line ends in CRLF
  EXPECT_FALSE(verify(f, "seven", "pa ss"));
}

TEST(password_file, unknown_user_is_never_verified) {
  EXPECT_FALSE(verify_unknown_user("secret"));
  EXPECT_FALSE(verify_unknown_user(""));
}

TEST(password_file, base64) {
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(decode_base64("AAECAwQFBgcICQoL", out));
  EXPECT_EQ(out, (std::vector<std::uint8_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  ASSERT_TRUE(decode_base64("+/8=", out));
  EXPECT_EQ(out, (std::vector<std::uint8_t>{0xfb, 0xff}));
  EXPECT_FALSE(decode_base64("AA*A", out));
  EXPECT_FALSE(decode_base64("A", out));
}

struct broken_line {
  const char* name;
  std::string text;
  const char* location;
  const char* message;
};

class password_file_errors : public ::testing::TestWithParam<broken_line> {};

const std::string good_hash =
    "$7$101$PhmF1SLHAB1z4AKN$YjCu8vSHWzcyGt1gZdSjgI8FWtZl70WuRuJ+/"
    "VxYNGO7Knec0cYdqXsA4csEgSFGLttXm176amAlnfkD+NOzpQ==";

TEST_P(password_file_errors, names_file_line_and_fix) {
  const auto& c = GetParam();
  try {
    password_file::parse(c.text, "pw");
    FAIL() << "no error for:\n" << c.text;
  } catch (const file_error& e) {
    EXPECT_EQ(e.location(), c.location);
    EXPECT_THAT(e.what(), HasSubstr(c.message));
    EXPECT_THAT(e.what(), HasSubstr(std::string(c.location) + ": "));
  }
}

INSTANTIATE_TEST_SUITE_P(
    broken, password_file_errors,
    ::testing::Values(
        broken_line{"no_colon", "# users\nalice\n", "pw:2", "expected `username:hash`"},
        broken_line{"plain_text", "alice:secret\n", "pw:1", "mosquitto_passwd -U"},
        broken_line{"empty_user", ":" + good_hash, "pw:1", "the user name is empty"},
        broken_line{"unknown_kind", "a:$5$abc$def\n", "pw:1", "unknown hash format"},
        broken_line{"seven_without_iterations", "a:$7$PhmF1SLHAB1z4AKN$YjCu\n", "pw:1",
                    "unknown hash format"},
        broken_line{"bad_iterations", "a:$7$x1$PhmF1SLHAB1z4AKN$YjCu\n", "pw:1",
                    "bad iteration count 'x1'"},
        broken_line{"zero_iterations", "a:$7$0$PhmF1SLHAB1z4AKN$YjCu\n", "pw:1",
                    "bad iteration count '0'"},
        broken_line{"short_salt", "a:$6$AAEC$" + std::string(88, 'A') + "\n", "pw:1",
                    "the salt is not 12 bytes"},
        broken_line{"salt_not_base64", "a:$6$PhmF1SLHAB1z4AK*$YjCu\n", "pw:1",
                    "the salt is not 12 bytes"},
        broken_line{"short_hash", "\n\na:$6$PhmF1SLHAB1z4AKN$YjCu\n", "pw:3",
                    "the hash is not 64 bytes"},
        broken_line{"twice", "a:" + good_hash + "\nb:" + good_hash + "\na:" + good_hash, "pw:3",
                    "user 'a' appears twice"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(password_file, unreadable_file_names_the_path) {
  try {
    password_file::load("/nonexistent/tern/passwd");
    FAIL();
  } catch (const file_error& e) {
    EXPECT_EQ(e.location(), "/nonexistent/tern/passwd");
    EXPECT_THAT(e.what(), HasSubstr("cannot be read"));
  }
}

}  // namespace
}  // namespace tern::auth
