#include "session/sys_topics.hpp"

#include <malloc.h>

#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdio>

#include "session/broker.hpp"

// Under ASan or TSan the sanitizer's allocator serves malloc, and glibc's
// mallinfo2() sees almost nothing of it: ask the sanitizer instead.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TERN_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TERN_SANITIZER_ALLOCATOR 1
#endif
#endif
#ifdef TERN_SANITIZER_ALLOCATOR
// From <sanitizer/allocator_interface.h>, which clang ships and GCC 12 does
// not; libasan and libtsan both define it.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#else
// From <mimalloc.h>, declared weak so that this library does not depend on
// mimalloc: it is non-null when the executable links it (TERN_WITH_MIMALLOC).
extern "C" __attribute__((weak)) void mi_process_info(
    std::size_t* elapsed_msecs, std::size_t* user_msecs, std::size_t* system_msecs,
    std::size_t* current_rss, std::size_t* peak_rss, std::size_t* current_commit,
    std::size_t* peak_commit, std::size_t* page_faults);
#endif

namespace tern::broker {
namespace {

std::string format_load(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// The heap in use (glibc's count of allocated bytes, main arena and
// mmapped chunks; the sanitizer's count in a sanitized build), and the
// most seen by any reading. mimalloc keeps no process-wide count of bytes
// in use that it can report (its per-thread figures merge only when a
// thread ends), and what it has committed is mostly untouched address
// space: under it the figure is the process's resident set, which is what
// an operator watching memory wants anyway.
std::uint64_t heap_in_use() {
#ifdef TERN_SANITIZER_ALLOCATOR
  return static_cast<std::uint64_t>(__sanitizer_get_current_allocated_bytes());
#else
  if (mi_process_info != nullptr) {
    std::size_t unused = 0, rss = 0;
    mi_process_info(&unused, &unused, &unused, &rss, &unused, &unused, &unused, &unused);
    return rss;
  }
  const auto info = ::mallinfo2();
  return static_cast<std::uint64_t>(info.uordblks) + static_cast<std::uint64_t>(info.hblkhd);
#endif
}

std::atomic<std::uint64_t> heap_maximum{0};

}  // namespace

sys_figures collect_figures(broker& b, const store::durable_store* store,
                            std::chrono::steady_clock::time_point started,
                            std::chrono::steady_clock::time_point now) {
  const auto& s = b.stats();
  sys_figures f;
  f.version = b.config().version;
  f.uptime_s = static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::seconds>(now - started).count()));
  const std::uint64_t sessions = b.session_count();
  f.clients_connected = broker_stats::get(s.clients_connected);
  f.clients_total = std::max(sessions, f.clients_connected);
  f.clients_disconnected = f.clients_total - f.clients_connected;
  f.clients_maximum = broker_stats::get(s.clients_maximum);
  f.clients_expired = broker_stats::get(s.clients_expired);
  f.messages_received = broker_stats::get(s.messages_received);
  f.messages_sent = broker_stats::get(s.messages_sent);
  f.publish_received = broker_stats::get(s.publish_received);
  f.publish_sent = broker_stats::get(s.publish_sent);
  f.bytes_received = broker_stats::get(s.bytes_received);
  f.bytes_sent = broker_stats::get(s.bytes_sent);
  f.input_reads = broker_stats::get(s.input_reads);
  f.sockets_opened = broker_stats::get(s.sockets_opened);
  f.connects_received = broker_stats::get(s.connects_received);
  f.subscriptions = b.subscription_count();
  f.retained = b.retained_count();
  f.heap_current = heap_in_use();
  auto seen = heap_maximum.load(std::memory_order_relaxed);
  while (seen < f.heap_current &&
         !heap_maximum.compare_exchange_weak(seen, f.heap_current, std::memory_order_relaxed)) {
  }
  f.heap_maximum = std::max(seen, f.heap_current);
  f.dropped_qos0_backlog = broker_stats::get(s.dropped_qos0_backlog);
  f.dropped_queue_full = broker_stats::get(s.dropped_queue_full);
  f.dropped_too_large = broker_stats::get(s.dropped_too_large);
  f.dropped_expired = broker_stats::get(s.dropped_expired);
  f.dropped_store_failing = broker_stats::get(s.dropped_store_failing);
  if (store != nullptr) {
    f.persistence = true;
    f.store = store->stats();
  }
  return f;
}

sys_topics::sys_topics(broker& b, const store::durable_store* store)
    : broker_(b), store_(store), started_(std::chrono::steady_clock::now()), last_(started_) {}

void sys_topics::publish_value(const std::string& topic, const std::string& value) {
  auto m = std::make_shared<mqtt::application_message>();
  m->packet.topic = topic;
  m->packet.payload = mqtt::shared_bytes::copy_of(value);
  m->packet.retain = true;
  broker_.publish(m);
}

void sys_topics::publish_load(const std::string& name, load& l, std::uint64_t total,
                              double interval_s) {
  // Per-minute rate over this interval, folded into decaying averages.
  const double per_minute = static_cast<double>(total - l.last_total) * 60.0 / interval_s;
  l.last_total = total;
  static constexpr std::array<double, 3> window_s{60.0, 300.0, 900.0};
  static constexpr std::array<const char*, 3> suffix{"1min", "5min", "15min"};
  for (std::size_t i = 0; i < 3; ++i) {
    const double decay = std::exp(-interval_s / window_s[i]);
    l.average[i] = l.average[i] * decay + per_minute * (1.0 - decay);
    publish_value("$SYS/broker/load/" + name + "/" + suffix[i], format_load(l.average[i]));
  }
}

void sys_topics::publish(std::chrono::steady_clock::time_point now) {
  const auto f = collect_figures(broker_, store_, started_, now);
  const auto put = [this](const std::string& topic, std::uint64_t v) {
    publish_value(topic, std::to_string(v));
  };

  publish_value("$SYS/broker/version", f.version);
  publish_value("$SYS/broker/uptime", std::to_string(f.uptime_s) + " seconds");
  put("$SYS/broker/clients/connected", f.clients_connected);
  put("$SYS/broker/clients/active", f.clients_connected);
  put("$SYS/broker/clients/total", f.clients_total);
  put("$SYS/broker/clients/disconnected", f.clients_disconnected);
  put("$SYS/broker/clients/inactive", f.clients_disconnected);
  put("$SYS/broker/clients/maximum", f.clients_maximum);
  put("$SYS/broker/clients/expired", f.clients_expired);
  put("$SYS/broker/messages/received", f.messages_received);
  put("$SYS/broker/messages/sent", f.messages_sent);
  put("$SYS/broker/publish/messages/received", f.publish_received);
  put("$SYS/broker/publish/messages/sent", f.publish_sent);
  put("$SYS/broker/publish/messages/dropped", f.dropped_total());
  put("$SYS/broker/bytes/received", f.bytes_received);
  put("$SYS/broker/bytes/sent", f.bytes_sent);
  put("$SYS/broker/subscriptions/count", f.subscriptions);
  put("$SYS/broker/retained messages/count", f.retained);
  put("$SYS/broker/heap/current", f.heap_current);
  put("$SYS/broker/heap/maximum", f.heap_maximum);
  // tern's own: why messages were dropped, and the store.
  put("$SYS/broker/tern/dropped/qos0_backlog", f.dropped_qos0_backlog);
  put("$SYS/broker/tern/dropped/queue_full", f.dropped_queue_full);
  put("$SYS/broker/tern/dropped/too_large", f.dropped_too_large);
  put("$SYS/broker/tern/dropped/expired", f.dropped_expired);
  put("$SYS/broker/tern/dropped/store_failing", f.dropped_store_failing);
  if (f.persistence) {
    // mosquitto's names; here, what the SQLite store holds.
    put("$SYS/broker/store/messages/count", f.store.messages);
    put("$SYS/broker/store/messages/bytes", f.store.message_bytes);
    put("$SYS/broker/tern/store/bytes", f.store.file_bytes);
    put("$SYS/broker/tern/store/commits", f.store.commits);
    put("$SYS/broker/tern/store/pending", f.store.pending);
    put("$SYS/broker/tern/store/commit_latency/last_us", f.store.commit_us_last);
    put("$SYS/broker/tern/store/commit_latency/max_us", f.store.commit_us_max);
    put("$SYS/broker/tern/store/commit_latency/average_us",
        f.store.commits == 0 ? 0 : f.store.commit_us_total / f.store.commits);
  }

  const double interval_s = std::max(0.001, std::chrono::duration<double>(now - last_).count());
  last_ = now;
  publish_load("messages/received", messages_received_, f.messages_received, interval_s);
  publish_load("messages/sent", messages_sent_, f.messages_sent, interval_s);
  publish_load("publish/received", publish_received_, f.publish_received, interval_s);
  publish_load("publish/sent", publish_sent_, f.publish_sent, interval_s);
  publish_load("bytes/received", bytes_received_, f.bytes_received, interval_s);
  publish_load("bytes/sent", bytes_sent_, f.bytes_sent, interval_s);
  // As mosquitto: CONNECT packets, and network connections opened.
  publish_load("connections", connects_received_, f.connects_received, interval_s);
  publish_load("sockets", sockets_opened_, f.sockets_opened, interval_s);
}

}  // namespace tern::broker
