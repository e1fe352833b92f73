// The broker's side of persistence: what it tells the store, and how it
// rebuilds itself from what the store gives back at start-up.
#include <algorithm>
#include <unordered_map>

#include "session/broker.hpp"
#include "session/client_handler.hpp"

namespace tern::broker {
namespace {

// Per worker thread: the store position of the last event whose reply must
// wait for its commit (see client_handler::note_durable).
thread_local std::uint64_t last_durable_position = 0;

// A steady-clock time for a wall-clock one, as seen from `now`.
std::chrono::steady_clock::time_point to_steady(store::wall_time t,
                                                std::chrono::steady_clock::time_point now) {
  const auto ago = std::chrono::system_clock::now() - t;
  return now - std::chrono::duration_cast<std::chrono::steady_clock::duration>(ago);
}

}  // namespace

std::uint64_t broker::durable_mark() noexcept {
  return last_durable_position;
}

void broker::reset_durable_mark() noexcept {
  last_durable_position = 0;
}

std::uint64_t broker::submit(store::store_op&& op, durability when) {
  if (store_ == nullptr) return 0;
  const auto position = store_->submit(std::move(op));
  if (when == durability::before_reply) last_durable_position = position;
  return position;
}

std::uint64_t broker::submit_all(std::vector<store::store_op>& ops) {
  if (store_ == nullptr || ops.empty()) return 0;
  last_durable_position = store_->submit_all(ops);
  return last_durable_position;
}

std::uint64_t broker::record(const session& s, store::store_op&& op, durability when) {
  if (!s.stored.load(std::memory_order_relaxed)) return 0;
  return submit(std::move(op), when);
}

void broker::forget(session& s, std::uint64_t store_seq) {
  if (store_seq == 0) return;
  if (s.loading()) s.on_disk->left_while_loading.push_back(store_seq);
  record(s, store::remove_delivery{s.id, store_seq}, durability::background);
}

void broker::spill(session& s, const mqtt::delivery& d) {
  const auto size = d.message->packet.payload.size();
  auto& q = s.spilled_queue();
  ++q.count;
  q.bytes += size;
  if (q.loading) {
    q.spilled_while_loading.push_back(d.store_seq);  // sorted out in on_page
    return;
  }
  // A sequence below the read position (routed on another worker, arriving
  // late) moves it back; rows read twice are recognised in on_page.
  q.from = q.count == 1 ? d.store_seq : std::min(q.from, d.store_seq);
}

void broker::load_more(const session_ptr& s) {
  if (store_ == nullptr || s->loading() || s->spilled() == 0 || s->ended) return;
  s->on_disk->loading = true;
  submit(
      store::load_deliveries{
          s->id, s->on_disk->from, page_size,
          [this, s](std::vector<store::restored_delivery>&& rows) {
            // On the store's thread: hand the page to the session's owner.
            on_owner(s, [this, s,
                         rows = std::make_shared<std::vector<store::restored_delivery>>(
                             std::move(rows))] { on_page(s, std::move(*rows), page_size); });
          }},
      durability::background);
}

void broker::on_page(const session_ptr& s, std::vector<store::restored_delivery>&& rows,
                     std::uint32_t limit) {
  auto& q = *s->on_disk;  // made by load_more(); dropped only below, once empty
  q.loading = false;
  const auto spilled_meanwhile = std::move(q.spilled_while_loading);
  const auto left_meanwhile = std::move(q.left_while_loading);
  q.spilled_while_loading.clear();
  q.left_while_loading.clear();
  if (s->ended) return;
  const auto contains = [](const std::vector<std::uint64_t>& v, std::uint64_t seq) {
    return std::find(v.begin(), v.end(), seq) != v.end();
  };
  // Already taken: in memory now, or gone since the read (acknowledged,
  // dropped); the row was read before its removal was written.
  const auto taken = [&](std::uint64_t seq) {
    for (const auto& o : s->state.outbound)
      if (o.delivery.store_seq == seq) return true;
    return s->queue.holds(seq) || contains(left_meanwhile, seq);
  };
  std::vector<std::uint64_t> read;
  read.reserve(rows.size());
  for (auto& r : rows) {
    const auto seq = r.delivery.store_seq;
    read.push_back(seq);
    q.from = seq + 1;
    if (taken(seq)) continue;
    const auto size = r.delivery.message->packet.payload.size();
    q.count -= std::min<std::uint64_t>(q.count, 1);
    q.bytes -= std::min<std::uint64_t>(q.bytes, size);
    s->queue.push_back(std::move(r.delivery));
  }
  // Spilled during the read and not in it: read next time, even where the
  // read position already passed them (written after the read, or numbered
  // before rows it returned).
  std::uint64_t not_read = 0;
  for (const auto seq : spilled_meanwhile) {
    if (contains(read, seq)) continue;
    ++not_read;
    q.from = std::min(q.from, seq);
  }
  if (rows.size() < limit) {
    // The store had no more when it read: what is out is what it missed
    // (the counts from before were estimates).
    q.count = not_read;
    if (not_read == 0) q.bytes = 0;
  }
  if (q.count == 0 && q.bytes == 0) s->on_disk.reset();  // all read back
  count_offline_queue(*s);  // the counts may have been corrected, and it may be offline now
  if (s->attached) s->attached->pump_queue();
}

void broker::store_session(session& s, bool connected) {
  if (store_ == nullptr) return;
  if (s.expiry_interval == 0) {
    if (s.stored.exchange(false)) submit(store::remove_session{s.id}, durability::background);
    return;
  }
  store::session_record r{s.id, s.client_id, s.version, s.expiry_interval, std::nullopt};
  if (!connected) r.disconnected_at = std::chrono::system_clock::now();
  s.stored.store(true, std::memory_order_release);
  submit(store::put_session{std::move(r)},
         connected ? durability::before_reply : durability::background);
}

void broker::restore(store::restored_state&& state, std::chrono::steady_clock::time_point now) {
  next_session_id_ = std::max(next_session_id_, state.max_session_id + 1);
  next_message_id_.store(std::max<std::uint64_t>(next_message_id_, state.max_message_id + 1));

  std::unordered_map<std::uint64_t, session_ptr> by_id;
  const unsigned workers = std::max(1u, workers_.size());
  for (auto& r : state.sessions) {
    auto s = std::make_shared<session>(r.id, r.client_id, static_cast<unsigned>(r.id % workers));
    s->own_bound = own_bound_for(r.client_id);
    s->version = r.version;
    s->expiry_interval = r.expiry_interval;
    // A session connected at the crash counts its expiry from the restart.
    s->disconnected_at = r.disconnected_at ? to_steady(*r.disconnected_at, now) : now;
    s->stored.store(true);
    by_id.emplace(r.id, s);
    sessions_by_client_id_.put(s);
  }

  for (auto& sub : state.subscriptions) {
    auto it = by_id.find(sub.session_id);
    if (it == by_id.end()) continue;
    const subscription_record record{sub.options, sub.identifier};
    trie_.subscribe(sub.filter, subscription_entry{sub.session_id, sub.options, sub.identifier});
    subscribers_.try_emplace(sub.session_id, it->second);
    it->second->subscriptions.set(sub.filter, record);
  }

  // Deliveries come in session and sequence order: those sent under a
  // packet id go back into the inflight window (resent with DUP or as
  // PUBREL on reconnect [MQTT-4.4.0-1]), the rest into the queue.
  for (auto& r : state.deliveries) {
    auto it = by_id.find(r.session_id);
    if (it == by_id.end()) continue;
    auto& s = *it->second;
    s.next_store_seq.store(std::max(s.next_store_seq.load(), r.delivery.store_seq + 1));
    if (r.packet_id != 0 && r.delivery.qos == mqtt::qos::exactly_once) {
      using phase = mqtt::outbound_inflight::phase;
      s.state.outbound.push_back({r.packet_id,
                                  r.released ? phase::awaiting_pubcomp : phase::awaiting_pubrec,
                                  std::move(r.delivery)});
      s.state.last_id = std::max(s.state.last_id, r.packet_id);
    } else {
      s.queue.push_back(std::move(r.delivery));
    }
  }
  // Queued deliveries stay on disk; the session reads them back when it
  // is resumed (load_more).
  for (const auto& q : state.queued) {
    auto it = by_id.find(q.session_id);
    if (it == by_id.end()) continue;
    auto& s = *it->second;
    auto& disk = s.spilled_queue();
    disk.count = q.count;
    disk.bytes = q.bytes;
    disk.from = 0;
    // New deliveries are numbered above every stored one: a number used
    // twice would replace a queued message.
    s.next_store_seq.store(std::max(s.next_store_seq.load(), q.max_seq + 1));
  }
  // Every restored session is offline: routers count its queue from now on.
  for (const auto& [id, s] : by_id)
    count_offline_queue(*s);
  for (const auto& q : state.inbound_qos2) {
    if (auto it = by_id.find(q.session_id); it != by_id.end())
      it->second->state.inbound_qos2.push_back(q.packet_id);
  }
  for (auto& w : state.wills) {
    auto it = by_id.find(w.session_id);
    if (it == by_id.end()) continue;
    it->second->delayed_will = std::make_unique<mqtt::will_message>(std::move(w.will));
    it->second->will_due = std::max(now, to_steady(w.due, now));
  }
  for (const auto& r : state.retained)
    retained_.restore(r.topic, r.message_id);
}

}  // namespace tern::broker
