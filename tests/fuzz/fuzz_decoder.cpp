// libFuzzer target for the codec and the protocol engine.
//
// One input is used three ways:
// 1. Framing and decoding: the bytes are read as a stream of packets
//    (parse_fixed_header, then decode) once for each protocol version.
//    Whatever the bytes, this may fail with a reason but never crash, hang
//    or leak. A body that fails to decode does not end the stream (its
//    framing was fine); a fixed header that fails, or a truncated packet,
//    does.
// 2. Round trip: every packet that decodes is encoded again and must
//    decode to an equal value, and encoding that value again must give the
//    same bytes. The PUBLISH fast paths (encode(publish),
//    encode_publish_header + payload, encode_append, and the fan-out
//    encode_append(base, publish_delivery)) must agree with the variant
//    path, and a buffer one byte short must get nothing written.
// 3. The engine: the same bytes go to a server_engine as what a client
//    sent, in reads as large as the last byte says (see drive_engine). The
//    harness plays the broker above it (accepts the CONNECT, acknowledges
//    publications, answers SUBSCRIBE/UNSUBSCRIBE and echoes publications
//    back so the outbound QoS window and the client's acknowledgements are
//    exercised too) and checks what the engine promises in its header:
//    everything it writes decodes in the connection's version as packets a
//    server may send, it raises close_requested at most once, and nothing
//    comes out after it.
//
// A violated property prints what went wrong with the bytes involved and
// calls abort(), which libFuzzer reports as a crash.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <variant>
#include <vector>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "mqtt/codec/topic.hpp"
#include "mqtt/engine/message.hpp"
#include "mqtt/engine/server_engine.hpp"
#include "mqtt/engine/session_state.hpp"
#include "server_packets.hpp"

namespace {

namespace mqtt = tern::mqtt;
using bytes_view = std::span<const std::uint8_t>;

constexpr std::uint32_t no_packet_limit = mqtt::max_variable_byte_integer + 5;
constexpr mqtt::protocol_version all_versions[] = {
    mqtt::protocol_version::v3_1, mqtt::protocol_version::v3_1_1, mqtt::protocol_version::v5};

void print_hex(const char* label, bytes_view bytes) {
  std::fprintf(stderr, "  %s (%zu bytes):", label, bytes.size());
  for (const std::uint8_t b : bytes)
    std::fprintf(stderr, " %02x", b);
  std::fprintf(stderr, "\n");
}

[[noreturn]] void fail(const char* what, mqtt::protocol_version v, bytes_view input,
                       bytes_view encoded = {}) {
  std::fprintf(stderr, "fuzz_decoder: %s (protocol level %d)\n", what, static_cast<int>(v));
  print_hex("input", input);
  if (!encoded.empty()) print_hex("encoded", encoded);
  std::abort();
}

// ---- 2. round trip ------------------------------------------------------------

std::vector<std::uint8_t> encode_checked(const mqtt::packet& p, mqtt::protocol_version v,
                                         bytes_view input) {
  const std::size_t size = mqtt::encoded_size(p, v);
  if (size < 2) fail("encoded_size() is smaller than a fixed header", v, input);
  std::vector<std::uint8_t> out(size);
  if (mqtt::encode(p, v, out) != size) fail("encode() and encoded_size() disagree", v, input);
  std::vector<std::uint8_t> short_buffer(size - 1, 0xA5);
  if (mqtt::encode(p, v, short_buffer) != 0) fail("encode() into a short buffer", v, input);
  for (const std::uint8_t b : short_buffer) {
    if (b != 0xA5) fail("encode() wrote into a buffer it called too short", v, input);
  }
  return out;
}

void check_publish_paths(const mqtt::publish& p, mqtt::protocol_version v, bytes_view input,
                         const std::vector<std::uint8_t>& expected) {
  if (mqtt::encoded_size(p, v) != expected.size())
    fail("encoded_size(publish) differs from the variant path", v, input, expected);
  std::vector<std::uint8_t> out(expected.size());
  if (mqtt::encode(p, v, out) != out.size() || out != expected)
    fail("encode(publish) differs from the variant path", v, input, out);

  const std::size_t header = mqtt::encoded_header_size(p, v);
  if (header + p.payload.size() != expected.size())
    fail("encoded_header_size() + payload differs from encoded_size()", v, input, expected);
  std::vector<std::uint8_t> split(expected.size());
  if (mqtt::encode_publish_header(p, v, split) != header)
    fail("encode_publish_header() and encoded_header_size() disagree", v, input, expected);
  std::copy(p.payload.span().begin(), p.payload.span().end(), split.begin() + header);
  if (split != expected) fail("header + payload differs from encode()", v, input, split);

  const auto appends_expected = [&](const std::vector<std::uint8_t>& appended) {
    return appended.size() == expected.size() + 1 && appended[0] == 0x42 &&
           std::equal(expected.begin(), expected.end(), appended.begin() + 1);
  };
  std::vector<std::uint8_t> appended{0x42};
  mqtt::encode_append(p, v, appended);
  if (!appends_expected(appended))
    fail("encode_append(publish) differs from encode()", v, input, appended);

  // The fan-out path, with the packet as a delivery of itself: its own
  // properties by default and passed explicitly.
  const mqtt::publish_properties* const choices[] = {nullptr, &p.properties};
  for (const mqtt::publish_properties* properties : choices) {
    const mqtt::publish_delivery d{p.id, p.qos, p.retain, p.dup, properties, false};
    if (mqtt::encoded_size(p, d, v) != expected.size())
      fail("encoded_size(publish, publish_delivery) differs from encode()", v, input, expected);
    appended = {0x42};
    mqtt::encode_append(p, d, v, appended);
    if (!appends_expected(appended))
      fail("encode_append(publish, publish_delivery) differs from encode()", v, input, appended);
  }
}

void check_round_trip(const mqtt::packet& p, mqtt::protocol_version v, bytes_view input) {
  const std::vector<std::uint8_t> encoded = encode_checked(p, v, input);
  auto again = mqtt::decode_whole(encoded, v);
  if (!again) {
    std::fprintf(stderr, "fuzz_decoder: decode error: %s\n", again.error().message().c_str());
    fail("a re-encoded packet does not decode", v, input, encoded);
  }
  if (!(*again == p)) fail("round trip changed the packet", v, input, encoded);
  if (encode_checked(*again, v, input) != encoded)
    fail("encoding the round-tripped packet gives other bytes", v, input, encoded);
  if (const auto* pub = std::get_if<mqtt::publish>(&p))
    check_publish_paths(*pub, v, input, encoded);
}

// ---- 1. framing and decoding --------------------------------------------------

void decode_stream(bytes_view data, mqtt::protocol_version v) {
  while (!data.empty()) {
    auto header = mqtt::parse_fixed_header(data, no_packet_limit, v);
    if (!header || !*header) return;  // bad fixed header, or need more bytes
    const mqtt::fixed_header h = **header;
    if (h.size < 2 || h.size > 5) fail("fixed header size out of 2..5", v, data);
    if (data.size() < h.packet_size()) return;  // truncated packet
    const bytes_view packet_bytes = data.first(h.packet_size());
    auto decoded = mqtt::decode(h, packet_bytes.subspan(h.size), v);
    if (decoded) {
      if (mqtt::type_of(*decoded) != h.type) fail("decode() changed the packet type", v, data);
      check_round_trip(*decoded, v, packet_bytes);
    } else if (!decoded.error().failed()) {
      fail("decode() failed with a success reason code", v, packet_bytes);
    }
    data = data.subspan(h.packet_size());
  }
}

// ---- 3. the engine ------------------------------------------------------------

// The broker above the engine, reduced to what drives the engine's state:
// every answer it gives is one a real broker could give.
class broker_double {
 public:
  broker_double(mqtt::server_engine& engine, mqtt::session_state& state, bytes_view input)
      : engine_(engine), state_(state), input_(input) {}

  void pump() {
    while (engine_.take_events(events_)) {
      for (auto& event : events_) {
        if (close_events_ > 0)
          fail("the engine raised an event after close_requested", version(), input_);
        std::visit([this](auto& e) { on(e); }, event);
      }
    }
    check_output();
  }

 private:
  mqtt::protocol_version version() const { return engine_.version(); }

  void on(mqtt::connect_requested& e) {
    // A password of "reject" is refused, so the fuzzer can reach reject().
    if (e.packet->password == "reject")
      return engine_.reject(mqtt::reason_code::bad_user_name_or_password);
    // Without Clean Start the session resumes with three messages in flight
    // (ids 1, 2, 3: awaiting PUBACK, PUBREC, PUBCOMP). accept() resends
    // them before it reads what the client pipelined, so acknowledgements
    // in the input find them.
    const bool resume = !e.packet->clean_start;
    if (resume) restore_session();
    engine_.accept(state_, resume, {});
  }

  void restore_session() {
    using phase = mqtt::outbound_inflight::phase;
    auto message = std::make_shared<mqtt::application_message>();
    message->packet.topic = "resumed/topic";
    message->packet.payload = mqtt::shared_bytes::copy_of("unacknowledged");
    state_.outbound = {
        {1, phase::awaiting_puback, {message, mqtt::qos::at_least_once, false, {}, {}}},
        {2, phase::awaiting_pubrec, {message, mqtt::qos::exactly_once, false, {}, {}}},
        {3, phase::awaiting_pubcomp, {nullptr, mqtt::qos::exactly_once, false, {}, {}}},
    };
    state_.last_id = 3;
  }

  void on(mqtt::publish_received& e) {
    const mqtt::publish& p = e.packet;
    if (p.qos != mqtt::qos::at_most_once) {
      // A payload starting with 0xFF is refused, to reach the failure paths.
      const bool refuse = !p.payload.empty() && p.payload.data()[0] == 0xFF;
      engine_.acknowledge_publish(
          p.id, p.qos,
          refuse ? mqtt::reason_code::implementation_specific_error : mqtt::reason_code::success);
    }
    // Echo it back, as to a subscriber on this same connection.
    auto message = std::make_shared<mqtt::application_message>();
    message->packet = p;
    message->packet.id = 0;
    message->packet.dup = false;
    message->packet.properties.topic_alias.reset();
    message->packet.properties.subscription_identifiers.clear();
    mqtt::delivery d{std::move(message), p.qos, p.retain, {}, {}};
    if (version() == mqtt::protocol_version::v5) d.subscription_ids = {1, 42};
    if (d.qos == mqtt::qos::at_most_once || engine_.can_send_qos())
      engine_.send_publish(std::move(d));
  }

  void on(mqtt::subscribe_requested& e) {
    const bool v5 = version() == mqtt::protocol_version::v5;
    mqtt::suback answer{e.packet.id, {}, {}};
    for (const auto& entry : e.packet.entries) {
      if (!mqtt::is_valid_topic_filter(entry.filter)) {
        answer.reasons.push_back(v5 ? mqtt::reason_code::topic_filter_invalid
                                    : mqtt::reason_code::unspecified_error);
      } else {
        answer.reasons.push_back(static_cast<mqtt::reason_code>(entry.options.max_qos));
      }
    }
    engine_.send_suback(std::move(answer));
  }

  void on(mqtt::unsubscribe_requested& e) {
    mqtt::unsuback answer{e.packet.id, {}, {}};
    if (version() == mqtt::protocol_version::v5)
      answer.reasons.assign(e.packet.filters.size(), mqtt::reason_code::success);
    engine_.send_unsuback(std::move(answer));
  }

  void on(mqtt::close_requested&) {
    if (close_events_++ > 0) fail("close_requested raised twice", version(), input_);
    if (!engine_.is_closed())
      fail("close_requested but the engine is not closed", version(), input_);
  }

  void on(mqtt::delivery_completed&) {}
  void on(mqtt::delivery_received&) {}
  void on(mqtt::release_received&) {}
  void on(mqtt::disconnect_received&) {}
  // Re-authentication (AUTH 0x19): data "ok" completes it, anything else
  // fails it as the broker does, so both paths are reached.
  void on(mqtt::auth_received& e) {
    if (!engine_.is_connected()) return engine_.reject(mqtt::reason_code::not_authorized);
    if (e.packet.properties.authentication_data == "ok") return engine_.finish_reauthentication({});
    engine_.disconnect(mqtt::reason_code::not_authorized);
  }

  void check_output() {
    engine_.take_output(output_);
    if (closed_ && !output_.empty())
      fail("the engine wrote after close_requested", version(), input_, output_);
    closed_ = close_events_ > 0;

    const mqtt::protocol_version v = version();
    bytes_view rest(output_);
    while (!rest.empty()) {
      auto header = mqtt::parse_fixed_header(rest, no_packet_limit, v);
      if (!header || !*header || rest.size() < (*header)->packet_size())
        fail("the engine wrote a bad or truncated fixed header", v, input_, output_);
      const mqtt::fixed_header h = **header;
      if (!tern::fuzz::server_may_send(h.type))
        fail("the engine wrote a packet only a client sends", v, input_, output_);
      auto decoded = mqtt::decode(h, rest.subspan(h.size, h.remaining_length), v);
      if (!decoded) {
        std::fprintf(stderr, "fuzz_decoder: decode error: %s\n", decoded.error().message().c_str());
        fail("the engine wrote a packet that does not decode", v, input_, output_);
      }
      rest = rest.subspan(h.packet_size());
    }
  }

  mqtt::server_engine& engine_;
  mqtt::session_state& state_;
  bytes_view input_;
  std::vector<mqtt::engine_event> events_;
  std::vector<std::uint8_t> output_;
  int close_events_ = 0;
  bool closed_ = false;
};

void drive_engine(bytes_view data) {
  using namespace std::chrono_literals;
  // Declared before the engine: the session outlives the connection.
  mqtt::session_state state;
  mqtt::steady_time now{std::chrono::hours(1)};
  const mqtt::engine_limits limits;
  mqtt::server_engine engine(limits, now);
  broker_double broker(engine, state, data);

  // The last byte is the size of every read (0: all in one read), so
  // packets straddle reads and acknowledgements of the echoed publications
  // can arrive after the echoes went out. (Not the first byte: every input
  // that gets past CONNECT starts with 0x10, which would pin the reads to
  // 16 bytes.)
  const std::size_t step = data.empty() || data.back() == 0 ? data.size() : data.back();
  for (std::size_t at = 0; at < data.size(); at += step) {
    engine.on_bytes(data.subspan(at, std::min(step, data.size() - at)), now);
    broker.pump();
    now += 250ms;
    if (auto deadline = engine.next_deadline(); deadline && now >= *deadline) {
      engine.on_timer(now);
      broker.pump();
    }
  }
  // Let the keep alive or connect timeout expire.
  if (auto deadline = engine.next_deadline()) {
    engine.on_timer(*deadline);
    broker.pump();
  }
  // The connection ends from our side or the peer's, by the input's size.
  if (data.size() % 2 != 0) {
    engine.disconnect(mqtt::reason_code::server_shutting_down);
  } else {
    engine.on_peer_closed();
  }
  broker.pump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const bytes_view input(data, size);
  for (const mqtt::protocol_version v : all_versions)
    decode_stream(input, v);
  drive_engine(input);
  return 0;
}
