#pragma once
// Checking a password against a mosquitto_passwd hash, with OpenSSL 3's
// libcrypto (the only place in the broker core that needs it).
//
// Thread: any; no shared state.

#include <string_view>

#include "auth/password_file.hpp"

namespace tern::auth {

// Whether `password` hashes to `entry`'s hash; the comparison takes the same
// time wherever the hashes differ.
bool verify_password(const password_entry& entry, std::string_view password);

// The work verify_password() does for a known user, for a user name that is
// not in the file: the answer then takes as long either way, so timing does
// not tell which user names exist. Always false.
bool verify_unknown_user(std::string_view password);

}  // namespace tern::auth
