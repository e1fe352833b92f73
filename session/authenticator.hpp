#pragma once
// One MQTT 5 enhanced authentication exchange (spec 4.12): the client's
// Authentication Data in, ours out, until it succeeds or fails. What the
// method is (SCRAM-SHA-256, in auth/) is not the session layer's business;
// client_handler only moves the data between the packets: CONNECT, then AUTH
// 0x18 both ways, then CONNACK; or, once connected, AUTH 0x19 (re-
// authentication), AUTH 0x18 both ways, then AUTH 0x00.
//
// Thread: the client's worker; one per connection at a time.

#include <string>
#include <string_view>

namespace tern::broker {

class authenticator {
 public:
  enum class outcome { more, success, failure };
  struct step {
    outcome result = outcome::failure;
    std::string data;      // to the client: AUTH 0x18's data, or the success's
    std::string username;  // success: who the client proved to be
    std::string why;       // failure: for the log, never for the client
  };

  virtual ~authenticator() = default;
  // The client's next Authentication Data (empty if it sent none).
  virtual step next(std::string_view client_data) = 0;
};

}  // namespace tern::broker
