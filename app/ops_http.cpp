#include "app/ops_http.hpp"

#include <cctype>
#include <mutex>

#include "app/status_page.hpp"
#include "auth/password_file.hpp"
#include "auth/password_hash.hpp"

namespace tern::app {

struct ops_http::shared {
  ops_sources sources;
  std::string password_path;
  mutable std::mutex mutex;  // guards users
  std::shared_ptr<const auth::password_file> users;

  std::shared_ptr<const auth::password_file> current_users() const {
    std::lock_guard lock(mutex);
    return users;
  }
};

namespace {

constexpr const char* events_path = "/events";

std::string path_of(const std::string& target) {
  return target.substr(0, target.find('?'));
}

// "Basic BASE64(user:password)" checked against the file (RFC 7617).
bool check_basic(const auth::password_file& users, std::string_view header) {
  constexpr std::string_view scheme = "Basic ";
  if (header.size() <= scheme.size()) return false;
  for (std::size_t i = 0; i + 1 < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) !=
        std::tolower(static_cast<unsigned char>(scheme[i])))
      return false;
  }
  std::vector<std::uint8_t> decoded;
  if (!auth::decode_base64(header.substr(scheme.size()), decoded)) return false;
  const std::string text(decoded.begin(), decoded.end());
  const auto colon = text.find(':');
  if (colon == std::string::npos) return false;
  const auto* entry = users.find(std::string_view(text).substr(0, colon));
  const auto password = std::string_view(text).substr(colon + 1);
  if (entry == nullptr) return auth::verify_unknown_user(password);
  return auth::verify_password(*entry, password);
}

}  // namespace

ops_http::ops_http(ops_sources sources, std::string password_file)
    : shared_(std::make_shared<shared>()) {
  shared_->sources = std::move(sources);
  shared_->password_path = std::move(password_file);
  reload();
}

void ops_http::reload() {
  if (shared_->password_path.empty()) return;
  auto users = std::make_shared<const auth::password_file>(
      auth::password_file::load(shared_->password_path));
  std::lock_guard lock(shared_->mutex);
  shared_->users = std::move(users);
}

net::http_service ops_http::service() const {
  net::http_service s;
  auto sh = shared_;
  if (!sh->password_path.empty()) {
    s.authorize = [sh](const net::http_request& r) {
      const auto path = path_of(r.target);
      if (path == "/healthz" || path == "/readyz") return true;
      const auto users = sh->current_users();
      return users && check_basic(*users, r.authorization);
    };
  }
  s.handle = [sh](const net::http_request& r) -> net::http_reply {
    if (r.method != "GET")
      return {405, "text/plain; charset=utf-8", "only GET\n", {{"Allow", "GET"}}};
    const auto path = path_of(r.target);
    const auto& src = sh->sources;
    if (path == "/metrics")
      return {200, prometheus_content_type, render_prometheus(src.figures(), src.bridges()), {}};
    if (path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n", {}};
    if (path == "/readyz") {
      if (src.ready && src.ready->load(std::memory_order_relaxed))
        return {200, "text/plain; charset=utf-8", "ready\n", {}};
      return {503, "text/plain; charset=utf-8", "not ready\n", {}};
    }
    if (path == "/" || path == "/status")
      return {200,
              "text/html; charset=utf-8",
              status_page_html(events_path),
              {{"Cache-Control", "no-store"}}};
    return {
        404, "text/plain; charset=utf-8", "not found; try /, /metrics, /healthz or /readyz\n", {}};
  };
  s.events_path = events_path;
  s.next_event = [sh] { return status_event(sh->sources.figures(), sh->sources.bridges()); };
  return s;
}

}  // namespace tern::app
