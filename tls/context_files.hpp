#pragma once
// Loading the files a context is made of, with messages that name the
// file, what is wrong and what to change. Shared by listeners and bridges;
// the setting names differ (certfile / bridge_certfile), so callers pass
// them in.
//
// Thread: any, on a context not yet in use.

#include <string>
#include <string_view>

#include <openssl/ssl.h>

#include "tls/settings.hpp"

namespace tern::tls {

// The names of the settings in the caller's config, for messages.
struct setting_names {
  std::string_view certfile = "certfile", keyfile = "keyfile", cafile = "cafile", capath = "capath";
};

// Throws setup_error when `path` cannot be opened for reading.
void require_readable(std::string_view setting, const std::string& path);
// certfile (PEM chain: the certificate, then intermediates) and keyfile,
// checked to belong together.
void load_certificate(SSL_CTX* ctx, const std::string& certfile, const std::string& keyfile,
                      const setting_names& names);
// CAs to verify the peer with (either may be empty).
void load_verify_locations(SSL_CTX* ctx, const std::string& cafile, const std::string& capath,
                           const setting_names& names);
void set_min_version(SSL_CTX* ctx, min_version v);

}  // namespace tern::tls
