#include "net/ws_frame_reader.hpp"

#include <algorithm>
#include <cstring>

namespace tern::net {
namespace {

ws_event failure(std::uint16_t code) {
  ws_event e;
  e.what = ws_event::kind::error;
  e.code = code;
  return e;
}

bool is_control(std::uint8_t opcode) {
  return (opcode & 0x8) != 0;
}

}  // namespace

std::size_t ws_frame_reader::parse(std::span<std::uint8_t> in, ws_event& event) {
  event = {};
  if (failed_) {
    event = failure(ws_close::protocol_error);
    return 0;
  }
  if (!in_payload_) return parse_header(in, event);
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size()));
  unmask(in.first(n));
  remaining_ -= n;
  if (is_control(opcode_)) {
    std::memcpy(control_.data() + control_size_, in.data(), n);
    control_size_ += n;
    if (remaining_ == 0) {
      in_payload_ = false;
      event = control_event();
    }
    return n;
  }
  if (remaining_ == 0) {
    in_payload_ = false;
    if (fin_) in_message_ = false;
  }
  if (n > 0) {
    event.what = ws_event::kind::data;
    event.bytes = in.first(n);
  }
  return n;
}

std::size_t ws_frame_reader::parse_header(std::span<std::uint8_t> in, ws_event& event) {
  std::size_t used = 0;
  // Two bytes say how long the rest of the header is.
  const auto need = [&]() -> std::size_t {
    if (header_size_ < 2) return 2;
    const std::uint8_t len7 = header_[1] & 0x7F;
    const std::size_t extended = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    return 2 + extended + ((header_[1] & 0x80) ? 4 : 0);
  };
  while (header_size_ < need()) {
    if (used == in.size()) return used;  // need more
    const std::size_t take = std::min(need() - header_size_, in.size() - used);
    std::memcpy(header_.data() + header_size_, in.data() + used, take);
    header_size_ += take;
    used += take;
  }
  start_frame(event);
  header_size_ = 0;
  return used;
}

void ws_frame_reader::start_frame(ws_event& event) {
  const std::uint8_t b0 = header_[0], b1 = header_[1];
  fin_ = (b0 & 0x80) != 0;
  opcode_ = b0 & 0x0F;
  const auto fail = [&](std::uint16_t code) {
    failed_ = true;
    event = failure(code);
  };
  if ((b0 & 0x70) != 0) return fail(ws_close::protocol_error);  // no extension negotiated
  if ((b1 & 0x80) == 0) return fail(ws_close::protocol_error);  // clients mask [RFC 6455 5.1]
  std::uint64_t length = b1 & 0x7F;
  std::size_t pos = 2;
  if (length == 126) {
    length = (std::uint64_t{header_[2]} << 8) | header_[3];
    pos = 4;
  } else if (length == 127) {
    length = 0;
    for (std::size_t i = 0; i < 8; ++i)
      length = (length << 8) | header_[2 + i];
    pos = 10;
    if (length >> 63) return fail(ws_close::protocol_error);
  }
  std::memcpy(mask_.data(), header_.data() + pos, 4);
  mask_offset_ = 0;
  remaining_ = length;
  switch (opcode_) {
    case ws_opcode::close:
    case ws_opcode::ping:
    case ws_opcode::pong:
      // Control frames are whole and short [RFC 6455 5.5].
      if (!fin_ || length > control_.size()) return fail(ws_close::protocol_error);
      control_size_ = 0;
      break;
    case ws_opcode::text:
      return fail(ws_close::unsupported_data);  // [MQTT-6.0.0-1]
    case ws_opcode::binary:
      if (in_message_) return fail(ws_close::protocol_error);  // the last one is unfinished
      in_message_ = true;
      message_size_ = 0;
      break;
    case ws_opcode::continuation:
      if (!in_message_) return fail(ws_close::protocol_error);
      break;
    default:
      return fail(ws_close::protocol_error);
  }
  if (!is_control(opcode_)) {
    message_size_ += length;
    if (message_size_ > max_message_) return fail(ws_close::too_big);
  }
  in_payload_ = length > 0;
  if (length > 0) return;
  // Empty frames end here.
  if (is_control(opcode_))
    event = control_event();
  else if (fin_)
    in_message_ = false;
}

void ws_frame_reader::unmask(std::span<std::uint8_t> bytes) noexcept {
  std::size_t i = 0;
  // Until the mask lines up, then eight bytes at a time with the mask
  // repeated twice (every payload byte of every client frame passes here).
  for (; i < bytes.size() && mask_offset_ != 0; ++i) {
    bytes[i] ^= mask_[mask_offset_];
    mask_offset_ = (mask_offset_ + 1) & 3;
  }
  std::array<std::uint8_t, 8> twice{};
  std::memcpy(twice.data(), mask_.data(), 4);
  std::memcpy(twice.data() + 4, mask_.data(), 4);
  std::uint64_t word_mask = 0;
  std::memcpy(&word_mask, twice.data(), 8);
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, bytes.data() + i, 8);
    word ^= word_mask;
    std::memcpy(bytes.data() + i, &word, 8);
  }
  for (; i < bytes.size(); ++i) {
    bytes[i] ^= mask_[mask_offset_];
    mask_offset_ = (mask_offset_ + 1) & 3;
  }
}

ws_event ws_frame_reader::control_event() const {
  ws_event e;
  const auto payload = std::span<const std::uint8_t>(control_.data(), control_size_);
  if (opcode_ == ws_opcode::ping) {
    e.what = ws_event::kind::ping;
    e.bytes = payload;
  } else if (opcode_ == ws_opcode::pong) {
    e.what = ws_event::kind::pong;
  } else {
    e.what = ws_event::kind::close;
    e.code = ws_close::no_status;
    if (payload.size() >= 2) {
      e.code = static_cast<std::uint16_t>((payload[0] << 8) | payload[1]);
      e.bytes = payload.subspan(2);
    }
  }
  return e;
}

std::size_t ws_frame_header(std::uint8_t opcode, std::uint64_t payload_size,
                            std::array<std::uint8_t, 10>& out) noexcept {
  out[0] = static_cast<std::uint8_t>(0x80 | opcode);
  if (payload_size < 126) {
    out[1] = static_cast<std::uint8_t>(payload_size);
    return 2;
  }
  if (payload_size <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(payload_size >> 8);
    out[3] = static_cast<std::uint8_t>(payload_size);
    return 4;
  }
  out[1] = 127;
  for (std::size_t i = 0; i < 8; ++i)
    out[2 + i] = static_cast<std::uint8_t>(payload_size >> (8 * (7 - i)));
  return 10;
}

}  // namespace tern::net
