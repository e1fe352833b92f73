// mosquitto's psk_file format: `identity:hexkey`, comments and blank lines;
// every bad line named with FILE:LINE.
#include <gtest/gtest.h>

#include "tests/unit/config/temp_dir.hpp"
#include "tls/psk_file.hpp"
#include "tls/setup_error.hpp"

namespace tern::tls {
namespace {

std::string error_of(std::string_view text) {
  try {
    parse_psk_text(text, "psk.txt");
  } catch (const setup_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PskFile, ReadsIdentitiesAndHexKeys) {
  const auto keys = parse_psk_text("# sensors\n\nsensor1:0123abCD\r\nsensor2:ff\n", "psk.txt");
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys.at("sensor1"), (std::vector<std::uint8_t>{0x01, 0x23, 0xab, 0xcd}));
  EXPECT_EQ(keys.at("sensor2"), (std::vector<std::uint8_t>{0xff}));
}

TEST(PskFile, IdentityMayContainColonsTheKeyFollowsTheLast) {
  const auto keys = parse_psk_text("urn:dev:1:beef\n", "psk.txt");
  EXPECT_EQ(keys.at("urn:dev:1"), (std::vector<std::uint8_t>{0xbe, 0xef}));
}

TEST(PskFile, BadLinesNameTheLineAndTheFix) {
  EXPECT_EQ(error_of("a:00\nnocolon\n"),
            "psk.txt:2: expected `identity:hexkey`, e.g. `sensor1:0123abcd`");
  EXPECT_NE(error_of("a:abc\n").find("psk.txt:1: the key of 'a' must be an even number"),
            std::string::npos);
  EXPECT_NE(error_of("a:zz\n").find("psk.txt:1: the key of 'a' has a character that is not"),
            std::string::npos);
  EXPECT_NE(error_of("a:\n").find("psk.txt:1:"), std::string::npos);
  EXPECT_NE(error_of(":00\n").find("psk.txt:1:"), std::string::npos);
  EXPECT_EQ(error_of("a:00\n\na:11\n"), "psk.txt:3: identity 'a' is listed twice; keep one line");
  EXPECT_NE(error_of("a:" + std::string(1026, '0') + "\n").find("longer than 512 bytes"),
            std::string::npos);
}

TEST(PskFile, MissingFileSaysSo) {
  app::testing::temp_dir dir;
  try {
    read_psk_file(dir.path() / "none.txt");
    FAIL() << "no error";
  } catch (const setup_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot read psk_file"), std::string::npos) << e.what();
  }
  const auto file = dir.write("psk.txt", "x:0a0b\n");
  EXPECT_EQ(read_psk_file(file).at("x"), (std::vector<std::uint8_t>{0x0a, 0x0b}));
}

}  // namespace
}  // namespace tern::tls
