#pragma once
// What the fuzz targets check of every byte a broker writes: only packet
// types a server may send (spec 2.1.2: CONNECT, SUBSCRIBE, UNSUBSCRIBE and
// PINGREQ go from client to server only).

#include "mqtt/codec/packets.hpp"

namespace tern::fuzz {

inline bool server_may_send(mqtt::packet_type t) {
  switch (t) {
    case mqtt::packet_type::connect:
    case mqtt::packet_type::subscribe:
    case mqtt::packet_type::unsubscribe:
    case mqtt::packet_type::pingreq:
      return false;
    default:
      return true;
  }
}

}  // namespace tern::fuzz
