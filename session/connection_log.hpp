#pragma once
// The connect and disconnect log lines, worded as mosquitto words them so
// the tools that read mosquitto's log read tern's:
//
//   New client connected from 127.0.0.1:5555 as c1 (p2, c1, k60, u'user').
//   Client c1 disconnected.
//   Client c1 closed its connection.
//   Client c1 has exceeded timeout, disconnecting.
//
// p: protocol (1 = 3.1, 2 = 3.1.1, 5 = 5.0), c: clean start, k: keep alive,
// u: user name (left out when there is none). Pure, any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mqtt/codec/reason_code.hpp"

namespace tern::broker {

inline std::string connected_line(std::string_view address, std::string_view client_id,
                                  int protocol, bool clean_start, std::uint16_t keep_alive,
                                  const std::string* username) {  // null: none
  std::string line = "New client connected from ";
  line += address;
  line += " as ";
  line += client_id;
  line += " (p" + std::to_string(protocol) + ", c" + (clean_start ? "1" : "0") + ", k" +
          std::to_string(keep_alive);
  if (username) line += ", u'" + *username + "'";
  return line + ").";
}

// How a connection with a session ended: the peer closed the socket
// (`peer_closed`), or the broker or the client's DISCONNECT gave `reason`.
inline std::string disconnected_line(std::string_view client_id, bool peer_closed,
                                     mqtt::reason_code reason) {
  const std::string who = "Client " + std::string(client_id);
  if (peer_closed) return who + " closed its connection.";
  switch (reason) {
    case mqtt::reason_code::keep_alive_timeout:
      return who + " has exceeded timeout, disconnecting.";
    case mqtt::reason_code::protocol_error:
      return who + " disconnected due to protocol error.";
    case mqtt::reason_code::malformed_packet:
      return who + " disconnected due to malformed packet.";
    case mqtt::reason_code::not_authorized:
      return who + " disconnected, not authorised.";
    default:
      if (static_cast<std::uint8_t>(reason) < 0x80) return who + " disconnected.";
      return who + " disconnected: " + std::string(mqtt::reason_name(reason)) + ".";
  }
}

}  // namespace tern::broker
