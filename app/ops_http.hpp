#pragma once
// What a `protocol http` listener serves (net::http_service):
//
//   GET /          the live status page (app/status_page)
//   GET /events    its server-sent event stream, one event a second
//   GET /metrics   Prometheus text (app/metrics)
//   GET /healthz   200 while the process serves
//   GET /readyz    200 once the listeners accept, 503 while starting or draining
//
// With `http_password_file` every path but /healthz and /readyz needs HTTP
// Basic auth by a user of that file (mosquitto_passwd format); the file is
// read again by reload() (SIGHUP).
//
// Thread: the sources' callbacks and the service's run on any worker.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/metrics.hpp"
#include "net/http_service.hpp"
#include "session/sys_topics.hpp"

namespace tern::auth {
class password_file;
}

namespace tern::app {

struct ops_sources {
  std::function<broker::sys_figures()> figures;
  std::function<std::vector<bridge_state>()> bridges;
  std::shared_ptr<const std::atomic<bool>> ready;
};

class ops_http {
 public:
  // Throws auth's file_error when the password file cannot be read.
  ops_http(ops_sources sources, std::string password_file);
  net::http_service service() const;
  // Reads the password file again; on error keeps the old users and throws.
  void reload();

 private:
  struct shared;
  std::shared_ptr<shared> shared_;
};

}  // namespace tern::app
