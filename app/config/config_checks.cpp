// config_parser::finish(): the checks that need more than one line, and the
// defaults that depend on the whole configuration.

#include <filesystem>
#include <initializer_list>
#include <system_error>

#include <fmt/format.h>

#include "app/config/config_parser.hpp"

namespace tern::app::detail {

void config_parser::finish() {
  for (std::size_t i = 0; i < out_.listeners.size(); ++i)
    check_listener(i);
  for (std::size_t i = 0; i < out_.bridges.size(); ++i)
    check_bridge(i);
  check_persistence();
  // mosquitto 2.0: anonymous clients are refused once listeners are
  // configured; with none, the built-in listener is local-only and open.
  if (!allow_anonymous_given_) out_.allow_anonymous = out_.listeners.empty();
}

void config_parser::check_listener(std::size_t i) const {
  const listener_config& l = out_.listeners[i];
  const seen_map& seen = listener_seen_[i];
  const auto given = [&](std::string_view name) { return seen.contains(name); };
  const auto fail_at = [&](std::string_view name, const std::string& message) {
    throw config_error(seen.find(name)->second, message);
  };
  const std::string which = fmt::format("listener {} ({})", l.port, l.source);

  const bool certificates = given("certfile") || given("keyfile");
  const bool psk = given("psk_hint");
  if (psk && certificates) {
    fail_at("psk_hint", fmt::format("{} has both psk_hint and a certificate; a listener uses "
                                    "either certificates or a PSK, remove one",
                                    which));
  }
  if (given("certfile") != given("keyfile")) {
    const std::string_view has = given("certfile") ? "certfile" : "keyfile";
    const std::string_view lacks = given("certfile") ? "keyfile" : "certfile";
    fail_at(has, fmt::format("{} has `{}` but no `{}`; TLS needs both, add `{} PATH`", which, has,
                             lacks, lacks));
  }
  // Options that only mean something on a TLS listener, and the ones that
  // are about client certificates, which a PSK listener does not use.
  for (std::string_view name :
       {"cafile", "capath", "crlfile", "tls_version", "ciphers", "ciphers_tls1.3",
        "require_certificate", "use_identity_as_username", "use_subject_as_username"}) {
    if (!given(name) || certificates || psk) continue;
    const bool off = (name == "require_certificate" && !l.require_certificate) ||
                     (name == "use_identity_as_username" && !l.use_identity_as_username) ||
                     (name == "use_subject_as_username" && !l.use_subject_as_username);
    if (off) continue;
    fail_at(name, fmt::format("`{}` only applies to TLS, but {} has no certfile and keyfile; add "
                              "them or remove `{}`",
                              name, which, name));
  }
  if (psk) {
    for (std::string_view name :
         {"cafile", "capath", "crlfile", "require_certificate", "use_subject_as_username"}) {
      if (!given(name) || (name == "require_certificate" && !l.require_certificate) ||
          (name == "use_subject_as_username" && !l.use_subject_as_username)) {
        continue;
      }
      fail_at(name, fmt::format("`{}` is about client certificates, but {} uses a PSK "
                                "(psk_hint); remove `{}` or use certificates instead",
                                name, which, name));
    }
  }
  if (l.require_certificate && l.cafile.empty() && l.capath.empty()) {
    fail_at("require_certificate",
            fmt::format("`require_certificate true` needs the CA that signs client certificates, "
                        "but {} has no cafile or capath; add one",
                        which));
  }
  for (std::string_view name :
       {"websockets_path", "websockets_origin", "websockets_trusted_proxy"}) {
    if (given(name) && l.protocol != "websockets") {
      fail_at(name, fmt::format("`{}` is for websockets listeners, but {} uses {}; add `protocol "
                                "websockets` or remove `{}`",
                                name, which, l.protocol, name));
    }
  }
  if (given("http_password_file") && l.protocol != "http") {
    fail_at("http_password_file",
            fmt::format("`http_password_file` is for http listeners, but {} uses {}; add "
                        "`protocol http` or remove `http_password_file`",
                        which, l.protocol));
  }
  if (given("http_dir") && l.protocol == "mqtt") {
    fail_at("http_dir", fmt::format("`http_dir` is for websockets or http listeners, but {} uses "
                                    "mqtt; add `protocol websockets` or remove `http_dir`",
                                    which));
  }
}

void config_parser::check_bridge(std::size_t i) const {
  const bridge_config& b = out_.bridges[i];
  const seen_map& seen = bridge_seen_[i];
  const auto at = [&](std::string_view key) { return seen.find(key)->second; };
  if (!seen.contains("address")) {
    throw config_error(b.source, fmt::format("bridge `{}` has no address; add `address "
                                             "HOST[:PORT]` after its connection line",
                                             b.name));
  }
  if (seen.contains("remote_password") && !seen.contains("remote_username")) {
    throw config_error(at("remote_password"),
                       fmt::format("bridge `{}` has remote_password but no remote_username; add "
                                   "`remote_username NAME`",
                                   b.name));
  }
  if (seen.contains("bridge_certfile") != seen.contains("bridge_keyfile")) {
    const std::string_view has =
        seen.contains("bridge_certfile") ? "bridge_certfile" : "bridge_keyfile";
    const std::string_view lacks =
        seen.contains("bridge_certfile") ? "bridge_keyfile" : "bridge_certfile";
    throw config_error(at(has), fmt::format("bridge `{}` has `{}` but no `{}`; a client "
                                            "certificate needs both",
                                            b.name, has, lacks));
  }
  const bool tls = seen.contains("bridge_cafile") || seen.contains("bridge_capath");
  for (std::string_view key : {"bridge_certfile", "bridge_tls_version"}) {
    if (seen.contains(key) && !tls) {
      throw config_error(at(key), fmt::format("bridge `{}` uses TLS only when bridge_cafile or "
                                              "bridge_capath is given; add `bridge_cafile PATH` "
                                              "for the remote broker's CA",
                                              b.name));
    }
  }
  // The local session's queue is what starts a lazy bridge; a clean one
  // is gone with each connection and queues nothing in between.
  const auto last_value = [&](std::string_view key) {
    std::string value;
    for (const auto& [k, v] : b.settings)
      if (k == key) value = v;
    return value;
  };
  if (last_value("start_type") == "lazy" && last_value("cleansession") == "true") {
    throw config_error(at("start_type"),
                       fmt::format("bridge `{}`: `start_type lazy` waits for messages to queue "
                                   "in the bridge's persistent session, which `cleansession "
                                   "true` discards; set `cleansession false` or use another "
                                   "start_type",
                                   b.name));
  }
}

// mosquitto joins persistence_location and persistence_file as text, so its
// users write the location with a trailing '/'. tern keeps persistence_location
// a directory and persistence_file a plain name inside it.
void config_parser::check_persistence() {
  namespace fs = std::filesystem;
  const auto where = [&](std::string_view name) {
    const auto it = global_seen_.find(name);
    return it == global_seen_.end() ? std::string() : it->second;
  };
  const fs::path file(out_.persistence_file);
  if (!file.has_filename() || file.filename() == "." || file.filename() == "..") {
    throw config_error(where("persistence_file"),
                       fmt::format("`persistence_file {}` does not name a file; give a file name "
                                   "such as tern.db",
                                   out_.persistence_file));
  }
  fs::path location(out_.persistence_location);
  if (file.has_parent_path()) {
    location = location.empty() ? file.parent_path() : location / file.parent_path();
    out_.persistence_file = file.filename().string();
  }
  std::string dir = location.lexically_normal().string();
  while (dir.size() > 1 && dir.back() == '/')
    dir.pop_back();
  out_.persistence_location = dir;

  std::error_code ec;
  if (!dir.empty() && fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    throw config_error(where("persistence_location"),
                       fmt::format("persistence_location {} is a file; give the directory that "
                                   "should hold {}",
                                   dir, out_.persistence_file));
  }
  if (out_.persistence && global_seen_.contains("persistence_file")) {
    out_.notes.push_back(fmt::format(
        "{}: tern keeps an SQLite database in {}; it does not read a mosquitto persistence file",
        where("persistence_file"), out_.persistence_file));
  }
}

}  // namespace tern::app::detail
