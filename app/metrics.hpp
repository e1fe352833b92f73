#pragma once
// The broker's figures (the same as $SYS) in Prometheus' text exposition
// format 0.0.4, for the `protocol http` listener's /metrics: every family
// with its HELP and TYPE lines, counters named *_total.
//
// Pure: a value in, text out (tests/unit/app/metrics_test.cpp).

#include <string>
#include <vector>

#include "session/sys_topics.hpp"

namespace tern::app {

// A bridge (`connection NAME`) and whether its link to the remote is up.
struct bridge_state {
  std::string name;
  bool connected = false;
};

std::string render_prometheus(const broker::sys_figures& f,
                              const std::vector<bridge_state>& bridges);

// The Content-Type Prometheus expects for that text.
inline constexpr const char* prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace tern::app
