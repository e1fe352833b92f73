#pragma once
// A TLS handshake between two contexts over an in-memory BIO pair: the
// real OpenSSL state machines, no sockets, so it runs anywhere the unit
// tests do.

#include <memory>
#include <string>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls/peer_identity.hpp"

namespace tern::tls::testing {

struct handshake_result {
  bool ok = false;              // both sides finished
  std::string server_refusal;   // what the server's verify callback saw failing
  std::shared_ptr<SSL> server;  // for the peer's certificate, PSK identity, version
  std::shared_ptr<SSL> client;
};

// `prepare_client` runs on the client SSL before the handshake (SNI, PSK...).
template <class Prepare>
handshake_result memory_handshake(SSL_CTX* server_ctx, SSL_CTX* client_ctx,
                                  Prepare&& prepare_client) {
  handshake_result r;
  r.server.reset(SSL_new(server_ctx), SSL_free);
  r.client.reset(SSL_new(client_ctx), SSL_free);
  BIO *server_bio = nullptr, *client_bio = nullptr;
  BIO_new_bio_pair(&server_bio, 0, &client_bio, 0);
  SSL_set_bio(r.server.get(), server_bio, server_bio);
  SSL_set_bio(r.client.get(), client_bio, client_bio);
  SSL_set_accept_state(r.server.get());
  SSL_set_connect_state(r.client.get());
  SSL_set_app_data(r.server.get(), &r.server_refusal);
  SSL_set_verify(r.server.get(), SSL_get_verify_mode(r.server.get()),
                 [](int preverified, X509_STORE_CTX* ctx) {
                   auto* ssl = static_cast<SSL*>(
                       X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
                   auto* refusal = static_cast<std::string*>(SSL_get_app_data(ssl));
                   if (!preverified && refusal->empty()) *refusal = describe_verify_failure(ctx);
                   return preverified;
                 });
  prepare_client(r.client.get());
  bool server_done = false, client_done = false;
  for (int round = 0; round < 20 && !(server_done && client_done); ++round) {
    if (!client_done) {
      const int rc = SSL_do_handshake(r.client.get());
      if (rc == 1)
        client_done = true;
      else if (SSL_get_error(r.client.get(), rc) != SSL_ERROR_WANT_READ)
        break;
    }
    if (!server_done) {
      const int rc = SSL_do_handshake(r.server.get());
      if (rc == 1)
        server_done = true;
      else if (SSL_get_error(r.server.get(), rc) != SSL_ERROR_WANT_READ)
        break;
    }
  }
  // TLS 1.3: the server learns of a client's refusal only when it reads.
  if (server_done && client_done) {
    char byte = 0;
    SSL_write(r.client.get(), "x", 1);
    r.ok = SSL_read(r.server.get(), &byte, 1) == 1;
  }
  ERR_clear_error();
  return r;
}

inline handshake_result memory_handshake(SSL_CTX* server_ctx, SSL_CTX* client_ctx) {
  return memory_handshake(server_ctx, client_ctx, [](SSL*) {});
}

}  // namespace tern::tls::testing
