#pragma once
// Checking a password against a mosquitto_passwd hash, with OpenSSL 3's
// libcrypto (the only place in the broker core that needs it).
//
// Thread: any; no shared state.

#include <string>
#include <string_view>

#include "auth/password_file.hpp"

namespace tern::auth {

struct scram_credentials;
// A $scram-sha-256$ entry as scram.hpp takes it.
scram_credentials scram_credentials_of(const password_entry& e);

// Whether `password` hashes to `entry`'s hash; the comparison takes the same
// time wherever the hashes differ.
bool verify_password(const password_entry& entry, std::string_view password);

// A new entry's hash field for `password`, salted at random: $7$ (PBKDF2-
// SHA512, mosquitto_passwd's cost and format) or $scram-sha-256$.
std::string hash_for_file(std::string_view password, hash_kind kind);

// The work verify_password() does for a known user, for a user name that is
// not in the file: the answer then takes as long either way, so timing does
// not tell which user names exist. Always false.
bool verify_unknown_user(std::string_view password);

}  // namespace tern::auth
