#include "app/passwd.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <vector>

#include "auth/password_hash.hpp"

namespace tern::app {
namespace {

// One line from standard input, echo off when it is a terminal.
bool read_secret(const char* prompt, std::string& out) {
  const bool tty = isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (tty) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  const bool ok = static_cast<bool>(std::getline(std::cin, out));
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << '\n';
  }
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return ok;
}

bool read_password(std::string& password) {
  if (!read_secret("Password: ", password)) return false;
  if (isatty(STDIN_FILENO) == 0) return true;
  std::string again;
  if (!read_secret("Reenter password: ", again)) return false;
  if (again != password) {
    std::cerr << "tern passwd: the passwords do not match\n";
    return false;
  }
  return true;
}

std::vector<std::string> read_lines(const std::string& file) {
  std::vector<std::string> lines;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

bool is_user_line(const std::string& line, const std::string& user) {
  return line.size() > user.size() && line.compare(0, user.size(), user) == 0 &&
         line[user.size()] == ':';
}

bool write_atomically(const std::string& file, const std::vector<std::string>& lines) {
  const std::string temp = file + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    if (!out) return false;
    for (const auto& l : lines)
      out << l << '\n';
    if (!out.flush()) return false;
  }
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    std::filesystem::permissions(temp, std::filesystem::status(file).permissions(), ec);
  } else {
    std::filesystem::permissions(
        temp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  }
  return std::rename(temp.c_str(), file.c_str()) == 0;
}

}  // namespace

int run_passwd(const passwd_options& o) {
  if (o.user.empty() || o.user.find(':') != std::string::npos) {
    std::cerr << "tern passwd: a user name must not be empty or contain ':'\n";
    return 1;
  }
  if (!o.create && !std::filesystem::exists(o.file)) {
    std::cerr << "tern passwd: " << o.file << " does not exist; use -c to create it\n";
    return 1;
  }
  std::vector<std::string> lines = o.create ? std::vector<std::string>{} : read_lines(o.file);
  std::erase_if(lines, [&](const std::string& l) { return is_user_line(l, o.user); });
  if (!o.remove) {
    std::string password = o.password;
    if (!o.batch && !read_password(password)) {
      std::cerr << "tern passwd: no password read\n";
      return 1;
    }
    const auto kind = o.scram ? auth::hash_kind::scram_sha256 : auth::hash_kind::pbkdf2_sha512;
    lines.push_back(o.user + ":" + auth::hash_for_file(password, kind));
  }
  if (!write_atomically(o.file, lines)) {
    std::cerr << "tern passwd: cannot write " << o.file << "\n";
    return 1;
  }
  return 0;
}

}  // namespace tern::app
