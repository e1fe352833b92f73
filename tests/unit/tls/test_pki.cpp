#include "tests/unit/tls/test_pki.hpp"

#include <cstdio>
#include <stdexcept>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace tern::tls::testing {
namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test_pki: ") + what + " failed");
}

std::shared_ptr<EVP_PKEY> new_key() {
  EVP_PKEY* k = EVP_EC_gen("P-256");
  check(k != nullptr, "EVP_EC_gen");
  return {k, EVP_PKEY_free};
}

// "CN=a,O=b" -> an X509_NAME with those entries in that order.
void set_name(X509_NAME* name, const std::string& text) {
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string part = text.substr(start, end - start);
    const auto eq = part.find('=');
    check(eq != std::string::npos, "subject syntax");
    check(X509_NAME_add_entry_by_txt(name, part.substr(0, eq).c_str(), MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(part.c_str() + eq + 1),
                                     -1, -1, 0) == 1,
          "X509_NAME_add_entry_by_txt");
    start = end + 1;
  }
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

void write_file(const std::filesystem::path& path, auto&& write) {
  FILE* f = std::fopen(path.c_str(), "w");
  check(f != nullptr, "fopen");
  const bool ok = write(f);
  std::fclose(f);
  check(ok, "PEM write");
}

}  // namespace

issued test_pki::finish(std::shared_ptr<X509> cert, std::shared_ptr<EVP_PKEY> key,
                        const std::string& name, long serial) {
  issued out{cert, key, dir_ / (name + ".pem"), dir_ / (name + ".key"), serial};
  write_file(out.cert_file, [&](FILE* f) { return PEM_write_X509(f, cert.get()) == 1; });
  write_file(out.key_file, [&](FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  });
  return out;
}

issued test_pki::make_ca(const std::string& name) {
  return make_cert({}, name, cert_request::named("CN=" + name + ",O=tern tests").as_ca());
}

issued test_pki::make_cert(const issued& issuer, const std::string& name, const cert_request& r) {
  auto key = new_key();
  std::shared_ptr<X509> cert(X509_new(), X509_free);
  const long serial = next_serial_++;
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), r.valid_from_seconds);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), r.valid_to_seconds);
  X509_set_pubkey(cert.get(), key.get());
  set_name(X509_get_subject_name(cert.get()), r.subject);
  const bool self_signed = !issuer.cert;
  X509* signer = self_signed ? cert.get() : issuer.cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (r.ca) {
    add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(cert.get(), signer, NID_basic_constraints, "CA:FALSE");
  }
  add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
  std::string san;
  if (!r.dns_name.empty()) san = "DNS:" + r.dns_name;
  if (!r.ip.empty()) san += (san.empty() ? "IP:" : ",IP:") + r.ip;
  if (!san.empty()) add_extension(cert.get(), signer, NID_subject_alt_name, san);
  EVP_PKEY* signing_key = self_signed ? key.get() : issuer.key.get();
  check(X509_sign(cert.get(), signing_key, EVP_sha256()) > 0, "X509_sign");
  return finish(cert, key, name, serial);
}

std::filesystem::path test_pki::make_crl(const issued& issuer, const std::string& name,
                                         const std::vector<long>& revoked) {
  std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(X509_CRL_new(), X509_CRL_free);
  X509_CRL_set_version(crl.get(), 1);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.cert.get()));
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> now(X509_gmtime_adj(nullptr, -60),
                                                            ASN1_TIME_free);
  std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> next(X509_gmtime_adj(nullptr, 86400),
                                                             ASN1_TIME_free);
  X509_CRL_set1_lastUpdate(crl.get(), now.get());
  X509_CRL_set1_nextUpdate(crl.get(), next.get());
  for (long serial : revoked) {
    X509_REVOKED* r = X509_REVOKED_new();
    std::unique_ptr<ASN1_INTEGER, decltype(&ASN1_INTEGER_free)> n(ASN1_INTEGER_new(),
                                                                  ASN1_INTEGER_free);
    ASN1_INTEGER_set(n.get(), serial);
    X509_REVOKED_set_serialNumber(r, n.get());
    X509_REVOKED_set_revocationDate(r, now.get());
    X509_CRL_add0_revoked(crl.get(), r);
  }
  X509_CRL_sort(crl.get());
  check(X509_CRL_sign(crl.get(), issuer.key.get(), EVP_sha256()) > 0, "X509_CRL_sign");
  const auto path = dir_ / (name + ".pem");
  write_file(path, [&](FILE* f) { return PEM_write_X509_CRL(f, crl.get()) == 1; });
  return path;
}

}  // namespace tern::tls::testing
