#pragma once
// Where log lines go and which ones, from mosquitto's `log_dest` and
// `log_type` (config.hpp), for every spdlog call in the process:
//
//   log_dest  stdout | stderr (default) | file PATH | syslog (LOG_DAEMON,
//             ident "tern") | topic (log_topic.hpp) | none; several lines
//             add destinations
//   log_type  error | warning | notice | information | debug | all | none;
//             default error + warning + notice + information. notice and
//             information are both spdlog's info (tern logs connects and
//             disconnects at info, where mosquitto uses notice).
//
// apply() may run again (SIGHUP) to change both while the broker runs;
// reopen() reopens the log file after logrotate moved it.
//
// Thread: apply() and reopen() on one thread at a time; logging from any.

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "app/config/config.hpp"
#include "app/log_topic.hpp"

namespace tern::app {

// Indexed by spdlog::level::level_enum (trace .. critical, off).
using level_set = std::array<bool, 7>;

// Which spdlog levels `log_type` lines enable; `verbose` (-v) adds debug.
// Pure.
level_set levels_for(const std::vector<std::string>& log_types, bool verbose);

class log_setup {
 public:
  log_setup();
  ~log_setup();
  log_setup(const log_setup&) = delete;
  log_setup& operator=(const log_setup&) = delete;

  // Installs the destinations and levels of `cfg`. Throws std::runtime_error
  // naming the file when the log file cannot be opened (nothing changes).
  void apply(const config& cfg, bool verbose);
  // Closes and reopens the log file, if any, under the same path.
  void reopen();
  // `log_dest topic`'s sink (fed only while that destination is set): the
  // broker attaches to it to publish what it queues.
  const std::shared_ptr<topic_log_sink>& topic_sink() const noexcept { return topic_; }

  class router;

 private:
  std::shared_ptr<router> router_;
  std::shared_ptr<topic_log_sink> topic_;
};

}  // namespace tern::app
