#include "tls/context_files.hpp"

#include <filesystem>
#include <fstream>

#include <openssl/err.h>

#include "tls/openssl_error.hpp"
#include "tls/setup_error.hpp"

namespace tern::tls {

void require_readable(std::string_view setting, const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw setup_error(std::string(setting) + " '" + path + "' is a directory; give a PEM file");
  }
  if (!std::ifstream(path)) {
    throw setup_error(std::string(setting) + " '" + path +
                      "' cannot be read; check that it exists and tern may read it");
  }
}

void load_certificate(SSL_CTX* ctx, const std::string& certfile, const std::string& keyfile,
                      const setting_names& names) {
  require_readable(names.certfile, certfile);
  require_readable(names.keyfile, keyfile);
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, certfile.c_str()) != 1) {
    throw setup_error(std::string(names.certfile) + " '" + certfile +
                      "' holds no usable certificate (OpenSSL: " + take_openssl_error() +
                      "); give a PEM file with the certificate first, then any intermediates");
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, keyfile.c_str(), SSL_FILETYPE_PEM) != 1) {
    const std::string why = take_openssl_error();
    if (why.find("mismatch") != std::string::npos) {
      throw setup_error(std::string(names.keyfile) + " '" + keyfile + "' does not match " +
                        std::string(names.certfile) + " '" + certfile +
                        "'; give the key the certificate was made for");
    }
    throw setup_error(std::string(names.keyfile) + " '" + keyfile +
                      "' holds no usable private key (OpenSSL: " + why +
                      "); give an unencrypted PEM key");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    throw setup_error(std::string(names.keyfile) + " '" + keyfile + "' does not match " +
                      std::string(names.certfile) + " '" + certfile +
                      "'; give the key the certificate was made for");
  }
}

void load_verify_locations(SSL_CTX* ctx, const std::string& cafile, const std::string& capath,
                           const setting_names& names) {
  if (!cafile.empty()) {
    require_readable(names.cafile, cafile);
    ERR_clear_error();
    if (SSL_CTX_load_verify_locations(ctx, cafile.c_str(), nullptr) != 1) {
      throw setup_error(std::string(names.cafile) + " '" + cafile +
                        "' holds no usable CA certificate (OpenSSL: " + take_openssl_error() +
                        "); give a PEM file of CA certificates");
    }
  }
  if (!capath.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(capath, ec)) {
      throw setup_error(std::string(names.capath) + " '" + capath +
                        "' is not a directory; give a directory of CA certificates prepared "
                        "with `openssl rehash`");
    }
    if (SSL_CTX_load_verify_locations(ctx, nullptr, capath.c_str()) != 1) {
      throw setup_error(std::string(names.capath) + " '" + capath +
                        "' cannot be used (OpenSSL: " + take_openssl_error() + ")");
    }
  }
}

void set_min_version(SSL_CTX* ctx, min_version v) {
  SSL_CTX_set_min_proto_version(ctx, v == min_version::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
}

}  // namespace tern::tls
