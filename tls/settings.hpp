#pragma once
// What a TLS listener or a bridge's TLS connection is made of, as plain
// values: app/ fills these from mosquitto.conf (listener_config, a bridge's
// bridge_* keys); tls/ turns them into OpenSSL contexts. No OpenSSL here, so
// bridge options and the app can carry them without linking OpenSSL.

#include <cstdint>
#include <string>

namespace tern::tls {

// The lowest protocol version accepted (mosquitto's `tls_version`).
enum class min_version : std::uint8_t { tls1_2, tls1_3 };

// Where a client's user name comes from on a listener that takes it from TLS
// instead of CONNECT (mosquitto's use_identity_as_username /
// use_subject_as_username).
enum class username_source : std::uint8_t {
  connect,   // CONNECT's user name and password, as on a plain listener
  identity,  // the certificate's CN, or on a PSK listener the PSK identity
  subject,   // the certificate's whole subject, RFC 2253 (e.g. "CN=dev1,O=Acme")
};

struct server_settings {
  // Certificates: certfile (PEM, the server's certificate then any
  // intermediates) and its keyfile. Empty on a PSK listener.
  std::string certfile, keyfile;
  // CAs for client certificates (PEM file, or an OpenSSL hashed directory),
  // and revoked client certificates (PEM CRL, checked when set).
  std::string cafile, capath, crlfile;
  // Clients must present a certificate signed by cafile/capath. Without
  // it, as in mosquitto, no client certificate is asked for.
  bool require_certificate = false;
  username_source username = username_source::connect;
  min_version version = min_version::tls1_2;
  std::string ciphers;       // TLS 1.2 cipher list (OpenSSL syntax); empty: OpenSSL's default
  std::string ciphersuites;  // TLS 1.3 suites; empty: OpenSSL's default
  // A PSK listener: the hint sent to clients and mosquitto's psk_file
  // (`identity:hexkey` lines).
  std::string psk_hint, psk_file;
};

// A bridge's connection to a remote broker.
struct client_settings {
  std::string cafile, capath;     // CAs the remote's certificate must chain to
  std::string certfile, keyfile;  // our certificate, when the remote asks for one
  // true: the remote's certificate must still chain to the CA, but its name
  // is not checked against the address (mosquitto's bridge_insecure).
  bool insecure = false;
  min_version version = min_version::tls1_2;
};

}  // namespace tern::tls
