// `log_dest topic`: which lines become which $SYS/broker/log topic, the
// payload's form, one drain asked for at a time, and the bound.
#include "app/log_topic.hpp"

#include <gtest/gtest.h>
#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <vector>

namespace tern::app {
namespace {

struct LogTopic : ::testing::Test {
  std::shared_ptr<topic_log_sink> sink = std::make_shared<topic_log_sink>();
  spdlog::logger logger{"t", sink};
  int wakes = 0;

  LogTopic() { logger.set_level(spdlog::level::trace); }

  std::vector<log_publication> drain() {
    std::vector<log_publication> out;
    sink->drain([&out](log_publication&& p) { out.push_back(std::move(p)); });
    return out;
  }
};

TEST_F(LogTopic, LevelsGoToMosquittosLettersAndDebugIsNotPublished) {
  logger.error("broken");
  logger.critical("worse");
  logger.warn("careful");
  logger.info("New client connected from 127.0.0.1:5 as c (p2, c1, k60).");
  logger.debug("details");
  logger.trace("more details");
  const auto got = drain();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].topic, "$SYS/broker/log/E");
  EXPECT_EQ(got[1].topic, "$SYS/broker/log/E");
  EXPECT_EQ(got[2].topic, "$SYS/broker/log/W");
  EXPECT_EQ(got[3].topic, "$SYS/broker/log/N");
  // "SECONDS: LINE", as mosquitto writes it.
  const auto colon = got[0].payload.find(": ");
  ASSERT_NE(colon, std::string::npos) << got[0].payload;
  EXPECT_GT(std::stoll(got[0].payload.substr(0, colon)), 1'600'000'000);
  EXPECT_EQ(got[0].payload.substr(colon + 2), "broken");
  EXPECT_TRUE(drain().empty());
}

TEST_F(LogTopic, OneWakeUntilDrainedAndQueuedLinesWakeOnAttach) {
  logger.warn("before anyone listens");
  sink->attach([this] { ++wakes; });
  EXPECT_EQ(wakes, 1) << "lines already waiting ask for a drain";
  logger.warn("a");
  logger.warn("b");
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(drain().size(), 3u);
  logger.warn("c");
  EXPECT_EQ(wakes, 2);
  sink->attach({});
  logger.warn("d");
  EXPECT_EQ(wakes, 2) << "detached: nothing is woken";
  EXPECT_EQ(drain().size(), 2u);
}

TEST_F(LogTopic, TheQueueIsBoundedAndKeepsTheNewest) {
  for (std::size_t i = 0; i < topic_log_sink::max_queued + 5; ++i)
    logger.warn("line {}", i);
  const auto got = drain();
  ASSERT_EQ(got.size(), topic_log_sink::max_queued);
  EXPECT_NE(got.front().payload.find(": line 5"), std::string::npos) << got.front().payload;
  EXPECT_EQ(sink->dropped(), 5u);
}

}  // namespace
}  // namespace tern::app
