#pragma once
// Who may connect through one listener, for `per_listener_settings true`
// (mosquitto.conf(5)): each listener has its own allow_anonymous,
// password_file and acl_file. A connection gets its listener's settings
// before it starts (client_handler::use_listener_security); without them
// the broker-wide ones in broker_config apply.
//
// Thread: immutable once built; shared by every connection of a listener.
// `access` reloads itself (see access_control.hpp).

#include <memory>

#include "session/access_control.hpp"

namespace tern::broker {

struct listener_security {
  bool allow_anonymous = false;
  // password_file and acl_file of this listener; null: neither.
  std::shared_ptr<access_control> access;

  // The broker's own clients (a bridge's local link): inside the broker,
  // so neither a password nor an ACL applies to them (as in mosquitto).
  static std::shared_ptr<const listener_security> internal() {
    static const auto trusted =
        std::make_shared<const listener_security>(listener_security{true, nullptr});
    return trusted;
  }
};

}  // namespace tern::broker
