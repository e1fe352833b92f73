#include "app/tls_settings.hpp"

#include <stdexcept>

#include <spdlog/spdlog.h>

#ifdef TERN_WITH_TLS
#include "net/tls_connection.hpp"
#include "tls/server_context.hpp"
#include "tls/setup_error.hpp"
#endif

namespace tern::app {

bool uses_tls(const listener_config& l) {
  return !l.certfile.empty() || !l.psk_hint.empty();
}

tls::server_settings server_tls_settings(const listener_config& l, const config& cfg) {
  tls::server_settings s;
  s.certfile = l.certfile;
  s.keyfile = l.keyfile;
  s.cafile = l.cafile;
  s.capath = l.capath;
  s.crlfile = l.crlfile;
  s.require_certificate = l.require_certificate;
  s.username = l.use_identity_as_username  ? tls::username_source::identity
               : l.use_subject_as_username ? tls::username_source::subject
                                           : tls::username_source::connect;
  s.version = l.tls_version == "tlsv1.3" ? tls::min_version::tls1_3 : tls::min_version::tls1_2;
  s.ciphers = l.ciphers;
  s.ciphersuites = l.ciphers_tls13;
  s.psk_hint = l.psk_hint;
  s.psk_file = l.psk_file.empty() ? cfg.psk_file : l.psk_file;
  return s;
}

#ifdef TERN_WITH_TLS

tls_listeners::tls_listeners(const config& cfg) {
  for (const auto& l : cfg.listeners) {
    names_.push_back("listener " + std::to_string(l.port) + " (" + l.source + ")");
    if (!uses_tls(l)) {
      contexts_.push_back(nullptr);
      continue;
    }
    if ((l.use_identity_as_username || l.use_subject_as_username) && l.psk_hint.empty() &&
        !l.require_certificate) {
      spdlog::warn(
          "{}: user names come from client certificates, but without "
          "`require_certificate true` none is asked for, so every client will be "
          "refused; add `require_certificate true` and a cafile",
          names_.back());
    }
    try {
      contexts_.push_back(std::make_shared<tls::server_context>(server_tls_settings(l, cfg)));
    } catch (const tls::setup_error& e) {
      throw config_error(l.source, "TLS listener " + std::to_string(l.port) + ": " + e.what());
    }
  }
}

net::connection_factory tls_listeners::connection_factory(std::size_t listener) const {
  auto context = this->context(listener);
  if (!context) return {};
  const auto username = context->settings().username;
  return [context, username](net::accepted_socket socket, broker::broker& b, unsigned worker,
                             net::connection_set& set) -> std::shared_ptr<net::connection> {
    return std::make_shared<net::tls_connection>(std::move(socket), context->current(), username, b,
                                                 worker, set);
  };
}

void tls_listeners::reload() {
  for (std::size_t i = 0; i < contexts_.size(); ++i) {
    if (!contexts_[i]) continue;
    if (auto failure = contexts_[i]->reload()) {
      spdlog::error("SIGHUP: {}: {}; it keeps its previous certificate, key and CRL", names_[i],
                    *failure);
    } else {
      spdlog::info("SIGHUP: {}: certificate, key and CRL reloaded; new connections use them",
                   names_[i]);
    }
  }
}

#else  // built without TLS (TERN_WITH_TLS=OFF)

tls_listeners::tls_listeners(const config& cfg) {
  for (const auto& l : cfg.listeners) {
    // The config reader refuses certfile and psk_hint in this build (at
    // their line); a TLS listener here would serve plain text.
    if (uses_tls(l)) throw std::logic_error("TLS listener " + l.source + " in a build without TLS");
  }
}

net::connection_factory tls_listeners::connection_factory(std::size_t) const {
  return {};
}

void tls_listeners::reload() {}

#endif

tls_listeners::~tls_listeners() = default;

std::shared_ptr<tls::server_context> tls_listeners::context(std::size_t listener) const {
  return listener < contexts_.size() ? contexts_[listener] : nullptr;
}

}  // namespace tern::app
