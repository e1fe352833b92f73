#include "auth/scram.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <climits>
#include <stdexcept>

#include "auth/password_file.hpp"
#include "auth/text_lines.hpp"

namespace tern::auth {
namespace {

constexpr std::size_t key_bytes = 32;  // SHA-256
using key = std::array<std::uint8_t, key_bytes>;

key hmac(std::span<const std::uint8_t> k, std::string_view data) {
  key out{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), k.data(), static_cast<int>(k.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
           &length) == nullptr ||
      length != out.size())
    throw std::runtime_error("HMAC-SHA-256 failed");
  return out;
}

key sha256(std::span<const std::uint8_t> data) {
  key out{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  return out;
}

bool same(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The value of attribute `name` ("n=" etc.) at the start of `part`.
std::optional<std::string_view> attribute(std::string_view part, char name) {
  if (part.size() < 2 || part[0] != name || part[1] != '=') return std::nullopt;
  return part.substr(2);
}

// RFC 5802 saslname: "=2C" is ',' and "=3D" is '='; any other '=' is bad.
std::optional<std::string> unescape_name(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') {
      out += s[i];
      continue;
    }
    const auto code = s.substr(i + 1, 2);
    if (code == "2C")
      out += ',';
    else if (code == "3D")
      out += '=';
    else
      return std::nullopt;
    i += 2;
  }
  return out;
}

// A secret of this process, so a made-up salt is the same for the same
// unknown name every time (a changing one would give the name away) but
// cannot be computed elsewhere.
const std::vector<std::uint8_t>& decoy_secret() {
  static const std::vector<std::uint8_t> secret = random_bytes(32);
  return secret;
}

scram_credentials decoy_credentials(std::string_view user) {
  scram_credentials c;
  const auto mac = hmac(decoy_secret(), user);
  c.salt.assign(mac.begin(), mac.begin() + 16);
  c.stored_key = random_bytes(key_bytes);  // no proof matches it
  c.server_key = random_bytes(key_bytes);
  return c;
}

}  // namespace

std::vector<std::uint8_t> random_bytes(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1)
    throw std::runtime_error("no random bytes from OpenSSL");
  return out;
}

scram_credentials derive_scram(std::string_view password, std::span<const std::uint8_t> salt,
                               unsigned iterations) {
  key salted{};
  if (password.size() > INT_MAX || iterations > INT_MAX ||
      PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(salted.size()), salted.data()) != 1)
    throw std::runtime_error("PBKDF2-HMAC-SHA-256 failed");
  const key client_key = hmac(salted, "Client Key");
  const key stored = sha256(client_key);
  const key server = hmac(salted, "Server Key");
  return {iterations,
          {salt.begin(), salt.end()},
          {stored.begin(), stored.end()},
          {server.begin(), server.end()}};
}

bool verify_scram_password(const scram_credentials& c, std::string_view password) {
  return same(derive_scram(password, c.salt, c.iterations).stored_key, c.stored_key);
}

std::string format_scram(const scram_credentials& c) {
  return "$scram-sha-256$" + std::to_string(c.iterations) + "$" + encode_base64(c.salt) + "$" +
         encode_base64(c.stored_key) + "$" + encode_base64(c.server_key);
}

scram_server::scram_server(lookup find, std::string server_nonce)
    : find_(std::move(find)), server_nonce_(std::move(server_nonce)) {
  if (server_nonce_.empty()) server_nonce_ = encode_base64(random_bytes(18));  // no ','
}

broker::authenticator::step scram_server::next(std::string_view client_data) {
  switch (stage_) {
    case stage::client_first:
      return on_client_first(client_data);
    case stage::client_final:
      return on_client_final(client_data);
    case stage::done:
      break;
  }
  return fail("the SCRAM exchange is over");
}

// client-first-message = gs2-header client-first-message-bare
//   gs2-header = ("n" / "y") "," [ "a=" authzid ] ","
//   client-first-message-bare = "n=" saslname "," "r=" c-nonce ["," extensions]
broker::authenticator::step scram_server::on_client_first(std::string_view message) {
  stage_ = stage::done;  // until this step succeeds
  const auto first_comma = message.find(',');
  const auto second_comma =
      first_comma == std::string_view::npos ? first_comma : message.find(',', first_comma + 1);
  if (second_comma == std::string_view::npos) return fail("no GS2 header in client-first-message");
  const auto binding = message.substr(0, first_comma);
  if (binding.starts_with("p=")) return fail("channel binding is not offered");
  if (binding != "n" && binding != "y") return fail("bad GS2 header in client-first-message");
  gs2_header_ = std::string(message.substr(0, second_comma + 1));
  client_first_bare_ = std::string(message.substr(second_comma + 1));
  const auto parts = split(client_first_bare_, ',');
  if (parts.size() < 2 || parts[0].starts_with("m="))
    return fail("client-first-message lacks n= and r= (or asks for an extension)");
  const auto name = attribute(parts[0], 'n');
  const auto client_nonce = attribute(parts[1], 'r');
  if (!name || !client_nonce || client_nonce->empty())
    return fail("client-first-message lacks n= and r=");
  auto user = unescape_name(*name);
  if (!user || user->empty()) return fail("bad user name in client-first-message");
  const auto authzid = message.substr(first_comma + 1, second_comma - first_comma - 1);
  if (!authzid.empty() && authzid != "a=" + std::string(*name))
    return fail("an authorization identity other than the user is not offered");
  username_ = std::move(*user);
  auto found = find_(username_);
  known_ = found.has_value();
  credentials_ = known_ ? std::move(*found) : decoy_credentials(username_);
  nonce_ = std::string(*client_nonce) + server_nonce_;
  server_first_ = "r=" + nonce_ + ",s=" + encode_base64(credentials_.salt) +
                  ",i=" + std::to_string(credentials_.iterations);
  stage_ = stage::client_final;
  return {outcome::more, server_first_, {}, {}};
}

// client-final-message = "c=" base64(gs2-header) "," "r=" nonce ["," ext] "," "p=" proof
broker::authenticator::step scram_server::on_client_final(std::string_view message) {
  stage_ = stage::done;
  const auto proof_at = message.rfind(",p=");
  if (proof_at == std::string_view::npos) return fail("client-final-message has no proof");
  const auto without_proof = message.substr(0, proof_at);
  const auto parts = split(without_proof, ',');
  if (parts.size() < 2) return fail("client-final-message lacks c= and r=");
  const auto binding = attribute(parts[0], 'c');
  const auto nonce = attribute(parts[1], 'r');
  std::vector<std::uint8_t> gs2;
  if (!binding || !decode_base64(*binding, gs2) ||
      std::string_view(reinterpret_cast<const char*>(gs2.data()), gs2.size()) != gs2_header_)
    return fail("the channel binding does not repeat the GS2 header");
  if (!nonce || *nonce != nonce_) return fail("the nonce is not the one agreed");
  std::vector<std::uint8_t> proof;
  if (!decode_base64(message.substr(proof_at + 3), proof) || proof.size() != key_bytes)
    return fail("the proof is not 32 bytes of base64");
  const std::string auth_message =
      client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
  const key client_signature = hmac(credentials_.stored_key, auth_message);
  key client_key{};
  for (std::size_t i = 0; i < key_bytes; ++i)
    client_key[i] = proof[i] ^ client_signature[i];
  if (!known_ || !same(sha256(client_key), credentials_.stored_key))
    return fail(known_ ? "wrong password" : "no SCRAM credentials for this user");
  const key server_signature = hmac(credentials_.server_key, auth_message);
  return {outcome::success, "v=" + encode_base64(server_signature), username_, {}};
}

}  // namespace tern::auth
