#include "tls/openssl_error.hpp"

#include <openssl/err.h>

namespace tern::tls {

std::string take_openssl_error() {
  const unsigned long code = ERR_peek_last_error();
  std::string out = "unknown error";
  if (code != 0) {
    const char* reason = ERR_reason_error_string(code);
    out = reason != nullptr ? reason : "error " + std::to_string(code);
  }
  ERR_clear_error();
  return out;
}

}  // namespace tern::tls
