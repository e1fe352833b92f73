#pragma once
// OpenSSL's error queue as text, for messages. Thread: any (the queue is
// per thread).

#include <string>

namespace tern::tls {

// The reason of the most recent error in this thread's queue ("no start
// line", "key values mismatch", ...), or "unknown error"; clears the queue.
std::string take_openssl_error();

}  // namespace tern::tls
