// Prometheus text exposition format 0.0.4: every family has HELP and TYPE
// before its samples, counters end in _total, label values are escaped.
// (tests/e2e/test_ops_http.py parses the live output with prometheus_client.)
#include "app/metrics.hpp"

#include <set>
#include <sstream>

#include <gtest/gtest.h>

namespace tern::app {
namespace {

broker::sys_figures sample_figures() {
  broker::sys_figures f;
  f.version = "0.1.0";
  f.uptime_s = 42;
  f.clients_connected = 3;
  f.clients_total = 5;
  f.clients_disconnected = 2;
  f.publish_received = 1000;
  f.dropped_queue_full = 7;
  f.dropped_qos0_backlog = 1;
  return f;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

TEST(Metrics, SamplesCarryTheirValues) {
  const auto text = render_prometheus(sample_figures(), {});
  EXPECT_NE(text.find("\ntern_clients_connected 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ntern_publish_received_total 1000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ntern_messages_dropped_total{cause=\"queue_full\"} 7\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("tern_info{version=\"0.1.0\"} 1\n"), std::string::npos) << text;
}

TEST(Metrics, EveryFamilyHasHelpAndTypeBeforeItsSamples) {
  const auto text = render_prometheus(sample_figures(), {{"cloud", true}});
  std::set<std::string> typed;
  std::string last_help;
  for (const auto& line : lines_of(text)) {
    ASSERT_FALSE(line.empty());
    if (line.rfind("# HELP ", 0) == 0) {
      last_help = line.substr(7, line.find(' ', 7) - 7);
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      const auto name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_EQ(name, last_help) << "TYPE without its HELP right before: " << line;
      const auto type = line.substr(line.rfind(' ') + 1);
      EXPECT_TRUE(type == "counter" || type == "gauge" || type == "summary") << line;
      if (type == "counter") {
        EXPECT_TRUE(name.ends_with("_total")) << line;
      }
      EXPECT_TRUE(typed.insert(name).second) << "family twice: " << name;
      continue;
    }
    const auto name = line.substr(0, line.find_first_of(" {"));
    const bool known =
        typed.contains(name) ||
        (name.ends_with("_sum") && typed.contains(name.substr(0, name.size() - 4))) ||
        (name.ends_with("_count") && typed.contains(name.substr(0, name.size() - 6)));
    EXPECT_TRUE(known) << "sample before its TYPE line: " << line;
  }
  EXPECT_TRUE(typed.contains("tern_bridge_connected"));
}

TEST(Metrics, StoreFiguresOnlyWithPersistence) {
  auto f = sample_figures();
  EXPECT_EQ(render_prometheus(f, {}).find("tern_store_"), std::string::npos);
  f.persistence = true;
  f.store.commits = 4;
  f.store.commit_us_total = 2000;
  f.store.file_bytes = 4096;
  const auto text = render_prometheus(f, {});
  EXPECT_NE(text.find("\ntern_store_commit_duration_seconds_count 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ntern_store_commit_duration_seconds_sum 0.002\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("\ntern_store_bytes 4096\n"), std::string::npos) << text;
}

TEST(Metrics, LabelValuesAreEscaped) {
  const auto text = render_prometheus(sample_figures(), {{"a\"b\\c\nd", false}});
  EXPECT_NE(text.find("tern_bridge_connected{bridge=\"a\\\"b\\\\c\\nd\"} 0\n"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace tern::app
