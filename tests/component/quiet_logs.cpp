// The broker logs every connection as mosquitto does; in these tests that
// is noise. TERN_TEST_LOG=1 keeps it for debugging.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace {

class quiet_logs : public ::testing::Environment {
 public:
  void SetUp() override {
    if (std::getenv("TERN_TEST_LOG") == nullptr) spdlog::set_level(spdlog::level::warn);
  }
};

const auto* const registered = ::testing::AddGlobalTestEnvironment(new quiet_logs);

}  // namespace
