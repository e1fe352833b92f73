#include "auth/file_access_control.hpp"

#include "auth/password_hash.hpp"

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
  current_.store(read_files());  // throws before the store on any error
}

bool file_access_control::check_password(std::string_view username,
                                         const std::optional<std::string>& password) const {
  const auto rules = current_.load();
  if (!rules->passwords) return false;
  const password_entry* entry = rules->passwords->find(username);
  const std::string_view given = password ? std::string_view(*password) : std::string_view();
  if (entry == nullptr) return verify_unknown_user(given);
  // A user with a password cannot log in without one (mosquitto).
  return verify_password(*entry, given) && password.has_value();
}

bool file_access_control::allows(const broker::client_identity& who, broker::topic_access access,
                                 std::string_view topic) const {
  const auto rules = current_.load();
  return !rules->acl || rules->acl->allows(who, access, topic);
}

}  // namespace tern::auth
