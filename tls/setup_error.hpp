#pragma once
// A TLS setting that cannot be used (a missing or unreadable file, a key
// that does not match its certificate, a bad line in a psk_file). The
// message says what is wrong and what to change; the caller adds where the
// setting was configured (the listener's or bridge's FILE:LINE).

#include <stdexcept>
#include <string>

namespace tern::tls {

class setup_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace tern::tls
