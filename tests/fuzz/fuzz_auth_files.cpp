// libFuzzer target for mosquitto's password and ACL files (auth/): the same
// text is read as a password file and as an ACL file. Either is refused
// with a file_error naming its line, or read; nothing else may happen.
//
// What is read is then used:
// - each user name found in the password file is looked up and its
//   password checked against "pw" (PBKDF2 only for iteration counts a
//   real file would hold: mosquitto_passwd writes 101, and a million-round
//   entry is slow by design, not a bug);
// - the ACL rules answer read and write questions for a few clients
//   (anonymous, a user, names holding '+' and '#', which patterns skip)
//   about topics taken from the text itself;
// - standard base64 round-trips: bytes decoded from any word encode and
//   decode back to the same bytes.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "auth/acl_rules.hpp"
#include "auth/auth_file_error.hpp"
#include "auth/password_file.hpp"
#include "auth/password_hash.hpp"
#include "auth/text_lines.hpp"
#include "mqtt/codec/topic.hpp"

namespace {

namespace auth = tern::auth;
namespace broker = tern::broker;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_auth_files: %s\n", what);
  std::abort();
}

void check_file_error(const auth::file_error& e) {
  if (!e.location().starts_with("fuzz")) fail("a file_error that does not name the file");
  if (e.problem().empty()) fail("a file_error without a message");
}

// Words of the text (split at blanks, ':' and line ends), at most 32.
std::vector<std::string_view> words_of(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size() && out.size() < 32) {
    const std::size_t end = text.find_first_of(" \t\r\n:", i);
    const std::size_t stop = end == std::string_view::npos ? text.size() : end;
    if (stop > i) out.push_back(text.substr(i, stop - i));
    i = stop + 1;
  }
  return out;
}

void use_passwords(const auth::password_file& file, const std::vector<std::string_view>& words) {
  for (const std::string_view word : words) {
    const auth::password_entry* e = file.find(word);
    if (e == nullptr) continue;
    if (e->kind != auth::hash_kind::sha512 && e->iterations > 1000) continue;
    static_cast<void>(auth::verify_password(*e, "pw"));
  }
}

void use_acl(const auth::acl_rules& rules, const std::vector<std::string_view>& words) {
  static const std::string users[] = {"alice", "a+b", "#"};
  const broker::client_identity clients[] = {
      {"client", nullptr}, {"client", &users[0]}, {"c+", &users[1]}, {"c#", &users[2]}};
  for (const std::string_view word : words) {
    if (!tern::mqtt::is_valid_topic_filter(word)) continue;
    for (const auto& who : clients) {
      static_cast<void>(rules.allows(who, broker::topic_access::write, word));
      static_cast<void>(rules.allows(who, broker::topic_access::read, word));
    }
  }
}

void check_base64(const std::vector<std::string_view>& words) {
  std::vector<std::uint8_t> decoded, again;
  for (const std::string_view word : words) {
    if (!auth::decode_base64(word, decoded)) continue;
    const std::string encoded = auth::encode_base64(decoded);
    if (!auth::decode_base64(encoded, again) || again != decoded)
      fail("base64 bytes do not round-trip");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto words = words_of(text);
  try {
    use_passwords(auth::password_file::parse(text, "fuzz-passwords"), words);
  } catch (const auth::file_error& e) {
    check_file_error(e);
  }
  try {
    auto rules = auth::acl_rules::parse(text, "fuzz-acl");
    use_acl(rules, words);
  } catch (const auth::file_error& e) {
    check_file_error(e);
  }
  check_base64(words);
  return 0;
}
