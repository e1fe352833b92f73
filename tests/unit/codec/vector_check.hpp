#pragma once
// Checks shared by the conformance vector tests (vectors_*_test.cpp).
//
// Each check returns a testing::AssertionResult, so a failure is reported at
// the line of the test that made it, with the vector in hex and the reason
// the decoder gave. Every decode goes through both entry points: decode_whole
// and parse_fixed_header + decode, which must agree.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iomanip>
#include <span>
#include <sstream>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "mqtt/codec/reason_code.hpp"
#include "tests/unit/codec/hex.hpp"

namespace tern::mqtt::test_vectors {

// maximum_packet_size for parse_fixed_header when no limit applies.
inline constexpr std::uint32_t no_size_limit = max_variable_byte_integer + 5;

inline std::string describe(reason_code rc) {
  std::ostringstream s;
  s << "0x" << std::hex << std::setw(2) << std::setfill('0') << static_cast<int>(rc) << " ("
    << reason_name(rc) << ")";
  return s.str();
}

inline std::string describe(const boost::system::error_code& ec) {
  return describe(to_reason_code(ec)) + " [" + ec.category().name() + ": " + ec.message() + "]";
}

// The vector's own consistency, independent of the code under test: its
// Remaining Length (spec 2.1.4, a Variable Byte Integer of one to four bytes)
// counts exactly the bytes after the fixed header. Catches mistakes in the
// vectors themselves.
inline ::testing::AssertionResult well_framed(const bytes& b) {
  std::uint32_t value = 0;
  std::uint32_t multiplier = 1;
  std::size_t i = 1;
  for (;; ++i) {
    if (i >= b.size() || i > 4) {
      return ::testing::AssertionFailure()
             << "the vector's Remaining Length is not a complete 1-4 byte Variable Byte Integer";
    }
    value += (b[i] & 0x7fU) * multiplier;
    multiplier *= 128;
    if ((b[i] & 0x80U) == 0) break;
  }
  const std::size_t after_header = b.size() - (i + 1);
  if (after_header != value) {
    return ::testing::AssertionFailure()
           << "the vector's Remaining Length says " << value << " bytes but " << after_header
           << " follow the fixed header";
  }
  return ::testing::AssertionSuccess();
}

// `b` is one whole packet that decodes, by both entry points, to a T.
template <class T>
::testing::AssertionResult decodes_as(const bytes& b, protocol_version version, T& out) {
  if (auto framed = well_framed(b); !framed) return framed << " (vector " << to_hex(b) << ")";
  const auto header = parse_fixed_header(b, no_size_limit, version);
  if (!header) {
    return ::testing::AssertionFailure() << "parse_fixed_header() failed with "
                                         << describe(header.error()) << " for " << to_hex(b);
  }
  if (!*header) {
    return ::testing::AssertionFailure()
           << "parse_fixed_header() asks for more bytes of the whole packet " << to_hex(b);
  }
  const fixed_header& h = **header;
  if (h.packet_size() != b.size()) {
    return ::testing::AssertionFailure()
           << "parse_fixed_header() gives packet size " << h.packet_size() << " for the "
           << b.size() << "-byte vector " << to_hex(b);
  }
  const auto whole = decode_whole(b, version);
  if (!whole) {
    return ::testing::AssertionFailure()
           << "decode_whole() failed with " << describe(whole.error()) << " for " << to_hex(b);
  }
  const T* p = std::get_if<T>(&*whole);
  if (p == nullptr) {
    return ::testing::AssertionFailure()
           << "decoded as packet type " << static_cast<int>(type_of(*whole)) << " (variant index "
           << whole->index() << ") from " << to_hex(b);
  }
  if (h.type != type_of(*whole)) {
    return ::testing::AssertionFailure() << "parse_fixed_header() gives packet type "
                                         << static_cast<int>(h.type) << " for " << to_hex(b);
  }
  const auto two_step = decode(h, std::span<const std::uint8_t>(b).subspan(h.size), version);
  if (!two_step) {
    return ::testing::AssertionFailure() << "decode() failed with " << describe(two_step.error())
                                         << " where decode_whole() succeeded, for " << to_hex(b);
  }
  if (!(*two_step == *whole)) {
    return ::testing::AssertionFailure()
           << "decode() and decode_whole() give different values for " << to_hex(b);
  }
  out = *p;
  return ::testing::AssertionSuccess();
}

// encode() of `p` gives exactly `expected`, through every entry point.
inline ::testing::AssertionResult encodes_to(const packet& p, protocol_version version,
                                             const bytes& expected) {
  const std::size_t size = encoded_size(p, version);
  bytes out(size);
  const std::size_t written = encode(p, version, out);
  out.resize(std::min(written, size));
  if (written != size || out != expected) {
    return ::testing::AssertionFailure()
           << "encode() wrote " << written << " bytes (encoded_size " << size << "):\n  "
           << to_hex(out) << "\nexpected " << expected.size() << " bytes:\n  " << to_hex(expected);
  }
  bytes appended{0xa5};
  encode_append(p, version, appended);
  if (appended != concat(bytes{0xa5}, expected)) {
    return ::testing::AssertionFailure()
           << "encode_append() after one byte gave\n  " << to_hex(appended) << "\nexpected\n  a5 "
           << to_hex(expected);
  }
  if (const auto* pub = std::get_if<publish>(&p)) {
    if (encoded_size(*pub, version) != expected.size()) {
      return ::testing::AssertionFailure()
             << "encoded_size(publish) is " << encoded_size(*pub, version) << ", expected "
             << expected.size();
    }
    bytes direct(expected.size());
    const std::size_t n = encode(*pub, version, direct);
    if (n != expected.size() || direct != expected) {
      return ::testing::AssertionFailure()
             << "encode(publish) wrote " << n << " bytes:\n  " << to_hex(direct) << "\nexpected\n  "
             << to_hex(expected);
    }
    const std::size_t head_size = encoded_header_size(*pub, version);
    if (head_size + pub->payload.size() != expected.size()) {
      return ::testing::AssertionFailure()
             << "encoded_header_size(publish) is " << head_size << " with a " << pub->payload.size()
             << "-byte payload, for a " << expected.size() << "-byte packet";
    }
    bytes head(head_size);
    const std::size_t head_written = encode_publish_header(*pub, version, head);
    const bytes payload(pub->payload.span().begin(), pub->payload.span().end());
    if (head_written != head_size || concat(head, payload) != expected) {
      return ::testing::AssertionFailure()
             << "encode_publish_header() + payload gave\n  " << to_hex(concat(head, payload))
             << "\nexpected\n  " << to_hex(expected);
    }
    bytes appended_publish{0xa5};
    encode_append(*pub, version, appended_publish);
    if (appended_publish != concat(bytes{0xa5}, expected)) {
      return ::testing::AssertionFailure()
             << "encode_append(publish) after one byte gave\n  " << to_hex(appended_publish)
             << "\nexpected\n  a5 " << to_hex(expected);
    }
  }
  return ::testing::AssertionSuccess();
}

// For a value with more than one valid encoding, listed in `forms` (e.g. a
// v5 PUBACK with a failure reason and no properties may end after the reason
// code or carry a Property Length of 0, spec 3.4.2.2.1): encode() gives one
// of them.
inline ::testing::AssertionResult encodes_to_one_of(const packet& p, protocol_version version,
                                                    std::initializer_list<bytes> forms) {
  const std::size_t size = encoded_size(p, version);
  bytes out(size);
  const std::size_t written = encode(p, version, out);
  out.resize(std::min(written, size));
  for (const bytes& form : forms) {
    if (written == size && out == form) return ::testing::AssertionSuccess();
  }
  auto failure = ::testing::AssertionFailure();
  failure << "encode() wrote\n  " << to_hex(out) << "\nexpected one of";
  for (const bytes& form : forms)
    failure << "\n  " << to_hex(form);
  return failure;
}

// For a value whose properties have different identifiers: their order on the
// wire carries no meaning (spec 2.2.2.2), so the encoding need not equal the
// vector byte for byte. It has the vector's size and first byte and decodes
// back to the same value.
inline ::testing::AssertionResult encodes_equivalent(const packet& p, protocol_version version,
                                                     const bytes& reference) {
  const std::size_t size = encoded_size(p, version);
  bytes out(size);
  const std::size_t written = encode(p, version, out);
  out.resize(std::min(written, size));
  if (written != size || out.size() != reference.size() || out.empty() || out[0] != reference[0]) {
    return ::testing::AssertionFailure() << "encode() wrote " << written << " bytes (encoded_size "
                                         << size << "):\n  " << to_hex(out) << "\nthe vector has "
                                         << reference.size() << " bytes:\n  " << to_hex(reference);
  }
  const auto back = decode_whole(out, version);
  if (!back) {
    return ::testing::AssertionFailure()
           << "the encoding " << to_hex(out) << " does not decode: " << describe(back.error());
  }
  if (!(*back == p)) {
    return ::testing::AssertionFailure()
           << "the encoding " << to_hex(out) << " decodes to a different value";
  }
  return ::testing::AssertionSuccess();
}

// decode_whole() rejects `b` with `expected`; so does parse_fixed_header() +
// decode() when the vector is framed consistently.
inline ::testing::AssertionResult fails_with(const bytes& b, protocol_version version,
                                             reason_code expected) {
  const auto whole = decode_whole(b, version);
  if (whole) {
    return ::testing::AssertionFailure()
           << "decode_whole() accepted " << to_hex(b) << "; expected " << describe(expected);
  }
  if (to_reason_code(whole.error()) != expected) {
    return ::testing::AssertionFailure()
           << "decode_whole() failed with " << describe(whole.error()) << "; expected "
           << describe(expected) << ", for " << to_hex(b);
  }
  if (!well_framed(b)) return ::testing::AssertionSuccess();
  const auto header = parse_fixed_header(b, no_size_limit, version);
  if (!header) {
    if (to_reason_code(header.error()) != expected) {
      return ::testing::AssertionFailure()
             << "parse_fixed_header() failed with " << describe(header.error()) << "; expected "
             << describe(expected) << ", for " << to_hex(b);
    }
    return ::testing::AssertionSuccess();
  }
  if (!*header) {
    return ::testing::AssertionFailure()
           << "parse_fixed_header() asks for more bytes of the whole packet " << to_hex(b);
  }
  const auto body = std::span<const std::uint8_t>(b).subspan((*header)->size);
  const auto two_step = decode(**header, body, version);
  if (two_step) {
    return ::testing::AssertionFailure()
           << "decode() accepted what decode_whole() rejected: " << to_hex(b);
  }
  if (to_reason_code(two_step.error()) != expected) {
    return ::testing::AssertionFailure()
           << "decode() failed with " << describe(two_step.error()) << "; expected "
           << describe(expected) << ", for " << to_hex(b);
  }
  return ::testing::AssertionSuccess();
}

// parse_fixed_header() rejects the start of `b` with `expected`.
inline ::testing::AssertionResult header_fails_with(const bytes& b,
                                                    std::uint32_t maximum_packet_size,
                                                    protocol_version version,
                                                    reason_code expected) {
  const auto header = parse_fixed_header(b, maximum_packet_size, version);
  if (header) {
    return ::testing::AssertionFailure() << "parse_fixed_header() accepted " << to_hex(b) << " ("
                                         << (*header ? "a header" : "asks for more bytes")
                                         << "); expected " << describe(expected);
  }
  if (to_reason_code(header.error()) != expected) {
    return ::testing::AssertionFailure()
           << "parse_fixed_header() failed with " << describe(header.error()) << "; expected "
           << describe(expected) << ", for " << to_hex(b);
  }
  return ::testing::AssertionSuccess();
}

}  // namespace tern::mqtt::test_vectors
