#pragma once
// `tern passwd`: mosquitto_passwd's job for tern's password files, plus the
// SCRAM-SHA-256 form of an entry (auth/scram.hpp).
//
//   tern passwd [-c] [--scram] [-b] FILE USER [PASSWORD]
//   tern passwd -D FILE USER
//
// -c creates (or empties) FILE; -b takes PASSWORD from the command line;
// otherwise it is read twice from the terminal without echo, or once from
// standard input when that is not a terminal. -D deletes USER. Other users'
// lines stay as they are; the file is replaced atomically (written beside
// it, then renamed) and a new one is readable by its owner only.

#include <string>

namespace tern::app {

struct passwd_options {
  std::string file, user, password;
  bool create = false, scram = false, batch = false, remove = false;
};

// Returns the process exit code; errors go to stderr.
int run_passwd(const passwd_options& o);

}  // namespace tern::app
