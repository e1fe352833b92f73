#include "bench/load/run_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tern::bench {

namespace {

double percentile_ms(const std::vector<std::uint64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest sample with at least q of them at or below.
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return static_cast<double>(sorted[rank - 1]) / 1e6;
}

class json_object {
 public:
  void field(const char* name, const std::string& value) {
    key(name);
    out_ += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out_ += buf;
      } else {
        out_ += c;
      }
    }
    out_ += '"';
  }
  void field(const char* name, const char* value) { field(name, std::string(value)); }
  void field(const char* name, double value) {
    key(name);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", value);
    out_ += buf;
  }
  void field(const char* name, std::uint64_t value) {
    key(name);
    out_ += std::to_string(value);
  }
  void field(const char* name, long value) {
    key(name);
    out_ += std::to_string(value);
  }
  void field(const char* name, int value) { field(name, static_cast<long>(value)); }
  void field(const char* name, std::uint32_t value) {
    field(name, static_cast<std::uint64_t>(value));
  }
  void field(const char* name, bool value) {
    key(name);
    out_ += value ? "true" : "false";
  }
  void raw(const char* name, const std::string& json) {
    key(name);
    out_ += json;
  }
  std::string str() const { return out_ + '}'; }

 private:
  void key(const char* name) {
    out_ += out_.size() == 1 ? "\"" : ",\"";
    out_ += name;
    out_ += "\":";
  }
  std::string out_ = "{";
};

}  // namespace

latency_summary summarize(std::vector<std::uint64_t>& samples_ns) {
  std::sort(samples_ns.begin(), samples_ns.end());
  latency_summary s;
  s.p50_ms = percentile_ms(samples_ns, 0.50);
  s.p90_ms = percentile_ms(samples_ns, 0.90);
  s.p99_ms = percentile_ms(samples_ns, 0.99);
  s.p999_ms = percentile_ms(samples_ns, 0.999);
  s.max_ms = samples_ns.empty() ? 0 : static_cast<double>(samples_ns.back()) / 1e6;
  return s;
}

std::string run_report::to_json() const {
  json_object j;
  j.field("scenario", scenario);
  j.field("protocol", protocol);
  j.field("qos", qos);
  j.field("publishers", publishers);
  j.field("subscribers", subscribers);
  j.field("window", window);
  j.field("rate", rate);
  j.field("payload", static_cast<std::uint64_t>(payload));
  j.field("duration_s", duration_s);
  j.field("drain_s", drain_s);
  j.field("drained", drained);
  j.field("sent", sent);
  j.field("acked", acked);
  j.field("rejected", rejected);
  j.field("unacked", unacked);
  j.field("expected", expected);
  j.field("delivered", delivered);
  j.field("delivered_in_window", delivered_in_window);
  j.field("msg_per_s",
          duration_s > 0 ? static_cast<double>(delivered_in_window) / duration_s : 0.0);
  j.field("sent_per_s", duration_s > 0 ? static_cast<double>(sent) / duration_s : 0.0);
  j.field("delivery_ratio",
          expected > 0 ? static_cast<double>(delivered) / static_cast<double>(expected) : 0.0);
  j.field("lost", lost);
  j.field("duplicates", duplicates);
  j.field("out_of_order", out_of_order);
  j.field("unexpected_acks", unexpected_acks);
  j.field("p50_ms", latency.p50_ms);
  j.field("p90_ms", latency.p90_ms);
  j.field("p99_ms", latency.p99_ms);
  j.field("p999_ms", latency.p999_ms);
  j.field("max_ms", latency.max_ms);
  std::string seconds = "[";
  for (std::size_t i = 0; i < per_second.size(); ++i) {
    if (i != 0) seconds += ',';
    seconds += std::to_string(per_second[i]);
  }
  j.raw("per_second", seconds + ']');
  j.field("broker_pid", broker_pid);
  j.field("broker_cpu_s", broker_cpu_s);
  j.field("cpu_us_per_msg", broker_cpu_s >= 0 && delivered > 0
                                ? broker_cpu_s * 1e6 / static_cast<double>(delivered)
                                : -1.0);
  j.field("generator_cpu_s", generator_cpu_s);
  j.field("connections", connections);
  j.field("connect_s", connect_s);
  j.field("rss_before_kib", rss_before_kib);
  j.field("rss_after_kib", rss_after_kib);
  j.field("kib_per_connection", rss_before_kib >= 0 && rss_after_kib >= 0 && connections > 0
                                    ? static_cast<double>(rss_after_kib - rss_before_kib) /
                                          static_cast<double>(connections)
                                    : -1.0);
  j.field("client_failures", client_failures);
  std::string errs = "[";
  for (std::size_t i = 0; i < errors.size(); ++i) {
    json_object e;
    e.field("e", errors[i]);
    const std::string s = e.str();  // {"e":"..."}: reuse the escaping
    if (i != 0) errs += ',';
    errs += s.substr(5, s.size() - 6);
  }
  j.raw("errors", errs + ']');
  return j.str();
}

}  // namespace tern::bench
