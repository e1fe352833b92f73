#include "bench/load/subscriber.hpp"

#include <cstring>
#include <utility>

#include "bench/load/publisher.hpp"

namespace tern::bench {

namespace {
template <class Ack>
Ack ack_for(mqtt::packet_id id) {
  Ack a;
  a.id = id;
  return a;
}
}  // namespace

subscriber::subscriber(boost::asio::io_context& io, client_options options,
                       client_observer& observer, subscribe_plan plan, delivery_log& log)
    : bench_client(io, std::move(options), observer),
      plan_(std::move(plan)),
      log_(log),
      received_(plan_.publisher_count),
      last_seq_(plan_.publisher_count, -1) {}

void subscriber::on_connected() {
  mqtt::subscribe s;
  s.id = 1;
  mqtt::subscription entry;
  entry.filter = plan_.filter;
  entry.options.max_qos = plan_.qos;
  s.entries.push_back(std::move(entry));
  send(s);
}

void subscriber::on_packet(mqtt::packet& p) {
  if (auto* rel = std::get_if<mqtt::pubrel>(&p)) {
    send(ack_for<mqtt::pubcomp>(rel->id));
  } else if (auto* ack = std::get_if<mqtt::suback>(&p)) {
    if (ack->reasons.size() != 1 || mqtt::is_failure(ack->reasons[0]))
      return fail("SUBSCRIBE " + plan_.filter + " refused");
    if (static_cast<std::uint8_t>(ack->reasons[0]) != static_cast<std::uint8_t>(plan_.qos))
      return fail("SUBSCRIBE " + plan_.filter + " granted QoS " +
                  std::to_string(static_cast<int>(ack->reasons[0])));
    mark_ready();
  } else if (!std::holds_alternative<mqtt::pingresp>(p)) {
    fail("unexpected packet type " + std::to_string(static_cast<int>(mqtt::type_of(p))));
  }
}

void subscriber::on_publish(mqtt::publish& p, std::uint64_t now) {
  if (p.qos == mqtt::qos::at_least_once) {
    send(ack_for<mqtt::puback>(p.id));
  } else if (p.qos == mqtt::qos::exactly_once) {
    send(ack_for<mqtt::pubrec>(p.id));
  }
  const auto bytes = p.payload.span();
  std::uint32_t index = 0;
  if (bytes.size() >= payload_layout::size)
    std::memcpy(&index, bytes.data() + payload_layout::publisher, sizeof index);
  if (bytes.size() < payload_layout::size || index < plan_.first_publisher ||
      index - plan_.first_publisher >= plan_.publisher_count) {
    ++foreign_;
    return;
  }
  std::uint64_t sent = 0;
  std::uint64_t seq = 0;
  std::memcpy(&sent, bytes.data() + payload_layout::sent_ns, sizeof sent);
  std::memcpy(&seq, bytes.data() + payload_layout::sequence, sizeof seq);
  const std::uint32_t slot = index - plan_.first_publisher;
  if (!received_[slot].insert(seq)) {
    ++duplicates_;
    return;
  }
  ++delivered_;
  if (static_cast<std::int64_t>(seq) < last_seq_[slot]) ++out_of_order_;
  last_seq_[slot] = static_cast<std::int64_t>(seq);
  log_.record(sent, now);
}

}  // namespace tern::bench
