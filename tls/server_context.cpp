#include "tls/server_context.hpp"

#include <cstring>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "tls/context_files.hpp"
#include "tls/openssl_error.hpp"
#include "tls/peer_identity.hpp"
#include "tls/psk_file.hpp"
#include "tls/setup_error.hpp"

namespace tern::tls {
namespace asio = boost::asio;

namespace {

// A context with what its callbacks read: both live and die together.
struct context_bundle {
  asio::ssl::context context{asio::ssl::context::tls_server};
  psk_table keys;
};

// Where a context keeps its PSK table for the callback.
int psk_slot() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// OpenSSL asks for the key of the identity the client sent; 0 refuses it
// (the handshake then fails with "unknown psk identity" at the client).
unsigned int find_psk(SSL* ssl, const char* identity, unsigned char* psk,
                      unsigned int max_psk_len) {
  const auto* keys =
      static_cast<const psk_table*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), psk_slot()));
  if (keys == nullptr || identity == nullptr) return 0;
  const auto it = keys->find(identity);
  if (it == keys->end() || it->second.size() > max_psk_len) return 0;
  std::memcpy(psk, it->second.data(), it->second.size());
  remember_psk_identity(ssl, identity);
  return static_cast<unsigned int>(it->second.size());
}

void load_crl(SSL_CTX* ctx, const std::string& crlfile) {
  require_readable("crlfile", crlfile);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
  ERR_clear_error();
  if (lookup == nullptr || X509_load_crl_file(lookup, crlfile.c_str(), X509_FILETYPE_PEM) <= 0) {
    throw setup_error("crlfile '" + crlfile + "' holds no usable CRL (OpenSSL: " +
                      take_openssl_error() + "); give a PEM CRL from the clients' CA");
  }
  // The client's certificate is looked up; intermediates are not (as mosquitto).
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
}

}  // namespace

std::shared_ptr<asio::ssl::context> build_server_context(const server_settings& s) {
  auto bundle = std::make_shared<context_bundle>();
  SSL_CTX* ctx = bundle->context.native_handle();
  bundle->context.set_options(asio::ssl::context::default_workarounds |
                              asio::ssl::context::no_compression |
                              asio::ssl::context::single_dh_use);
  set_min_version(ctx, s.version);
  // An idle connection gives its record buffers back (about 34 KiB each).
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  // Sessions resumed by a client must be verified the same way.
  static constexpr unsigned char session_context[] = "tern";
  SSL_CTX_set_session_id_context(ctx, session_context, sizeof session_context - 1);

  const bool psk = !s.psk_hint.empty();
  // OpenSSL's default list has no PSK key exchange for TLS 1.2.
  const std::string ciphers = !s.ciphers.empty() ? s.ciphers : psk ? "PSK" : "";
  if (!ciphers.empty() && SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) {
    ERR_clear_error();
    throw setup_error("ciphers '" + ciphers +
                      "' names no cipher this OpenSSL offers; see `openssl ciphers -v`");
  }
  if (!s.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, s.ciphersuites.c_str()) != 1) {
    ERR_clear_error();
    throw setup_error("ciphers_tls1.3 '" + s.ciphersuites +
                      "' names no TLS 1.3 suite this OpenSSL offers, e.g. "
                      "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256");
  }

  if (!s.certfile.empty()) load_certificate(ctx, s.certfile, s.keyfile, {});
  load_verify_locations(ctx, s.cafile, s.capath, {});
  if (!s.cafile.empty()) {
    // Tells clients which CAs we accept, so they pick the right certificate.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(s.cafile.c_str()))
      SSL_CTX_set_client_CA_list(ctx, names);
    ERR_clear_error();
  }
  if (!s.crlfile.empty()) load_crl(ctx, s.crlfile);
  // As mosquitto: a client certificate is asked for only when required.
  SSL_CTX_set_verify(
      ctx,
      s.require_certificate ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_NONE,
      nullptr);

  if (psk) {
    if (s.psk_file.empty()) {
      throw setup_error(
          "psk_hint is set but there is no psk_file with the clients' keys; add "
          "`psk_file PATH` (lines `identity:hexkey`)");
    }
    bundle->keys = read_psk_file(s.psk_file);
    SSL_CTX_use_psk_identity_hint(ctx, s.psk_hint.c_str());
    SSL_CTX_set_ex_data(ctx, psk_slot(), &bundle->keys);
    SSL_CTX_set_psk_server_callback(ctx, find_psk);
  }
  return {bundle, &bundle->context};
}

server_context::server_context(server_settings s)
    : settings_(std::move(s)), current_(build_server_context(settings_)) {}

std::shared_ptr<asio::ssl::context> server_context::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::optional<std::string> server_context::reload() {
  std::shared_ptr<asio::ssl::context> fresh;
  try {
    fresh = build_server_context(settings_);
  } catch (const setup_error& e) {
    return e.what();
  }
  std::lock_guard lock(mutex_);
  current_.swap(fresh);
  return std::nullopt;  // the old context goes when its last connection does
}

}  // namespace tern::tls
