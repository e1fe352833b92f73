#pragma once
// Certificates made at test time with OpenSSL's C API: CAs, server and
// client certificates (valid, expired, not yet valid), CRLs. Written as PEM
// files into a directory the test owns.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace tern::tls::testing {

struct issued {
  std::shared_ptr<X509> cert;
  std::shared_ptr<EVP_PKEY> key;
  std::filesystem::path cert_file, key_file;
  long serial = 0;
};

struct cert_request {
  static cert_request named(std::string subject) {
    cert_request r;
    r.subject = std::move(subject);
    return r;
  }
  cert_request& with_dns(std::string name) {
    dns_name = std::move(name);
    return *this;
  }
  cert_request& with_ip(std::string address) {
    ip = std::move(address);
    return *this;
  }
  cert_request& as_ca() {
    ca = true;
    return *this;
  }
  cert_request& valid(long from_seconds, long to_seconds) {
    valid_from_seconds = from_seconds;
    valid_to_seconds = to_seconds;
    return *this;
  }

  std::string subject = "CN=client";  // "CN=x,O=y", most significant last as written here
  long valid_from_seconds = -3600;    // relative to now
  long valid_to_seconds = 24 * 3600;
  bool ca = false;
  std::string dns_name;  // subjectAltName DNS entry, if any
  std::string ip;        // subjectAltName IP entry, if any
};

class test_pki {
 public:
  explicit test_pki(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // A self-signed CA.
  issued make_ca(const std::string& name);
  // A certificate signed by `issuer` (written as NAME.pem / NAME.key).
  issued make_cert(const issued& issuer, const std::string& name, const cert_request& r);
  // A CRL from `issuer` listing `revoked` serials (written as NAME.pem).
  std::filesystem::path make_crl(const issued& issuer, const std::string& name,
                                 const std::vector<long>& revoked);

 private:
  issued finish(std::shared_ptr<X509> cert, std::shared_ptr<EVP_PKEY> key, const std::string& name,
                long serial);
  std::filesystem::path dir_;
  long next_serial_ = 1000;
};

}  // namespace tern::tls::testing
