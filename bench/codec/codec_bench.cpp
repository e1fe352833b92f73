// Micro-benchmarks of the message hot path:
// - PUBLISH decode (parse_fixed_header + decode) and encode (the
//   variant-free encode(publish) into a caller's buffer), MQTT 3.1.1 and
//   5.0, 64 B and 1 KiB payloads; the v5 packets carry Message Expiry,
//   Content Type and a User Property, and on the encode side a Topic Alias;
// - a server_engine, after CONNECT and accept(), ingesting 1000 QoS 0
//   PUBLISH packets of a 3.1.1 client in 16 KiB reads (as net/ does), and
//   sending 1000 QoS 0 deliveries to it.
//
// Every benchmark reports allocs_per_packet, the heap allocations per
// packet in the timed loop: this binary replaces the global operator new
// and delete to count them (setup and warm-up before the loop are not
// counted). The engine benchmarks handle 1000 packets per iteration, so
// their time_per_packet counter (CPU time) is the figure to read; for the
// others one iteration is one packet.
//
//   build-bench/bench/codec/codec_bench [--benchmark_filter=engine]
//
// Thread: single-threaded; the counter is atomic only so that the
// replacement operators stay correct if a library allocates elsewhere.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <vector>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "mqtt/engine/message.hpp"
#include "mqtt/engine/server_engine.hpp"
#include "mqtt/engine/session_state.hpp"

// ---- allocation counting ----------------------------------------------------------

namespace {

std::atomic<std::uint64_t> allocations{0};

void* counted_malloc(std::size_t size) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}

void* counted_aligned_alloc(std::size_t size, std::align_val_t alignment) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  const auto align = static_cast<std::size_t>(alignment);
  // aligned_alloc wants a size that is a multiple of the alignment.
  const std::size_t rounded = (std::max<std::size_t>(size, 1) + align - 1) / align * align;
  return std::aligned_alloc(align, rounded);
}

void* or_throw(void* p) {
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

// These replacements pair malloc with free on purpose; GCC cannot see that
// through the replaced operators and warns at -O2.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  return or_throw(counted_malloc(size));
}
void* operator new[](std::size_t size) {
  return or_throw(counted_malloc(size));
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return counted_malloc(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return counted_malloc(size);
}
void* operator new(std::size_t size, std::align_val_t align) {
  return or_throw(counted_aligned_alloc(size, align));
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return or_throw(counted_aligned_alloc(size, align));
}
void* operator new(std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return counted_aligned_alloc(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return counted_aligned_alloc(size, align);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace {

namespace mqtt = tern::mqtt;
using mqtt::protocol_version;

// Counts the allocations from its construction (just before the timed loop)
// to report(), and publishes them per packet.
class allocation_meter {
 public:
  allocation_meter() : start_(allocations.load(std::memory_order_relaxed)) {}

  void report(benchmark::State& state, int packets_per_iteration) const {
    const std::uint64_t counted = allocations.load(std::memory_order_relaxed) - start_;
    // kAvgIterations divides by the iteration count.
    state.counters["allocs_per_packet"] = benchmark::Counter(
        static_cast<double>(counted) / packets_per_iteration, benchmark::Counter::kAvgIterations);
  }

 private:
  std::uint64_t start_;
};

// ---- fixtures ---------------------------------------------------------------------

constexpr std::uint32_t no_packet_limit = mqtt::max_variable_byte_integer + 5;
// 26 bytes: longer than std::string's inline buffer (15), like most real
// topics, so a decoded topic costs one allocation.
constexpr std::string_view bench_topic = "site/42/sensor/temperature";

mqtt::shared_bytes make_payload(std::size_t size) {
  std::vector<std::uint8_t> bytes(size);
  for (std::size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<std::uint8_t>('a' + i % 26);
  return mqtt::shared_bytes::copy_of(bytes);
}

// A QoS 1 PUBLISH; for v5 with the properties a telemetry client sends,
// plus a Topic Alias when `with_alias` (a sender's choice, so encode only).
mqtt::publish make_publish(protocol_version v, std::size_t payload_size, bool with_alias) {
  mqtt::publish p;
  p.topic = bench_topic;
  p.qos = mqtt::qos::at_least_once;
  p.id = 42;
  p.payload = make_payload(payload_size);
  if (v == protocol_version::v5) {
    p.properties.message_expiry_interval = 3600;
    p.properties.content_type = "application/json";
    p.properties.user = {{"unit", "celsius"}};
    if (with_alias) p.properties.topic_alias = 7;
  }
  return p;
}

// ---- codec ------------------------------------------------------------------------

void bm_decode_publish(benchmark::State& state, protocol_version v, std::size_t payload_size) {
  std::vector<std::uint8_t> wire;
  mqtt::encode_append(make_publish(v, payload_size, false), v, wire);
  const std::span<const std::uint8_t> bytes(wire);
  if (!mqtt::decode_whole(bytes, v)) return state.SkipWithError("fixture does not decode");

  const allocation_meter meter;
  for (auto _ : state) {
    auto header = mqtt::parse_fixed_header(bytes, no_packet_limit, v);
    const mqtt::fixed_header& h = **header;
    auto packet = mqtt::decode(h, bytes.subspan(h.size, h.remaining_length), v);
    benchmark::DoNotOptimize(packet);
  }
  meter.report(state, 1);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * wire.size()));
}

void bm_encode_publish(benchmark::State& state, protocol_version v, std::size_t payload_size) {
  const mqtt::publish p = make_publish(v, payload_size, true);
  std::vector<std::uint8_t> buffer(mqtt::encoded_size(p, v));

  const allocation_meter meter;
  for (auto _ : state) {
    std::size_t written = mqtt::encode(p, v, buffer);
    benchmark::DoNotOptimize(written);
    benchmark::ClobberMemory();
  }
  meter.report(state, 1);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buffer.size()));
}

BENCHMARK_CAPTURE(bm_decode_publish, v311_64B, protocol_version::v3_1_1, 64);
BENCHMARK_CAPTURE(bm_decode_publish, v311_1KiB, protocol_version::v3_1_1, 1024);
BENCHMARK_CAPTURE(bm_decode_publish, v5_64B, protocol_version::v5, 64);
BENCHMARK_CAPTURE(bm_decode_publish, v5_1KiB, protocol_version::v5, 1024);
BENCHMARK_CAPTURE(bm_encode_publish, v311_64B, protocol_version::v3_1_1, 64);
BENCHMARK_CAPTURE(bm_encode_publish, v311_1KiB, protocol_version::v3_1_1, 1024);
BENCHMARK_CAPTURE(bm_encode_publish, v5_64B, protocol_version::v5, 64);
BENCHMARK_CAPTURE(bm_encode_publish, v5_1KiB, protocol_version::v5, 1024);

// ---- engine -----------------------------------------------------------------------

constexpr int stream_packets = 1000;
constexpr std::size_t read_chunk = 16 * 1024;  // net/tcp_connection.cpp reads this much

// A 3.1.1 connection past CONNECT and accept(), with nothing pending. The
// session is declared first: it outlives the engine.
struct connected_engine {
  mqtt::session_state session;
  mqtt::steady_time now{std::chrono::hours(1)};
  mqtt::engine_limits limits;  // borrowed by the engine
  mqtt::server_engine engine{limits, now};
  std::vector<mqtt::engine_event> events;
  std::vector<std::uint8_t> output;

  bool connect() {
    mqtt::connect c;
    c.version = protocol_version::v3_1_1;
    c.client_id = "bench-client";
    c.keep_alive = 0;  // no keep-alive deadline to check
    std::vector<std::uint8_t> wire;
    mqtt::encode_append(mqtt::packet{std::move(c)}, protocol_version::v3_1_1, wire);
    engine.on_bytes(wire, now);
    if (!engine.take_events(events) || !std::holds_alternative<mqtt::connect_requested>(events[0]))
      return false;
    engine.accept(session, false, {});
    engine.take_output(output);
    events.clear();
    return engine.is_connected();
  }
};

void report_per_packet_time(benchmark::State& state) {
  // The rate of packets, inverted: seconds per packet (shown as "87.1ns").
  state.counters["time_per_packet"] = benchmark::Counter(
      stream_packets, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * stream_packets));
}

void bm_engine_ingest_qos0(benchmark::State& state, std::size_t payload_size) {
  connected_engine c;
  if (!c.connect()) return state.SkipWithError("CONNECT was not accepted");
  mqtt::publish p = make_publish(protocol_version::v3_1_1, payload_size, false);
  p.qos = mqtt::qos::at_most_once;
  p.id = 0;
  std::vector<std::uint8_t> stream;
  for (int i = 0; i < stream_packets; ++i)
    mqtt::encode_append(p, protocol_version::v3_1_1, stream);

  std::size_t received = 0;
  const auto ingest_stream = [&] {
    for (std::size_t at = 0; at < stream.size();) {
      const std::size_t n = std::min(read_chunk, stream.size() - at);
      // As the network layer does: a read's worth of bytes, parsed in place.
      c.engine.on_bytes(std::span(stream).subspan(at, n), c.now);
      at += n;
      // What the broker would route; dropped (freed) on the next take.
      c.engine.take_events(c.events);
      received += c.events.size();
    }
  };
  // Warm-up: the input and event buffers reach their working size, which
  // a long-lived connection pays once.
  ingest_stream();
  ingest_stream();
  received = 0;

  const allocation_meter meter;
  for (auto _ : state)
    ingest_stream();
  meter.report(state, stream_packets);
  report_per_packet_time(state);
  if (!c.engine.is_connected() ||
      received != static_cast<std::size_t>(state.iterations()) * stream_packets)
    state.SkipWithError("the engine did not deliver every PUBLISH");
}

void bm_engine_send_qos0(benchmark::State& state, std::size_t payload_size) {
  connected_engine c;
  if (!c.connect()) return state.SkipWithError("CONNECT was not accepted");
  auto message = std::make_shared<mqtt::application_message>();
  message->packet = make_publish(protocol_version::v3_1_1, payload_size, false);
  message->packet.id = 0;
  const mqtt::message_ptr shared = std::move(message);

  const auto send_batch = [&] {
    for (int i = 0; i < stream_packets; ++i)
      c.engine.send_publish(mqtt::delivery{shared, mqtt::qos::at_most_once, false, {}, {}});
    c.engine.take_output(c.output);  // what the connection would write
    benchmark::DoNotOptimize(c.output.data());
  };
  // Warm-up: both output buffers (they are swapped) reach their working size.
  send_batch();
  send_batch();

  const allocation_meter meter;
  for (auto _ : state)
    send_batch();
  meter.report(state, stream_packets);
  report_per_packet_time(state);
}

BENCHMARK_CAPTURE(bm_engine_ingest_qos0, v311_64B, 64);
BENCHMARK_CAPTURE(bm_engine_send_qos0, v311_64B, 64);

}  // namespace

BENCHMARK_MAIN();
