// mosquitto's log_type names mapped onto spdlog levels.
#include "app/logging.hpp"

#include <gtest/gtest.h>
#include <spdlog/common.h>

namespace tern::app {
namespace {

using spdlog::level::level_enum;

bool on(const level_set& s, level_enum l) {
  return s[static_cast<std::size_t>(l)];
}

TEST(LogLevels, DefaultIsMosquittosErrorWarningNoticeInformation) {
  const auto s = levels_for({}, false);
  EXPECT_TRUE(on(s, level_enum::err));
  EXPECT_TRUE(on(s, level_enum::warn));
  EXPECT_TRUE(on(s, level_enum::info));
  EXPECT_FALSE(on(s, level_enum::debug));
}

TEST(LogLevels, OnlyTheNamedTypes) {
  const auto s = levels_for({"error", "debug"}, false);
  EXPECT_TRUE(on(s, level_enum::err));
  EXPECT_TRUE(on(s, level_enum::debug));
  EXPECT_FALSE(on(s, level_enum::warn));
  EXPECT_FALSE(on(s, level_enum::info));
}

TEST(LogLevels, NoneIsSilentUnlessVerbose) {
  const auto none = levels_for({"none"}, false);
  for (bool b : none)
    EXPECT_FALSE(b);
  EXPECT_TRUE(on(levels_for({"none"}, true), level_enum::debug));
}

TEST(LogLevels, NoticeAndInformationAreBothInfo) {
  EXPECT_TRUE(on(levels_for({"notice"}, false), level_enum::info));
  EXPECT_TRUE(on(levels_for({"information"}, false), level_enum::info));
  EXPECT_TRUE(on(levels_for({"all"}, false), level_enum::trace));
}

}  // namespace
}  // namespace tern::app
