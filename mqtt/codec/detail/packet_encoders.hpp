#pragma once
// Body encoders shared by encoder.cpp's dispatch: for each packet type the
// size of everything after the fixed header, and the writer of exactly that
// many bytes. Fields the version lacks are left out (see encoder.hpp).

#include <cstddef>

#include "mqtt/codec/detail/byte_writer.hpp"
#include "mqtt/codec/packets.hpp"

namespace tern::mqtt::detail {

// CONNECT is always encoded in the version it carries (connect::version).
std::size_t body_size(const connect& p) noexcept;
void write_body(byte_writer& out, const connect& p) noexcept;

std::size_t body_size(const connack& p, protocol_version v) noexcept;
void write_body(byte_writer& out, const connack& p, protocol_version v) noexcept;

std::size_t body_size(const subscribe& p, protocol_version v) noexcept;
void write_body(byte_writer& out, const subscribe& p, protocol_version v) noexcept;

std::size_t body_size(const suback& p, protocol_version v) noexcept;
void write_body(byte_writer& out, const suback& p, protocol_version v) noexcept;

std::size_t body_size(const unsubscribe& p, protocol_version v) noexcept;
void write_body(byte_writer& out, const unsubscribe& p, protocol_version v) noexcept;

std::size_t body_size(const unsuback& p, protocol_version v) noexcept;
void write_body(byte_writer& out, const unsuback& p, protocol_version v) noexcept;

}  // namespace tern::mqtt::detail
