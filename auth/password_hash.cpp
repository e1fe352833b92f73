#include "auth/password_hash.hpp"

#include "auth/scram.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <climits>
#include <memory>
#include <stdexcept>

namespace tern::auth {
namespace {

constexpr std::size_t sha512_bytes = 64;
using digest = std::array<unsigned char, sha512_bytes>;

// $7$: PBKDF2-HMAC-SHA512 (RFC 8018 section 5.2), as mosquitto_passwd.
bool pbkdf2(const password_entry& e, std::string_view password, digest& out) {
  if (password.size() > INT_MAX || e.iterations > INT_MAX) return false;
  return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), e.salt.data(),
                           static_cast<int>(e.salt.size()), static_cast<int>(e.iterations),
                           EVP_sha512(), static_cast<int>(out.size()), out.data()) == 1;
}

// $6$: SHA-512 over the password followed by the salt, as mosquitto 1.6.
bool salted_sha512(const password_entry& e, std::string_view password, digest& out) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                    &EVP_MD_CTX_free);
  unsigned int length = 0;
  return ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha512(), nullptr) == 1 &&
         EVP_DigestUpdate(ctx.get(), password.data(), password.size()) == 1 &&
         EVP_DigestUpdate(ctx.get(), e.salt.data(), e.salt.size()) == 1 &&
         EVP_DigestFinal_ex(ctx.get(), out.data(), &length) == 1 && length == out.size();
}

}  // namespace

scram_credentials scram_credentials_of(const password_entry& e) {
  return {e.iterations, e.salt, e.hash, e.server_key};
}

bool verify_password(const password_entry& entry, std::string_view password) {
  if (entry.kind == hash_kind::scram_sha256)
    return verify_scram_password(scram_credentials_of(entry), password);
  if (entry.hash.size() != sha512_bytes) return false;
  digest computed{};
  const bool hashed = entry.kind == hash_kind::pbkdf2_sha512
                          ? pbkdf2(entry, password, computed)
                          : salted_sha512(entry, password, computed);
  return hashed && CRYPTO_memcmp(computed.data(), entry.hash.data(), computed.size()) == 0;
}

std::string hash_for_file(std::string_view password, hash_kind kind) {
  if (kind == hash_kind::scram_sha256)
    return format_scram(derive_scram(password, random_bytes(16), 4096));  // RFC 7677's minimum
  // mosquitto_passwd 2.0: 12 bytes of salt, 101 iterations.
  password_entry e{hash_kind::pbkdf2_sha512, 101, random_bytes(12), {}, {}};
  digest computed{};
  if (!pbkdf2(e, password, computed)) throw std::runtime_error("PBKDF2-HMAC-SHA512 failed");
  return "$7$101$" + encode_base64(e.salt) + "$" + encode_base64(computed);
}

bool verify_unknown_user(std::string_view password) {
  // mosquitto_passwd's default cost: 101 iterations of PBKDF2-SHA512.
  static const password_entry decoy{hash_kind::pbkdf2_sha512,
                                    101,
                                    std::vector<std::uint8_t>(12, 0),
                                    std::vector<std::uint8_t>(sha512_bytes, 0),
                                    {}};
  verify_password(decoy, password);
  return false;
}

}  // namespace tern::auth
