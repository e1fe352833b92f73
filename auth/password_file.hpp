#pragma once
// mosquitto's password file, as mosquitto_passwd(1) writes it: one
// `username:hash` line per user, the hash in one of two forms:
//
//   $7$ITERATIONS$SALT$HASH  PBKDF2-HMAC-SHA512 (mosquitto_passwd's default)
//   $6$SALT$HASH             SHA-512 of password then salt (mosquitto <= 1.6)
//   $scram-sha-256$ITERATIONS$SALT$STORED_KEY$SERVER_KEY
//                            tern: SCRAM-SHA-256 (auth/scram.hpp), written by
//                            `tern passwd --scram`; such a user can log in with
//                            MQTT 5 enhanced authentication or a plain password
//
// SALT (12 bytes) and HASH (64 bytes) in standard base64. Blank lines and
// lines starting with '#' are skipped. Where mosquitto logs a bad line and
// drops it, tern refuses the file with its line: a user who silently cannot
// log in is harder to diagnose than a broker that says why it stopped.
//
// Thread: immutable once parsed; any thread may read it.

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::auth {

enum class hash_kind { sha512, pbkdf2_sha512, scram_sha256 };  // $6$, $7$, $scram-sha-256$

struct password_entry {
  hash_kind kind = hash_kind::pbkdf2_sha512;
  unsigned iterations = 0;  // $7$ only
  std::vector<std::uint8_t> salt;
  std::vector<std::uint8_t> hash;        // scram_sha256: StoredKey
  std::vector<std::uint8_t> server_key;  // scram_sha256 only
};

class password_file {
 public:
  // Throws file_error naming the file (and line).
  static password_file load(const std::filesystem::path& file);
  // `source` names the text in errors ("source:line").
  static password_file parse(std::string_view text, std::string_view source);

  // The entry of `username`, or null for an unknown user.
  const password_entry* find(std::string_view username) const;
  std::size_t size() const noexcept { return entries_.size(); }

 private:
  std::map<std::string, password_entry, std::less<>> entries_;
};

// Standard base64 (RFC 4648 section 4, padding optional); false when `text`
// is not base64.
bool decode_base64(std::string_view text, std::vector<std::uint8_t>& out);
// Standard base64 with padding.
std::string encode_base64(std::span<const std::uint8_t> bytes);

}  // namespace tern::auth
