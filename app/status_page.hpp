#pragma once
// The live status page of the `protocol http` listener: one HTML page
// (inline script and SVG, nothing fetched from elsewhere) that listens to
// /events, a server-sent event stream of status_event() values, and plots
// the message rates over the last minutes.
//
// Pure: values in, text out.

#include <string>
#include <string_view>
#include <vector>

#include "app/metrics.hpp"
#include "session/sys_topics.hpp"

namespace tern::app {

// The page; it reads its events from `events_path`.
std::string status_page_html(std::string_view events_path);

// One event: the figures as a JSON object (counters as they are; the page
// turns them into rates).
std::string status_event(const broker::sys_figures& f, const std::vector<bridge_state>& bridges);

}  // namespace tern::app
