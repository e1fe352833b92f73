#include "app/log_topic.hpp"

#include <chrono>

#include <fmt/format.h>

namespace tern::app {
namespace {

// mosquitto's letters; tern's info lines are mosquitto's notices
// (connects, disconnects) as much as its information.
const char* letter_of(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical:
    case spdlog::level::err:
      return "E";
    case spdlog::level::warn:
      return "W";
    case spdlog::level::info:
      return "N";
    default:
      return nullptr;  // debug and trace are not published
  }
}

}  // namespace

void topic_log_sink::attach(std::function<void()> wake) {
  std::function<void()> call_now;
  {
    std::lock_guard lock(mutex_);
    wake_ = std::move(wake);
    drain_asked_ = false;
    if (wake_ && !queued_.empty()) {
      drain_asked_ = true;
      call_now = wake_;
    }
  }
  if (call_now) call_now();
}

void topic_log_sink::drain(const std::function<void(log_publication&&)>& publish) {
  std::deque<log_publication> lines;
  {
    std::lock_guard lock(mutex_);
    lines.swap(queued_);
    drain_asked_ = false;
  }
  for (auto& line : lines)
    publish(std::move(line));
}

std::uint64_t topic_log_sink::dropped() {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void topic_log_sink::sink_it_(const spdlog::details::log_msg& msg) {
  const char* letter = letter_of(msg.level);
  if (letter == nullptr) return;
  if (queued_.size() >= max_queued) {
    queued_.pop_front();  // the newest lines say more about now
    ++dropped_;
  }
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(msg.time.time_since_epoch()).count();
  queued_.push_back(
      {std::string("$SYS/broker/log/") + letter,
       fmt::format("{}: {}", seconds, std::string_view(msg.payload.data(), msg.payload.size()))});
  if (wake_ && !drain_asked_) {
    drain_asked_ = true;
    wake_();  // under the sink's lock: wake only posts
  }
}

}  // namespace tern::app
