#pragma once
// Who may connect and which topics a client may publish to, subscribe to
// and receive: the questions the session layer asks, answered elsewhere
// (auth/ implements them from mosquitto's password and ACL files, with
// OpenSSL, which the session layer must not see).
//
// Thread: any worker calls the const functions at any time, concurrently;
// reload() runs on one thread (SIGHUP) while they do, so implementations
// swap their rules atomically.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "session/authenticator.hpp"

namespace tern::broker {

// The client an access question is about. `username` is null for a client
// that connected without one (mosquitto's anonymous ACL section).
struct client_identity {
  std::string_view client_id;
  const std::string* username = nullptr;
};

enum class topic_access { read, write };

class access_control {
 public:
  virtual ~access_control() = default;

  // A password file is configured: a client that sends a username must
  // pass check_password(), whatever allow_anonymous says (as mosquitto).
  virtual bool checks_passwords() const noexcept = 0;
  // `password` (binary, absent if the client sent none) is `username`'s.
  virtual bool check_password(std::string_view username,
                              const std::optional<std::string>& password) const = 0;

  // What identifies `username`'s password entry now: it changes when the
  // entry does (password changed) and is 0 when the user is unknown. A
  // client logged in under one tag is disconnected when a reload changes it.
  virtual std::uint64_t credential_tag(std::string_view username) const = 0;

  // MQTT 5 enhanced authentication with `method` (the CONNECT's
  // Authentication Method): a new exchange, or null when the method is not
  // offered (CONNACK 0x8C Bad authentication method).
  virtual std::unique_ptr<authenticator> start_authentication(std::string_view method) const {
    static_cast<void>(method);
    return nullptr;
  }

  // An ACL file is configured: topics are restricted by allows().
  virtual bool restricts_topics() const noexcept = 0;
  // Whether `who` may read or write `topic`. For a SUBSCRIBE, `topic` is
  // the filter: it is allowed when some readable topic matches it and no
  // deny rule covers all it matches (see auth/acl_rules.hpp).
  virtual bool allows(const client_identity& who, topic_access access,
                      std::string_view topic) const = 0;

  // Reads the files again (SIGHUP). On an error it throws an exception
  // whose what() names the file and line, and the old rules stay in force.
  virtual void reload() = 0;
};

}  // namespace tern::broker
