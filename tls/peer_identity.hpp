#pragma once
// What a TLS session says about the client: the user name a listener takes
// from it (use_identity_as_username, use_subject_as_username), and readable
// reasons for a refused handshake, for the log.
//
// Thread: the connection's (an SSL object is used by one thread).

#include <string>

#include <openssl/ssl.h>
#include <boost/system/error_code.hpp>

#include "tls/settings.hpp"

namespace tern::tls {

// The user name `source` takes from the session: the certificate's CN or
// whole subject (RFC 2253, as mosquitto), or the PSK identity on a PSK
// listener. Empty when the client presented nothing to take it from.
std::string username_from(SSL* ssl, username_source source);

// The PSK identity a client was accepted with (the PSK callback records it:
// OpenSSL does not keep it for TLS 1.3). Empty: none.
void remember_psk_identity(SSL* ssl, const char* identity);
std::string psk_identity(SSL* ssl);

// The certificate's first CN as UTF-8; empty if it has none (or one with an
// embedded NUL, which could pass for another name).
std::string common_name(X509* cert);
// "CN=dev1,O=Acme" (RFC 2253: most specific first).
std::string subject_rfc2253(X509* cert);

// For a verify callback that was told the chain failed: "certificate has
// expired (depth 0, subject 'CN=dev1')".
std::string describe_verify_failure(X509_STORE_CTX* ctx);
// A failed handshake's error, with a hint when the peer did not speak TLS
// at all (a plain MQTT client on a TLS port).
std::string describe_handshake_failure(const boost::system::error_code& ec);

}  // namespace tern::tls
