#include "auth/password_file.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include "auth/auth_file_error.hpp"
#include "auth/text_lines.hpp"

namespace tern::auth {
namespace {

constexpr std::size_t salt_bytes = 12;  // what mosquitto_passwd writes and mosquitto accepts
constexpr std::size_t hash_bytes = 64;  // SHA-512

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

unsigned parse_iterations(std::string_view count, const std::string& where,
                          const std::string& regenerate) {
  unsigned iterations = 0;
  const auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), iterations);
  if (ec != std::errc() || end != count.data() + count.size() || iterations < 1)
    throw file_error(where, "bad iteration count '" + std::string(count) + "'" + regenerate);
  return iterations;
}

// $scram-sha-256$ITERATIONS$SALT$STORED_KEY$SERVER_KEY (tern passwd --scram)
password_entry parse_scram(const std::vector<std::string_view>& parts, const std::string& where) {
  const std::string regenerate = "; recreate the entry with `tern passwd --scram`";
  if (parts.size() != 5)
    throw file_error(where,
                     "expected $scram-sha-256$ITERATIONS$SALT$STORED_KEY$SERVER_KEY" + regenerate);
  password_entry e;
  e.kind = hash_kind::scram_sha256;
  e.iterations = parse_iterations(parts[1], where, regenerate);
  if (!decode_base64(parts[2], e.salt) || e.salt.size() < 8)
    throw file_error(where, "the salt is not 8 or more bytes of base64" + regenerate);
  if (!decode_base64(parts[3], e.hash) || e.hash.size() != 32 ||
      !decode_base64(parts[4], e.server_key) || e.server_key.size() != 32)
    throw file_error(where, "the keys are not 32 bytes of base64 each" + regenerate);
  return e;
}

password_entry parse_hash(std::string_view hash, const std::string& where) {
  const std::string regenerate = "; recreate the entry with mosquitto_passwd";
  if (!hash.starts_with('$')) {
    throw file_error(where,
                     "the password is not hashed; hash the file with `mosquitto_passwd -U "
                     "FILE` (it rewrites every line)");
  }
  const auto parts = split(hash.substr(1), '$');
  password_entry e;
  std::size_t next = 1;
  if (parts[0] == "scram-sha-256") return parse_scram(parts, where);
  if (parts[0] == "7" && parts.size() == 4) {
    e.kind = hash_kind::pbkdf2_sha512;
    e.iterations = parse_iterations(parts[1], where, regenerate);
    next = 2;
  } else if (parts[0] == "6" && parts.size() == 3) {
    e.kind = hash_kind::sha512;
  } else {
    throw file_error(where,
                     "unknown hash format (expected $7$ITERATIONS$SALT$HASH, "
                     "$6$SALT$HASH or $scram-sha-256$...)" +
                         regenerate);
  }
  if (!decode_base64(parts[next], e.salt) || e.salt.size() != salt_bytes)
    throw file_error(where, "the salt is not 12 bytes of base64" + regenerate);
  if (!decode_base64(parts[next + 1], e.hash) || e.hash.size() != hash_bytes)
    throw file_error(where, "the hash is not 64 bytes of base64" + regenerate);
  return e;
}

}  // namespace

bool decode_base64(std::string_view text, std::vector<std::uint8_t>& out) {
  out.clear();
  while (text.ends_with('='))
    text.remove_suffix(1);
  if (text.size() % 4 == 1) return false;
  std::uint32_t bits = 0;
  int pending = 0;
  for (const char c : text) {
    const int v = base64_value(c);
    if (v < 0) return false;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    pending += 6;
    if (pending >= 8) {
      pending -= 8;
      out.push_back(static_cast<std::uint8_t>(bits >> pending));
    }
  }
  return true;
}

std::string encode_base64(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t bits = std::uint32_t{bytes[i]} << 16;
    if (n > 1) bits |= std::uint32_t{bytes[i + 1]} << 8;
    if (n > 2) bits |= bytes[i + 2];
    for (std::size_t k = 0; k < 4; ++k)
      out += k <= n ? digits[(bits >> (18 - 6 * k)) & 63] : '=';
  }
  return out;
}

password_file password_file::load(const std::filesystem::path& file) {
  return parse(read_text_file(file), file.string());
}

password_file password_file::parse(std::string_view text, std::string_view source) {
  password_file out;
  for_each_line(text, [&](std::string_view line, std::size_t number) {
    const std::string where = std::string(source) + ":" + std::to_string(number);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos)
      throw file_error(where, "expected `username:hash`; create entries with mosquitto_passwd");
    const auto username = trim_blanks(line.substr(0, colon));
    if (username.empty()) throw file_error(where, "the user name is empty");
    auto entry = parse_hash(trim_blanks(line.substr(colon + 1)), where);
    if (!out.entries_.emplace(std::string(username), std::move(entry)).second) {
      throw file_error(
          where, "user '" + std::string(username) + "' appears twice; remove one of the lines");
    }
  });
  return out;
}

const password_entry* password_file::find(std::string_view username) const {
  const auto it = entries_.find(username);
  return it == entries_.end() ? nullptr : &it->second;
}

}  // namespace tern::auth
