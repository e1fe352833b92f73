#pragma once
// A TLS listener's OpenSSL context, built from server_settings, and its
// reload on SIGHUP.
//
// A connection takes current() when it is accepted and keeps that context
// for life; reload() builds a whole new context from the files and swaps it
// in, so new connections get the new certificate, key and CRL while the
// connected ones carry on with theirs. If any file is bad, the old context
// stays and the reason is returned for the log.
//
// Thread: any (current() and reload() take a mutex; the swap is one
// pointer, the building happens outside it).

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "tls/settings.hpp"

namespace tern::tls {

// Builds a context for `s`. Throws setup_error saying which file or setting
// is wrong and what to change.
std::shared_ptr<boost::asio::ssl::context> build_server_context(const server_settings& s);

class server_context {
 public:
  // Throws setup_error, like build_server_context.
  explicit server_context(server_settings s);

  std::shared_ptr<boost::asio::ssl::context> current() const;
  // Rebuilds from the files. nullopt: swapped in; otherwise why not (the
  // old context stays in use).
  std::optional<std::string> reload();
  const server_settings& settings() const noexcept { return settings_; }

 private:
  const server_settings settings_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> current_;
};

}  // namespace tern::tls
