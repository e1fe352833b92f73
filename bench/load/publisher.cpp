#include "bench/load/publisher.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "mqtt/codec/encoder.hpp"

namespace tern::bench {

namespace {
// Unsent QoS 0 output beyond which a paced publisher waits for the socket.
constexpr std::size_t max_unsent_bytes = 1 << 20;
}  // namespace

publisher::publisher(boost::asio::io_context& io, client_options options, client_observer& observer,
                     std::uint32_t index, publish_plan plan)
    : bench_client(io, std::move(options), observer),
      index_(index),
      plan_(std::move(plan)),
      window_(std::max<std::uint32_t>(1, plan_.window)),
      inflight_seq_(65536, -1) {
  template_.topic = plan_.topic;
  template_.qos = plan_.qos;
  template_.id = plan_.qos == mqtt::qos::at_most_once ? 0 : 1;
  // Only the size matters here: the payload bytes are written in place.
  template_.payload = mqtt::shared_bytes::copy_of(std::vector<std::uint8_t>(plan_.payload_size));
  header_size_ = mqtt::encoded_header_size(template_, this->options().version);
}

void publisher::on_connected() {
  // A v5 broker may allow fewer unacknowledged messages than our window
  // [MQTT-3.3.4-7].
  if (plan_.qos != mqtt::qos::at_most_once)
    window_ = std::min<std::uint32_t>(window_, server_receive_maximum());
  mark_ready();
}

void publisher::begin() {
  started_ = true;
  if (plan_.paced) return;
  const std::uint64_t now = now_ns();
  for (std::uint32_t i = 0; i < window_; ++i)
    publish_one(now);
  flush();
}

void publisher::send_up_to(std::uint64_t target) {
  if (stopped_) return;
  const std::uint64_t now = now_ns();
  while (sent_ < target && can_send())
    publish_one(now);
  flush();
}

bool publisher::can_send() const noexcept {
  if (plan_.qos == mqtt::qos::at_most_once) return pending_output_bytes() < max_unsent_bytes;
  return inflight_ < window_;
}

void publisher::on_output_drained() {
  // Unpaced QoS 0: the socket took the last batch, queue the next one.
  if (!started_ || stopped_ || plan_.paced || plan_.qos != mqtt::qos::at_most_once) return;
  const std::uint64_t now = now_ns();
  for (std::uint32_t i = 0; i < window_; ++i)
    publish_one(now);
}

void publisher::publish_one(std::uint64_t now) {
  const std::uint64_t seq = sent_++;
  if (plan_.qos != mqtt::qos::at_most_once) {
    template_.id = take_id(seq);
    ++inflight_;
  }
  auto& out = output();
  const std::size_t at = out.size();
  out.resize(at + header_size_ + plan_.payload_size);
  mqtt::encode_publish_header(template_, options().version,
                              std::span(out).subspan(at, header_size_));
  std::uint8_t* payload = out.data() + at + header_size_;
  std::memcpy(payload + payload_layout::sent_ns, &now, sizeof now);
  std::memcpy(payload + payload_layout::sequence, &seq, sizeof seq);
  std::memcpy(payload + payload_layout::publisher, &index_, sizeof index_);
}

mqtt::packet_id publisher::take_id(std::uint64_t seq) {
  // The window is far below 65,535, so a free id is always near.
  while (inflight_seq_[next_id_] >= 0)
    next_id_ = next_id_ == 65535 ? 1 : next_id_ + 1;
  const mqtt::packet_id id = next_id_;
  inflight_seq_[id] = static_cast<std::int64_t>(seq);
  next_id_ = next_id_ == 65535 ? 1 : next_id_ + 1;
  return id;
}

void publisher::complete(mqtt::packet_id id, mqtt::reason_code reason) {
  const std::int64_t seq = inflight_seq_[id];
  if (seq < 0) {
    ++unexpected_acks_;
    return;
  }
  inflight_seq_[id] = -1;
  --inflight_;
  if (mqtt::is_failure(reason)) {
    ++rejected_;
  } else {
    acked_.insert(static_cast<std::uint64_t>(seq));
  }
  if (!stopped_ && !plan_.paced) publish_one(now_ns());
}

void publisher::on_publish(mqtt::publish&, std::uint64_t) {
  fail("publisher received a PUBLISH it did not subscribe to");
}

void publisher::on_packet(mqtt::packet& p) {
  if (auto* ack = std::get_if<mqtt::puback>(&p)) {
    if (plan_.qos == mqtt::qos::at_least_once) return complete(ack->id, ack->reason);
    ++unexpected_acks_;
  } else if (auto* rec = std::get_if<mqtt::pubrec>(&p)) {
    if (plan_.qos != mqtt::qos::exactly_once || inflight_seq_[rec->id] < 0) {
      ++unexpected_acks_;
      return;
    }
    // A PUBREC with a failure reason ends the exchange (MQTT 5 section 4.3.3).
    if (mqtt::is_failure(rec->reason)) return complete(rec->id, rec->reason);
    mqtt::pubrel rel;
    rel.id = rec->id;
    send(rel);
  } else if (auto* comp = std::get_if<mqtt::pubcomp>(&p)) {
    if (plan_.qos == mqtt::qos::exactly_once) return complete(comp->id, comp->reason);
    ++unexpected_acks_;
  } else if (!std::holds_alternative<mqtt::pingresp>(p)) {
    fail("unexpected packet type " + std::to_string(static_cast<int>(mqtt::type_of(p))));
  }
}

}  // namespace tern::bench
