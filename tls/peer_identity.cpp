#include "tls/peer_identity.hpp"

#include <cstring>
#include <memory>

#include <openssl/bio.h>
#include <openssl/x509.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

namespace tern::tls {

namespace {

void free_identity(void*, void* identity, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<std::string*>(identity);
}

int identity_slot() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_identity);
  return index;
}

}  // namespace

void remember_psk_identity(SSL* ssl, const char* identity) {
  delete static_cast<std::string*>(SSL_get_ex_data(ssl, identity_slot()));
  SSL_set_ex_data(ssl, identity_slot(), new std::string(identity));
}

std::string psk_identity(SSL* ssl) {
  const auto* identity = static_cast<const std::string*>(SSL_get_ex_data(ssl, identity_slot()));
  return identity != nullptr ? *identity : std::string();
}

std::string common_name(X509* cert) {
  if (cert == nullptr) return {};
  X509_NAME* name = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0) return {};
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(n));
  OPENSSL_free(utf8);
  if (out.find('\0') != std::string::npos) return {};
  return out;
}

std::string subject_rfc2253(X509* cert) {
  if (cert == nullptr) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0)
    return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string username_from(SSL* ssl, username_source source) {
  if (source == username_source::connect) return {};
  if (source == username_source::identity) {
    if (auto identity = psk_identity(ssl); !identity.empty()) return identity;
  }
  X509* cert = SSL_get0_peer_certificate(ssl);
  return source == username_source::identity ? common_name(cert) : subject_rfc2253(cert);
}

std::string describe_verify_failure(X509_STORE_CTX* ctx) {
  const int error = X509_STORE_CTX_get_error(ctx);
  std::string out = X509_verify_cert_error_string(error);
  out += " (depth " + std::to_string(X509_STORE_CTX_get_error_depth(ctx));
  if (X509* cert = X509_STORE_CTX_get_current_cert(ctx))
    out += ", subject '" + subject_rfc2253(cert) + "'";
  return out + ")";
}

std::string describe_handshake_failure(const boost::system::error_code& ec) {
  std::string out = ec.message();
  if (ec.category() == boost::asio::error::get_ssl_category()) {
    const int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
    if (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_HTTP_REQUEST ||
        reason == SSL_R_PACKET_LENGTH_TOO_LONG || reason == SSL_R_UNKNOWN_PROTOCOL) {
      out += "; the client does not speak TLS (plain MQTT to a TLS port?)";
    }
  }
  if (ec == boost::asio::ssl::error::stream_truncated || ec == boost::asio::error::eof)
    out += "; the client closed the connection during the handshake";
  return out;
}

}  // namespace tern::tls
