#pragma once
// The session layer's access_control from mosquitto's password_file and
// acl_file: what tern installs when the config names either.
//
// Thread: checks run on every worker at once; reload() (SIGHUP, one thread)
// parses the files completely first, outside any lock, and then swaps the
// rule set in under mutex_, so a check sees the old rules or the new ones,
// never a mix, and a file with an error changes nothing. A check holds the
// mutex only to copy the shared_ptr (a snapshot), never while it hashes a
// password or walks the ACL.
//
// Not std::atomic<std::shared_ptr>: libstdc++ 12's load() releases its
// internal lock with a relaxed store, so its read of the pointer is not
// ordered before the next store's write; ThreadSanitizer reports that as a
// data race between a check on a worker and the SIGHUP reload
// (scripts/sanitize-e2e.sh; test checks_while_reloading).

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

#include "auth/acl_rules.hpp"
#include "auth/password_file.hpp"
#include "session/access_control.hpp"

namespace tern::auth {

class file_access_control final : public broker::access_control {
 public:
  // An empty path: that file is not used. Throws file_error.
  file_access_control(std::filesystem::path password_file, std::filesystem::path acl_file);

  bool checks_passwords() const noexcept override { return !password_path_.empty(); }
  bool check_password(std::string_view username,
                      const std::optional<std::string>& password) const override;
  std::uint64_t credential_tag(std::string_view username) const override;
  // SCRAM-SHA-256 against the password file's $scram-sha-256$ lines.
  std::unique_ptr<broker::authenticator> start_authentication(
      std::string_view method) const override;
  bool restricts_topics() const noexcept override { return !acl_path_.empty(); }
  bool allows(const broker::client_identity& who, broker::topic_access access,
              std::string_view topic) const override;
  void reload() override;

 private:
  struct rule_set {
    std::optional<password_file> passwords;
    std::optional<acl_rules> acl;
  };
  std::shared_ptr<const rule_set> read_files() const;
  std::shared_ptr<const rule_set> snapshot() const;

  const std::filesystem::path password_path_;
  const std::filesystem::path acl_path_;
  mutable std::mutex mutex_;
  std::shared_ptr<const rule_set> current_;  // guarded by mutex_
};

}  // namespace tern::auth
