#pragma once
// One client's network connection, in memory: the broker side is a real
// client_handler, the client side is the test, which sends encoded packets
// and reads back what the broker wrote, decoded.
//
// It behaves like net/tcp_connection where the broker can tell: writes are
// batched (output_ready() posts one write to the connection's worker; only
// one write is in flight; a write completes in a later task), reading stops
// while the handler does not want input and resumes after a write or on
// resume_input(), and close_after_output() closes once the output is out.
// On top, it can misbehave the way a network does (Beast's
// _experimental/test/stream with a fail_count):
// - fail_write(n): the n-th write (0-based, counted from construction) is
//   lost and the connection fails, which the handler hears as
//   on_peer_closed(); every later write is lost too;
// - fail_read(n): likewise for the n-th read that would hand the handler
//   bytes the client sent: they are lost and the connection fails;
// - stall(): writes stop completing, so the output backlog grows (a slow
//   consumer), until unstall().
//
// Thread: the test's only. Broker-side calls arrive on worker(); test-side
// calls run as that worker through fake_workers::act_as().

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "fake_workers.hpp"
#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "session/client_handler.hpp"
#include "session/client_transport.hpp"

namespace tern::broker::test {

// The time the test says it is. It starts at the real steady_clock::now()
// because the broker stamps a session's disconnection with the real clock.
struct fake_clock {
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();
  void advance(std::chrono::steady_clock::duration d) { now += d; }
};

class fake_transport final : public client_transport {
 public:
  // Use make(): posted work holds a shared_ptr to the transport.
  fake_transport(broker& b, fake_workers& workers, const fake_clock& clock, unsigned worker,
                 std::string name)
      : workers_(workers),
        clock_(clock),
        worker_(worker),
        name_(std::move(name)),
        handler_(std::make_shared<client_handler>(b, *this, clock.now)) {}
  static std::shared_ptr<fake_transport> make(broker& b, fake_workers& workers,
                                              const fake_clock& clock, unsigned worker,
                                              std::string name) {
    return std::make_shared<fake_transport>(b, workers, clock, worker, std::move(name));
  }
  ~fake_transport() override { handler_->transport_gone(); }

  // --- client_transport, called by the handler on worker() ----------------
  // Each checks it is called on this connection's worker: a connection
  // lives on one worker for life and nothing else may touch it.
  void output_ready() override {
    on_own_worker("output_ready");
    if (write_in_flight_ || write_posted_ || finished_) return;
    write_posted_ = true;
    workers_.post(worker_, [self = self()] {
      self->write_posted_ = false;
      self->do_write();
    });
  }
  void resume_input() override {
    on_own_worker("resume_input");
    ++resume_input_calls_;
    workers_.post(worker_, [self = self()] { self->do_read(); });
  }
  void close_after_output() override {
    on_own_worker("close_after_output");
    ++close_after_output_calls_;
    closing_ = true;
    if (!write_in_flight_) output_ready();
  }
  std::size_t pending_output_bytes() const noexcept override {
    on_own_worker("pending_output_bytes");
    return writing_.size();
  }
  client_handler& handler() noexcept override { return *handler_; }
  unsigned worker() const noexcept override { return worker_; }
  const std::string& remote_address() const noexcept override { return name_; }

  // --- the client's side ------------------------------------------------------
  // Encodes `p` for `v` and sends it; a CONNECT sets the version used to
  // decode what comes back. False when the connection is already gone (the
  // bytes are lost, as on a dead socket).
  bool send(const mqtt::packet& p, mqtt::protocol_version v) {
    if (const auto* c = std::get_if<mqtt::connect>(&p)) version_ = c->version;
    std::vector<std::uint8_t> bytes;
    mqtt::encode_append(p, v, bytes);
    return send_bytes(bytes);
  }
  bool send(const mqtt::packet& p) { return send(p, version_); }
  bool send_bytes(std::span<const std::uint8_t> bytes) {
    if (finished_) return false;
    inbox_.insert(inbox_.end(), bytes.begin(), bytes.end());
    auto as = workers_.act_as(worker_);
    do_read();
    return true;
  }
  // The client goes away without DISCONNECT (TCP reset): the read fails.
  void drop() {
    if (finished_) return;
    auto as = workers_.act_as(worker_);
    handler_->on_peer_closed();
    finish();
  }
  // The handler's timer fires at the fake clock's time.
  void fire_timer() {
    if (finished_) return;
    auto as = workers_.act_as(worker_);
    handler_->on_timer(clock_.now);
  }

  void fail_write(std::size_t n) { fail_write_at_ = n; }
  void fail_read(std::size_t n) { fail_read_at_ = n; }
  void stall() { stalled_ = true; }
  void unstall() {
    stalled_ = false;
    if (write_in_flight_) workers_.post(worker_, [self = self()] { self->complete_write(); });
  }

  // Every packet the broker wrote and the client received, decoded.
  const std::vector<mqtt::packet>& received() const noexcept { return received_; }
  mqtt::protocol_version version() const noexcept { return version_; }
  // For bytes sent with send_bytes(): the version to decode replies with.
  void set_version(mqtt::protocol_version v) noexcept { version_ = v; }
  // Encoded but not received by the client: the engine's output plus the
  // write in flight.
  std::size_t backlog() const noexcept { return handler_->output_size() + writing_.size(); }
  // close_after_output() was called (the broker closes this connection).
  bool close_requested() const noexcept { return close_after_output_calls_ > 0; }
  // The connection is gone: closed by the broker, failed, or dropped.
  bool finished() const noexcept { return finished_; }
  bool failed() const noexcept { return failed_; }
  std::size_t writes() const noexcept { return writes_; }
  std::size_t reads() const noexcept { return reads_; }
  std::size_t resume_input_calls() const noexcept { return resume_input_calls_; }
  // Bytes sent by the client that the broker has not read yet.
  std::size_t unread_bytes() const noexcept { return inbox_.size(); }

 private:
  void on_own_worker(const char* what) const noexcept {
    EXPECT_EQ(workers_.current(), worker_)
        << name_ << ": " << what << " called from another worker than the connection's";
  }

  std::shared_ptr<fake_transport> self() {
    return std::static_pointer_cast<fake_transport>(shared_from_this());
  }

  void do_read() {
    if (finished_ || closing_ || inbox_.empty() || !handler_->wants_input()) return;
    if (const std::size_t index = reads_++; fail_read_at_ && index >= *fail_read_at_) {
      // The read fails: the client's bytes never reach the broker.
      failed_ = true;
      handler_->on_peer_closed();
      finish();
      return;
    }
    // All of it in one read, as a socket would hand over what arrived.
    const auto bytes = std::exchange(inbox_, {});
    handler_->on_bytes(bytes, clock_.now);
  }

  void do_write() {
    if (write_in_flight_ || finished_) return;
    handler_->take_output(writing_);
    if (writing_.empty()) {
      if (closing_ && !handler_->output_held()) finish();  // as net/tcp_connection does
      do_read();  // input may have been paused while CONNECT was decided
      return;
    }
    write_in_flight_ = true;
    if (stalled_) return;  // completes on unstall()
    workers_.post(worker_, [self = self()] { self->complete_write(); });
  }

  void complete_write() {
    if (!write_in_flight_ || stalled_) return;
    write_in_flight_ = false;
    const std::size_t index = writes_++;
    if (failed_ || (fail_write_at_ && index >= *fail_write_at_)) {
      // The write fails: its bytes never reach the client.
      writing_.clear();
      failed_ = true;
      handler_->on_peer_closed();
      finish();
      return;
    }
    rx_.insert(rx_.end(), writing_.begin(), writing_.end());
    writing_.clear();
    decode_received();
    do_write();
  }

  void finish() {
    finished_ = true;
    inbox_.clear();
  }

  void decode_received() {
    std::span<const std::uint8_t> rest(rx_);
    while (!rest.empty()) {
      auto h = mqtt::parse_fixed_header(rest, mqtt::max_variable_byte_integer + 5, version_);
      if (!h) {
        ADD_FAILURE() << name_ << ": the broker wrote a malformed fixed header";
        rest = {};
        break;
      }
      if (!*h || rest.size() < (*h)->packet_size()) break;  // the rest comes with the next write
      auto p = mqtt::decode(**h, rest.subspan((*h)->size, (*h)->remaining_length), version_);
      if (p) {
        received_.push_back(std::move(*p));
      } else {
        ADD_FAILURE() << name_
                      << ": the broker wrote an undecodable packet: " << p.error().message();
      }
      rest = rest.subspan((*h)->packet_size());
    }
    rx_.erase(rx_.begin(), rx_.end() - static_cast<std::ptrdiff_t>(rest.size()));
  }

  fake_workers& workers_;
  const fake_clock& clock_;
  unsigned worker_;
  std::string name_;
  std::shared_ptr<client_handler> handler_;
  mqtt::protocol_version version_ = mqtt::protocol_version::v3_1_1;

  std::vector<std::uint8_t> inbox_;    // sent by the client, not read yet
  std::vector<std::uint8_t> writing_;  // the write in flight
  std::vector<std::uint8_t> rx_;       // received by the client, not decoded yet
  std::vector<mqtt::packet> received_;

  std::optional<std::size_t> fail_write_at_;
  std::optional<std::size_t> fail_read_at_;
  std::size_t writes_ = 0;
  std::size_t reads_ = 0;
  std::size_t resume_input_calls_ = 0;
  std::size_t close_after_output_calls_ = 0;
  bool write_in_flight_ = false;
  bool write_posted_ = false;
  bool stalled_ = false;
  bool closing_ = false;
  bool finished_ = false;
  bool failed_ = false;
};

}  // namespace tern::broker::test
