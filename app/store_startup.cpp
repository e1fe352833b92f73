#include "app/store_startup.hpp"

#include <chrono>
#include <filesystem>

#include <spdlog/spdlog.h>

namespace tern::app {
namespace {

store::sync_level sync_level(const config& cfg) {
  if (cfg.persistence_sync == "off") return store::sync_level::off;
  if (cfg.persistence_sync == "full") return store::sync_level::full;
  return store::sync_level::normal;
}

bool is_damage(const store::store_error& e) {
  return e.code() == store::store_error::damaged_code ||
         e.code() == store::store_error::not_a_database_code;
}

opened_store open_and_restore(const std::filesystem::path& path, const config& cfg) {
  opened_store out;
  out.store = std::make_unique<store::sqlite_store>(path.string(), sync_level(cfg));
  const auto started = std::chrono::steady_clock::now();
  out.restored = out.store->restore();
  std::uint64_t queued = 0;
  for (const auto& q : out.restored.queued)
    queued += q.count;
  spdlog::info(
      "store: {} (persistence_sync {}): {} session(s), {} inflight and {} queued message(s) "
      "(queues stay on disk until their session resumes), {} retained message(s), read in {} ms",
      path.string(), cfg.persistence_sync, out.restored.sessions.size(),
      out.restored.deliveries.size(), queued, out.restored.retained.size(),
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                            started)
          .count());
  return out;
}

// Renames the database and its WAL and shared-memory files to NAME.damaged-TIME.
void move_aside(const std::filesystem::path& path) {
  const auto stamp = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::filesystem::path from = path.string() + suffix;
    std::error_code ec;
    if (!std::filesystem::exists(from, ec)) continue;
    const std::filesystem::path to = path.string() + ".damaged-" + stamp + suffix;
    std::filesystem::rename(from, to);
    spdlog::warn("store: moved the damaged {} to {}", from.string(), to.string());
  }
}

}  // namespace

opened_store open_store(const config& cfg, bool move_damaged) {
  const auto path = persistence_path(cfg);
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  try {
    return open_and_restore(path, cfg);
  } catch (const store::store_error& e) {
    if (!move_damaged || !is_damage(e)) throw;
    spdlog::error("{}", e.what());
  }
  move_aside(path);
  spdlog::warn("store: starting with an empty store (--move-damaged-store)");
  return open_and_restore(path, cfg);
}

}  // namespace tern::app
