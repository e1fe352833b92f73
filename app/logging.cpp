#include "app/logging.hpp"

#include <syslog.h>

#include <algorithm>
#include <mutex>

#include <spdlog/details/file_helper.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

namespace tern::app {
namespace {

using spdlog::level::level_enum;
constexpr const char* default_pattern = "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v";

// A log file that can be reopened under its path (spdlog's basic file sink
// cannot), so `logrotate` with a SIGHUP in postrotate works.
class reopenable_file_sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit reopenable_file_sink(const std::string& path) { file_.open(path, false); }
  void reopen() {
    std::lock_guard lock(mutex_);
    file_.reopen(false);
  }

 private:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    file_.write(formatted);
    file_.flush();  // a line is on disk when logged: what a crash leaves is readable
  }
  void flush_() override { file_.flush(); }

  spdlog::details::file_helper file_;
};

}  // namespace

level_set levels_for(const std::vector<std::string>& log_types, bool verbose) {
  level_set on{};
  const auto enable = [&on](level_enum l) { on[static_cast<std::size_t>(l)] = true; };
  const auto has = [&log_types](std::string_view t) {
    return std::find(log_types.begin(), log_types.end(), t) != log_types.end();
  };
  const bool defaults = log_types.empty();
  const bool all = has("all");
  if (defaults || all || has("error")) {
    enable(level_enum::err);
    enable(level_enum::critical);
  }
  if (defaults || all || has("warning")) enable(level_enum::warn);
  if (defaults || all || has("notice") || has("information")) enable(level_enum::info);
  if (all || has("debug") || verbose) enable(level_enum::debug);
  if (all) enable(level_enum::trace);
  return on;
}

// The default logger's one sink: passes each line of an enabled level to
// every destination. Swapped whole by apply(), under the sink's lock.
class log_setup::router final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  void set(std::vector<spdlog::sink_ptr> sinks, level_set levels,
           std::shared_ptr<reopenable_file_sink> file) {
    std::lock_guard lock(mutex_);
    sinks_ = std::move(sinks);
    levels_ = levels;
    file_ = std::move(file);
  }
  void reopen() {
    std::shared_ptr<reopenable_file_sink> file;
    {
      std::lock_guard lock(mutex_);
      file = file_;
    }
    if (file) file->reopen();
  }

 private:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (!levels_[static_cast<std::size_t>(msg.level)]) return;
    for (auto& s : sinks_)
      s->log(msg);
  }
  void flush_() override {
    for (auto& s : sinks_)
      s->flush();
  }

  std::vector<spdlog::sink_ptr> sinks_;
  level_set levels_{};
  std::shared_ptr<reopenable_file_sink> file_;
};

log_setup::log_setup()
    : router_(std::make_shared<router>()), topic_(std::make_shared<topic_log_sink>()) {}
log_setup::~log_setup() = default;

void log_setup::apply(const config& cfg, bool verbose) {
  const auto levels = levels_for(cfg.log_types, verbose);
  const std::string pattern = cfg.log_timestamp_format.empty()
                                  ? std::string(default_pattern)
                                  : cfg.log_timestamp_format + " %^%l%$ %v";
  std::vector<spdlog::sink_ptr> sinks;
  std::shared_ptr<reopenable_file_sink> file;
  const auto& dests = cfg.log_dests;
  const auto has = [&dests](std::string_view d) {
    return std::find(dests.begin(), dests.end(), d) != dests.end();
  };
  if (dests.empty() || has("stderr"))
    sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (has("stdout")) sinks.push_back(std::make_shared<spdlog::sinks::stdout_color_sink_mt>());
  for (auto& s : sinks)
    s->set_pattern(pattern);
  if (has("file")) {
    try {
      file = std::make_shared<reopenable_file_sink>(cfg.log_file);
    } catch (const spdlog::spdlog_ex& e) {
      throw std::runtime_error("cannot open the log file " + cfg.log_file +
                               " (`log_dest file`): " + e.what());
    }
    file->set_pattern(pattern);
    sinks.push_back(file);
  }
  if (has("topic")) sinks.push_back(topic_);
  if (has("syslog")) {
    // syslog stamps the time and level itself.
    auto s = std::make_shared<spdlog::sinks::syslog_sink_mt>("tern", LOG_PID, LOG_DAEMON, true);
    s->set_pattern("%v");
    sinks.push_back(std::move(s));
  }
  router_->set(std::move(sinks), levels, std::move(file));

  auto logger = spdlog::default_logger();
  if (logger->sinks().size() != 1 || logger->sinks().front() != router_) {
    logger = std::make_shared<spdlog::logger>("", router_);
    spdlog::set_default_logger(logger);
  }
  // The logger's own level is the lowest enabled, so lines below it are
  // not even formatted; the router drops enabled-but-not-chosen ones.
  auto lowest = level_enum::off;
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (levels[i]) {
      lowest = static_cast<level_enum>(i);
      break;
    }
  }
  logger->set_level(lowest);
  logger->flush_on(level_enum::warn);
}

void log_setup::reopen() {
  router_->reopen();
}

}  // namespace tern::app
