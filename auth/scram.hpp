#pragma once
// SCRAM-SHA-256 (RFC 5802 with RFC 7677's hash) as an MQTT 5 enhanced
// authentication method: the server side of one exchange, and the stored
// form of a password it checks against.
//
// The exchange, carried in Authentication Data:
//   CONNECT   client-first-message   n,,n=USER,r=CNONCE
//   AUTH 0x18 server-first-message   r=CNONCE+SNONCE,s=SALT,i=ITERATIONS
//   AUTH 0x18 client-final-message   c=biws,r=CNONCE+SNONCE,p=PROOF
//   CONNACK   server-final-message   v=SERVER_SIGNATURE
// (re-authentication: AUTH 0x19 ... AUTH 0x00 in place of CONNECT ...
// CONNACK). No channel binding (`p=` in the GS2 header fails), no
// authorization identity other than the user itself.
//
// The password file keeps what RFC 5802 section 3 lets a server keep, so
// the file alone does not let anyone log in:
//   USER:$scram-sha-256$ITERATIONS$SALT$STORED_KEY$SERVER_KEY  (base64)
// A user who is not in the file, or whose line is $6$/$7$ (which cannot
// answer a SCRAM exchange), gets a made-up salt and fails at the proof,
// so the exchange does not tell which user names exist.
//
// Thread: scram_server is one connection's (its worker); the functions are
// for any thread.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "session/authenticator.hpp"

namespace tern::auth {

inline constexpr std::string_view scram_method = "SCRAM-SHA-256";

struct scram_credentials {
  unsigned iterations = 4096;
  std::vector<std::uint8_t> salt;
  std::vector<std::uint8_t> stored_key;  // H(HMAC(SaltedPassword, "Client Key"))
  std::vector<std::uint8_t> server_key;  // HMAC(SaltedPassword, "Server Key")
};

// What the password file keeps for `password` (RFC 5802 section 3).
scram_credentials derive_scram(std::string_view password, std::span<const std::uint8_t> salt,
                               unsigned iterations);
// Whether `password` is the one `c` was derived from (a SCRAM user may
// also log in with a plain CONNECT password: it is derivable).
bool verify_scram_password(const scram_credentials& c, std::string_view password);
// "$scram-sha-256$ITERATIONS$SALT$STORED_KEY$SERVER_KEY"
std::string format_scram(const scram_credentials& c);
std::vector<std::uint8_t> random_bytes(std::size_t n);

class scram_server final : public broker::authenticator {
 public:
  // The SCRAM credentials of a user, or nothing (unknown, or no SCRAM line).
  using lookup = std::function<std::optional<scram_credentials>(std::string_view user)>;

  // `server_nonce` empty: a random one (tests give RFC 7677's).
  explicit scram_server(lookup find, std::string server_nonce = {});

  step next(std::string_view client_data) override;

 private:
  step on_client_first(std::string_view message);
  step on_client_final(std::string_view message);
  static step fail(std::string why) { return {outcome::failure, {}, {}, std::move(why)}; }

  lookup find_;
  std::string server_nonce_;
  enum class stage { client_first, client_final, done } stage_ = stage::client_first;
  std::string gs2_header_;         // "n,," as the client sent it
  std::string client_first_bare_;  // n=USER,r=CNONCE
  std::string server_first_;
  std::string nonce_;  // CNONCE + SNONCE
  std::string username_;
  bool known_ = false;  // real credentials, not the made-up ones
  scram_credentials credentials_;
};

}  // namespace tern::auth
