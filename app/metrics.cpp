#include "app/metrics.hpp"

#include <fmt/format.h>

namespace tern::app {
namespace {

// Label values: backslash, double quote and line feed escaped (the format's
// only three).
std::string escape_label(std::string_view v) {
  std::string out;
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

class writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name,
                   type);
  }
  template <typename T>
  void sample(std::string_view name, T value, std::string_view labels = {}) {
    if (labels.empty()) {
      fmt::format_to(std::back_inserter(out_), "{} {}\n", name, value);
    } else {
      fmt::format_to(std::back_inserter(out_), "{}{{{}}} {}\n", name, labels, value);
    }
  }
  template <typename T>
  void one(std::string_view name, std::string_view type, std::string_view help, T value) {
    family(name, type, help);
    sample(name, value);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

double seconds(std::uint64_t microseconds) {
  return static_cast<double>(microseconds) / 1e6;
}

}  // namespace

std::string render_prometheus(const broker::sys_figures& f,
                              const std::vector<bridge_state>& bridges) {
  writer w;
  w.family("tern_info", "gauge", "Build of the running broker (always 1).");
  w.sample("tern_info", 1, "version=\"" + escape_label(f.version) + "\"");
  w.one("tern_uptime_seconds", "gauge", "Seconds since the broker started.", f.uptime_s);

  w.one("tern_clients_connected", "gauge", "Clients connected now.", f.clients_connected);
  w.one("tern_clients_disconnected", "gauge", "Sessions kept for clients that are not connected.",
        f.clients_disconnected);
  w.one("tern_clients_total", "gauge", "Sessions, connected or not.", f.clients_total);
  w.one("tern_clients_maximum", "gauge", "Most clients connected at once since start.",
        f.clients_maximum);
  w.one("tern_clients_expired_total", "counter", "Sessions ended by their expiry.",
        f.clients_expired);

  w.one("tern_messages_received_total", "counter", "MQTT packets received, of any type.",
        f.messages_received);
  w.one("tern_messages_sent_total", "counter", "MQTT packets sent, of any type.", f.messages_sent);
  w.one("tern_publish_received_total", "counter", "PUBLISH packets received.", f.publish_received);
  w.one("tern_publish_sent_total", "counter", "PUBLISH packets sent.", f.publish_sent);
  w.one("tern_bytes_received_total", "counter", "Bytes received from clients.", f.bytes_received);
  w.one("tern_bytes_sent_total", "counter", "Bytes sent to clients.", f.bytes_sent);
  w.one("tern_input_reads_total", "counter",
        "Reads that returned client input; against tern_messages_received_total, how many "
        "packets a read carries.",
        f.input_reads);
  w.one("tern_sockets_opened_total", "counter", "Network connections opened.", f.sockets_opened);
  w.one("tern_connects_received_total", "counter", "CONNECT packets received.",
        f.connects_received);

  w.family("tern_messages_dropped_total", "counter", "Messages dropped, by cause.");
  w.sample("tern_messages_dropped_total", f.dropped_qos0_backlog, "cause=\"qos0_backlog\"");
  w.sample("tern_messages_dropped_total", f.dropped_queue_full, "cause=\"queue_full\"");
  w.sample("tern_messages_dropped_total", f.dropped_too_large, "cause=\"too_large\"");
  w.sample("tern_messages_dropped_total", f.dropped_expired, "cause=\"expired\"");
  w.sample("tern_messages_dropped_total", f.dropped_store_failing, "cause=\"store_failing\"");

  w.one("tern_subscriptions", "gauge", "Subscriptions of all sessions.", f.subscriptions);
  w.one("tern_retained_messages", "gauge", "Retained messages held.", f.retained);
  w.one("tern_heap_bytes", "gauge",
        "Heap in use (glibc malloc), or resident memory under mimalloc.", f.heap_current);
  w.one("tern_heap_maximum_bytes", "gauge", "Most heap seen in use since start.", f.heap_maximum);

  w.one("tern_persistence_enabled", "gauge", "1 when the SQLite store is on.",
        f.persistence ? 1 : 0);
  if (f.persistence) {
    w.one("tern_store_bytes", "gauge", "Size of the store's database file and its WAL.",
          f.store.file_bytes);
    w.one("tern_store_pending_events", "gauge", "Store events submitted, not yet committed.",
          f.store.pending);
    w.one("tern_store_messages", "gauge",
          "Messages the store holds (queued, inflight, retained), counted every 10 s at most.",
          f.store.messages);
    w.one("tern_store_message_bytes", "gauge", "Stored size of the messages the store holds.",
          f.store.message_bytes);
    w.family("tern_store_commit_duration_seconds", "summary",
             "Time to write and commit one store transaction.");
    w.sample("tern_store_commit_duration_seconds_sum", seconds(f.store.commit_us_total));
    w.sample("tern_store_commit_duration_seconds_count", f.store.commits);
    w.one("tern_store_commit_duration_seconds_max", "gauge",
          "Longest store transaction since start.", seconds(f.store.commit_us_max));
    w.one("tern_store_commit_duration_seconds_last", "gauge", "The last store transaction.",
          seconds(f.store.commit_us_last));
  }

  if (!bridges.empty()) {
    w.family("tern_bridge_connected", "gauge",
             "1 when the bridge's link to its remote broker is up.");
    for (const auto& b : bridges)
      w.sample("tern_bridge_connected", b.connected ? 1 : 0,
               "bridge=\"" + escape_label(b.name) + "\"");
  }
  return w.take();
}

}  // namespace tern::app
