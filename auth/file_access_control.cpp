#include "auth/file_access_control.hpp"

#include "auth/password_hash.hpp"
#include "auth/scram.hpp"

namespace tern::auth {

file_access_control::file_access_control(std::filesystem::path password_file,
                                         std::filesystem::path acl_file)
    : password_path_(std::move(password_file)),
      acl_path_(std::move(acl_file)),
      current_(read_files()) {}

std::shared_ptr<const file_access_control::rule_set> file_access_control::read_files() const {
  auto rules = std::make_shared<rule_set>();
  if (!password_path_.empty()) rules->passwords = password_file::load(password_path_);
  if (!acl_path_.empty()) rules->acl = acl_rules::load(acl_path_);
  return rules;
}

void file_access_control::reload() {
  auto rules = read_files();  // throws before the swap on any error
  const std::lock_guard lock(mutex_);
  current_.swap(rules);
  // The old rules are freed after the unlock, by the last check using them.
}

std::shared_ptr<const file_access_control::rule_set> file_access_control::snapshot() const {
  const std::lock_guard lock(mutex_);
  return current_;
}

bool file_access_control::check_password(std::string_view username,
                                         const std::optional<std::string>& password) const {
  const auto rules = snapshot();
  if (!rules->passwords) return false;
  const password_entry* entry = rules->passwords->find(username);
  const std::string_view given = password ? std::string_view(*password) : std::string_view();
  if (entry == nullptr) return verify_unknown_user(given);
  // A user with a password cannot log in without one (mosquitto).
  return verify_password(*entry, given) && password.has_value();
}

std::unique_ptr<broker::authenticator> file_access_control::start_authentication(
    std::string_view method) const {
  if (method != scram_method || password_path_.empty()) return nullptr;
  // The exchange keeps the rules it started with: a reload meanwhile does
  // not change the salt under a client's feet.
  return std::make_unique<scram_server>(
      [rules = snapshot()](std::string_view user) -> std::optional<scram_credentials> {
        const password_entry* e = rules->passwords ? rules->passwords->find(user) : nullptr;
        if (e == nullptr || e->kind != hash_kind::scram_sha256) return std::nullopt;
        return scram_credentials_of(*e);
      });
}

std::uint64_t file_access_control::credential_tag(std::string_view username) const {
  const auto rules = snapshot();
  const password_entry* entry = rules->passwords ? rules->passwords->find(username) : nullptr;
  if (entry == nullptr) return 0;
  // FNV-1a over the whole entry: any change of hash, salt or cost shows.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  const auto mix = [&h](std::uint8_t byte) { h = (h ^ byte) * 0x100000001b3ULL; };
  mix(static_cast<std::uint8_t>(entry->kind));
  for (unsigned shift = 0; shift < 32; shift += 8)
    mix(static_cast<std::uint8_t>(entry->iterations >> shift));
  for (const auto b : entry->salt)
    mix(b);
  for (const auto b : entry->hash)
    mix(b);
  for (const auto b : entry->server_key)
    mix(b);
  return h == 0 ? 1 : h;
}

bool file_access_control::allows(const broker::client_identity& who, broker::topic_access access,
                                 std::string_view topic) const {
  const auto rules = snapshot();
  return !rules->acl || rules->acl->allows(who, access, topic);
}

}  // namespace tern::auth
