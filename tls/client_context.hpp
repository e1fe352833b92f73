#pragma once
// The OpenSSL context of a bridge's connection to a remote broker: the
// remote's certificate must chain to bridge_cafile / bridge_capath, and
// (unless bridge_insecure) name the host we connect to.
//
// Thread: built at start-up, then used by the bridge's worker only.

#include <memory>
#include <string>

#include <openssl/ssl.h>
#include <boost/asio/ssl/context.hpp>

#include "tls/settings.hpp"

namespace tern::tls {

// Throws setup_error naming the bridge_* setting and what to change.
std::shared_ptr<boost::asio::ssl::context> build_client_context(const client_settings& s);

// Before the handshake of one connection to `host`: SNI, and the name (or
// IP address) the certificate must carry unless `insecure`.
void prepare_client_session(SSL* ssl, const std::string& host, bool insecure);

}  // namespace tern::tls
