// Subscriptions, retained messages and the delivery path.
#include <algorithm>
#include <cstddef>
#include <functional>
#include <iterator>
#include <utility>

#include "mqtt/codec/topic.hpp"
#include "session/broker.hpp"
#include "session/client_handler.hpp"

namespace tern::broker {

mqtt::message_ptr broker::make_message(mqtt::publish&& p, std::uint64_t publisher,
                                       std::uint64_t publisher_hash) {
  auto m = std::make_shared<mqtt::application_message>();
  p.id = 0;
  p.dup = false;
  p.properties.topic_alias.reset();
  p.properties.subscription_identifiers.clear();
  if (auto expiry = p.properties.message_expiry_interval)
    m->expires_at = std::chrono::system_clock::now() + std::chrono::seconds(*expiry);
  m->packet = std::move(p);
  m->publisher = publisher;
  m->publisher_hash = publisher_hash;
  // Only a message the store may keep needs a number: a QoS 0 one that is
  // not retained is never stored (its deliveries are QoS 0 too), and it
  // skips the counter all workers share (in QoS 0 fan-in its cache line
  // went back and forth between them for every message).
  if (m->packet.qos != mqtt::qos::at_most_once || m->packet.retain)
    m->id = next_message_id_.fetch_add(1, std::memory_order_relaxed);
  return m;
}

void broker::publish_will(mqtt::will_message&& will) {
  publish(make_message(mqtt::will_to_publish(std::move(will)), 0));
}

// --- subscriptions -----------------------------------------------------------------

bool broker::subscribe(const session_ptr& s, const std::string& filter,
                       const subscription_record& r) {
  bool existed;
  {
    std::unique_lock lock(subscriptions_mutex_);
    existed = trie_.subscribe(filter, subscription_entry{s->id, r.options, r.identifier});
    subscribers_.try_emplace(s->id, s);
  }
  s->subscriptions.set(filter, r);
  record(*s, store::put_subscription{s->id, filter, r.options, r.identifier});
  return existed;
}

bool broker::unsubscribe(const session_ptr& s, const std::string& filter) {
  if (!s->subscriptions.erase(filter)) return false;
  record(*s, store::remove_subscription{s->id, filter});
  std::unique_lock lock(subscriptions_mutex_);
  trie_.unsubscribe(filter, s->id);
  if (s->subscriptions.empty()) subscribers_.erase(s->id);
  return true;
}

void broker::unsubscribe_all(session& s) {
  if (s.subscriptions.empty()) return;
  {
    std::unique_lock lock(subscriptions_mutex_);
    s.subscriptions.for_each([&](const std::string& filter, const subscription_record&) {
      trie_.unsubscribe(filter, s.id);
    });
    subscribers_.erase(s.id);
  }
  s.subscriptions.clear();
}

std::size_t broker::subscription_count() const {
  std::shared_lock lock(subscriptions_mutex_);
  return trie_.size();
}

// --- retained ------------------------------------------------------------------------

std::size_t broker::retained_count() const {
  return retained_.size();
}

void broker::send_retained(const session_ptr& s, const std::string& filter,
                           const subscription_record& r) {
  if (store_ != nullptr) retained_.release_committed(store_->committed());
  auto found = retained_.match(filter);
  for (const auto& m : found.held)
    deliver_retained(s, m, r);
  if (found.stored_ids.empty() || store_ == nullptr) return;
  // Read from the store, then delivered on the session's owner; a topic
  // set anew meanwhile was routed to this subscription already.
  auto topics = std::make_shared<std::vector<std::string>>(std::move(found.stored_topics));
  auto ids = found.stored_ids;
  submit(
      store::load_messages{
          std::move(found.stored_ids),
          [this, s, filter, r, topics, ids](std::vector<mqtt::message_ptr>&& read) {
            on_owner(s, [this, s, filter, r, topics, ids,
                         read = std::make_shared<std::vector<mqtt::message_ptr>>(std::move(read))] {
              on_retained_read(s, filter, r, *topics, ids, *read);
            });
          }},
      durability::background);
}

void broker::on_retained_read(const session_ptr& s, const std::string& filter,
                              const subscription_record& r, const std::vector<std::string>& topics,
                              const std::vector<std::uint64_t>& ids,
                              const std::vector<mqtt::message_ptr>& read) {
  // Unsubscribed meanwhile: as if the message had been read in time.
  if (s->ended || !s->subscriptions.contains(filter)) return;
  for (std::size_t i = 0; i < read.size() && i < ids.size(); ++i) {
    if (read[i] && retained_.is_current(topics[i], ids[i])) deliver_retained(s, read[i], r);
  }
}

void broker::deliver_retained(const session_ptr& s, const mqtt::message_ptr& m,
                              const subscription_record& r) {
  if (m->expires_at && *m->expires_at <= std::chrono::system_clock::now())
    return;  // expired while retained
  mqtt::delivery d{m, std::min(m->packet.qos, r.options.max_qos), true, {}, {}};  // [MQTT-3.3.1-8]
  if (r.identifier != 0) d.subscription_ids.push_back(r.identifier);
  if (d.qos != mqtt::qos::at_most_once && s->stored.load(std::memory_order_relaxed)) {
    d.store_seq = s->next_store_seq.fetch_add(1, std::memory_order_relaxed);
    record(*s, store::put_delivery{s->id, d});
  }
  deliver_here(s, std::move(d));
}

// --- routing ---------------------------------------------------------------------------

broker::publish_outcome broker::publish(const mqtt::message_ptr& m,
                                        const std::shared_ptr<client_handler>& publisher,
                                        std::vector<store::store_op> also_store, bool may_refuse) {
  const auto& p = m->packet;
  auto& ops = also_store;
  if (may_refuse && store_ != nullptr && store_->writes_failing() && needs_store(m, ops)) {
    broker_stats::add(stats_.dropped_store_failing);
    return {publish_result::store_failing, false};
  }
  if (p.retain) {
    // An empty payload removes the retained message and is not itself
    // retained [MQTT-3.3.1-6/-7]; otherwise it replaces it [MQTT-3.3.1-5].
    retained_.set(m);
    // Broker-made messages ($SYS, id 0) are made again after a restart.
    if (m->id != 0 && store_ != nullptr) {
      if (p.payload.empty()) {
        ops.emplace_back(store::remove_retained{p.topic});
      } else {
        ops.emplace_back(store::put_retained{m});
      }
    }
  }
  thread_local std::vector<target> targets;
  targets.clear();
  collect_targets(m, targets);
  const auto result =
      targets.empty() && !p.retain ? publish_result::no_subscribers : publish_result::routed;
  if (!take_offline_places(targets, may_refuse, p.retain)) {
    broker_stats::add(stats_.dropped_queue_full);
    targets.clear();
    return {publish_result::quota_exceeded, false};
  }
  // On disk as one transaction before anything is delivered: the
  // publisher's acknowledgement waits for it (client_handler::note_durable).
  if (store_ != nullptr) {
    store_deliveries(targets, ops);
    if (!ops.empty()) {
      const auto position = submit_all(ops);
      if (p.retain && m->id != 0 && !p.payload.empty()) {
        retained_.stored(p.topic, m->id, position);
        retained_.release_committed(store_->committed());
      }
    }
  }
  const bool hold = dispatch(targets, publisher);
  targets.clear();
  return {result, hold};
}

bool broker::needs_store(const mqtt::message_ptr& m, const std::vector<store::store_op>& ops) {
  if (!ops.empty() || (m->packet.retain && m->id != 0)) return true;
  // Matched apart from routing, which must set a retained message before it
  // matches (a subscriber arriving meanwhile gets one or the other). Only
  // while the store is failing: a shared group's turn moving on twice is
  // the price.
  std::vector<target> targets;
  collect_targets(m, targets);
  return std::any_of(targets.begin(), targets.end(), [](const target& t) {
    return t.d.qos != mqtt::qos::at_most_once && t.s->stored.load(std::memory_order_acquire);
  });
}

bool broker::take_offline_places(std::vector<target>& targets, bool may_refuse, bool retained) {
  const auto bytes = [](const target& t) { return t.d.message->packet.payload.size(); };
  const bool only_target = targets.size() == 1;
  bool refused = false;
  std::size_t kept = targets.size();  // the copies dropped go behind it
  for (std::size_t i = 0; i < kept && !refused;) {
    auto& t = targets[i];
    // QoS 0 to an offline session is dropped silently whatever its queue;
    // a shared subscription's copy may still find another member (its
    // place is taken on arrival). Acquire: see session::online.
    if (t.d.qos == mqtt::qos::at_most_once || t.d.share != nullptr ||
        t.s->online.load(std::memory_order_acquire)) {
      ++i;
    } else if (t.s->offline.try_reserve(bytes(t), bound_of(*t.s))) {
      t.place = offline_place::taken;
      ++i;
    } else if (t.s->own_bound == nullptr) {
      // The newest is dropped, as mosquitto does, before it is stored;
      // when this queue was the only one to take it, the publisher is told.
      refused = only_target && !retained;
      std::swap(t, targets[--kept]);  // the one swapped in is looked at next
    } else if (may_refuse && !retained) {
      // A bound of its own refuses the message for everyone, so that the
      // v5 publisher's 0x97 is true.
      refused = true;
    } else {
      // A 3.1.1 publisher (or a retained message, whose slot is set
      // already) cannot be refused: the message is kept past the bound
      // and its publisher waits (dispatch()) until the queue drains.
      t.s->offline.reserve(bytes(t));
      t.place = offline_place::taken;
      t.s->congested.store(true, std::memory_order_release);
      ++i;
    }
  }
  if (refused) {
    for (auto& t : targets)
      if (std::exchange(t.place, offline_place::none) == offline_place::taken)
        t.s->offline.release(bytes(t));
    return false;
  }
  if (kept == targets.size()) return true;
  broker_stats::add(stats_.dropped_queue_full, targets.size() - kept);
  targets.erase(targets.begin() + static_cast<std::ptrdiff_t>(kept), targets.end());
  return true;
}

const queue_bound* broker::own_bound_for(std::string_view client_id) const {
  const auto it = config_.own_queue_bounds.find(client_id);
  return it != config_.own_queue_bounds.end() ? &it->second : nullptr;
}

queue_bound broker::bound_of(const session& s) const noexcept {
  return s.own_bound != nullptr
             ? *s.own_bound
             : queue_bound{config_.max_queued_messages, config_.max_queued_bytes};
}

void broker::count_offline_queue(session& s) {
  if (s.attached || s.ended) return s.offline.hold(0, 0);
  s.offline.hold(s.queue.size() + s.spilled(), s.queue.bytes() + s.spilled_bytes());
}

mqtt::delivery broker::delivery_for(const mqtt::message_ptr& m, const subscription_entry& e) {
  mqtt::delivery d{m,
                   std::min(m->packet.qos, e.options.max_qos),
                   e.options.retain_as_published && m->packet.retain,
                   {},
                   {}};  // [MQTT-3.3.1-9]
  if (e.identifier != 0) d.subscription_ids.push_back(e.identifier);
  return d;
}

void broker::collect_targets(const mqtt::message_ptr& m, std::vector<target>& out) {
  thread_local match_result matches;
  {
    std::shared_lock lock(subscriptions_mutex_);
    trie_.match(m->packet.topic, matches);
    for (const subscription_entry* e : matches.direct) {
      if (e->options.no_local && e->subscriber == m->publisher) continue;  // [MQTT-3.8.3-3]
      auto it = subscribers_.find(e->subscriber);
      if (it != subscribers_.end()) out.push_back({it->second, delivery_for(m, *e)});
    }
    // One member per group (spec 4.8.2), by the configured policy.
    for (shared_group* g : matches.shared) {
      if (auto t = choose_member(*g, m, 0, false)) out.push_back(std::move(*t));
    }
  }
  matches.clear();
  if (out.size() < 2) return;
  // Overlapping subscriptions of one session: one copy at the highest QoS
  // with every subscription identifier [MQTT-3.3.4-2], [MQTT-3.3.4-3]. A
  // group's copy stays apart: it is a copy of its own (spec 4.8.2) and may
  // have to move to another member.
  const auto shared = [](const target& t) { return t.d.share != nullptr; };
  std::sort(out.begin(), out.end(), [&](const target& a, const target& b) {
    return a.s != b.s ? a.s < b.s : shared(a) < shared(b);
  });
  auto kept = out.begin();
  for (auto it = std::next(out.begin()); it != out.end(); ++it) {
    if (it->s == kept->s && !shared(*it) && !shared(*kept)) {
      kept->d.qos = std::max(kept->d.qos, it->d.qos);
      kept->d.retain = kept->d.retain || it->d.retain;
      kept->d.subscription_ids.insert(kept->d.subscription_ids.end(),
                                      it->d.subscription_ids.begin(), it->d.subscription_ids.end());
    } else if (++kept != it) {
      *kept = std::move(*it);
    }
  }
  out.erase(std::next(kept), out.end());
}

bool broker::dispatch(std::vector<target>& targets,
                      const std::shared_ptr<client_handler>& publisher) {
  bool hold = false;
  const unsigned here = workers_.current();
  const unsigned count = workers_.size();
  // One post per other worker, carrying all of its deliveries.
  thread_local std::vector<std::vector<target>> remote;
  if (remote.size() < count) remote.resize(count);
  for (auto& t : targets) {
    const unsigned owner = t.s->owner.load(std::memory_order_acquire);
    if (t.d.qos != mqtt::qos::at_most_once && owner != here) note_in_transit(*t.s);
    if (t.d.qos != mqtt::qos::at_most_once && t.s->congested.load(std::memory_order_acquire))
      hold = wait_for(*t.s, publisher) || hold;
    if (owner == here) {
      deliver_here(t.s, std::move(t.d), t.place);
    } else {
      remote[owner].push_back(std::move(t));
    }
  }
  for (unsigned w = 0; w < count; ++w) {
    if (remote[w].empty()) continue;
    // QoS 0 only: nobody waits for it, so it may share a later wake-up.
    const bool may_wait = std::all_of(remote[w].begin(), remote[w].end(), [](const target& t) {
      return t.d.qos == mqtt::qos::at_most_once;
    });
    if (may_wait) {
      // Joins the batch still waiting for that worker, if there is one:
      // a busy publisher's messages then cost one task per wake-up.
      std::function<void()>* unsent = workers_.unsent_deferred(w);
      if (auto* waiting = unsent != nullptr ? unsent->target<remote_batch>() : nullptr) {
        std::move(remote[w].begin(), remote[w].end(), std::back_inserter(waiting->targets));
      } else {
        remote_batch batch{this, {}};
        // Room for a busy flush's messages, so that joining them rarely
        // moves the batch.
        batch.targets.reserve(std::max<std::size_t>(remote[w].size(), 64));
        std::move(remote[w].begin(), remote[w].end(), std::back_inserter(batch.targets));
        workers_.post_deferred(w, std::move(batch));
      }
    } else {
      workers_.post(w, remote_batch{this, std::move(remote[w])});
    }
    remote[w].clear();
  }
  return hold;
}

void broker::note_in_transit(session& s) {
  // Half the threshold: the owner's queue may hold the other half. Only a
  // connected session holds its publishers (as in deliver_here()). A
  // session with a bound of its own (a bridge's queue) is left to that
  // bound: offline, it holds its publishers for as long as it is past it,
  // which the owner could not tell from a mark made here.
  const auto on_the_way = s.in_transit.fetch_add(1, std::memory_order_relaxed) + 1;
  if (on_the_way >= congestion_threshold() / 2 && s.own_bound == nullptr &&
      s.online.load(std::memory_order_acquire))
    s.congested.store(true, std::memory_order_release);
}

void broker::remote_batch::operator()() {
  const unsigned here = owner->workers_.current();
  for (auto& t : targets) {
    const bool counted = t.d.qos != mqtt::qos::at_most_once;  // by dispatch()
    owner->deliver(t.s, std::move(t.d), t.place);
    if (!counted) continue;
    t.s->in_transit.fetch_sub(1, std::memory_order_relaxed);
    // Arrived: the queue shows it now, so the owner decides as for any
    // delivery (pump_queue() clears the flag as the queue drains). A router
    // may have marked the session just as it went offline, after
    // connection_closed() released its publishers: released here likewise,
    // as an offline queue drops rather than holds. Not a session with a
    // bound of its own, which note_in_transit() never marks and whose
    // offline queue may hold publishers rightly.
    if (t.s->owner.load(std::memory_order_acquire) != here) continue;
    if (t.s->attached) {
      owner->queue_drained(*t.s);
    } else if (t.s->own_bound == nullptr) {
      owner->queue_drained(*t.s, /*force=*/true);
    }
  }
}

void broker::store_deliveries(std::vector<target>& targets, std::vector<store::store_op>& ops) {
  for (auto& t : targets) {
    if (t.d.qos == mqtt::qos::at_most_once || !t.s->stored.load(std::memory_order_acquire))
      continue;
    t.d.store_seq = t.s->next_store_seq.fetch_add(1, std::memory_order_relaxed);
    ops.emplace_back(store::put_delivery{t.s->id, t.d});
  }
}

bool broker::wait_for(session& s, const std::shared_ptr<client_handler>& publisher) {
  if (!publisher) return false;
  {
    std::lock_guard lock(waiters_lock(s));
    if (!s.waiters) s.waiters = std::make_unique<std::vector<session::waiter>>();
    s.waiters->emplace_back(publisher, workers_.current());
  }
  // Re-read after registering: a drain that cleared the flag before we
  // registered would not have woken us.
  return s.congested.load(std::memory_order_acquire);
}

void broker::queue_drained(session& s, bool force) {
  if (!s.congested.load(std::memory_order_relaxed)) return;
  if (!force && s.queue.size() + s.spilled() > congestion_threshold() / 2) return;
  s.congested.store(false, std::memory_order_release);
  std::unique_ptr<std::vector<session::waiter>> waiters;
  {
    std::lock_guard lock(waiters_lock(s));
    waiters.swap(s.waiters);
  }
  if (!waiters) return;
  for (auto& [weak, worker] : *waiters) {
    workers_.post(worker, [weak = std::move(weak)] {
      if (auto h = weak.lock()) h->resume_publishing();
    });
  }
}

void broker::deliver(const session_ptr& s, mqtt::delivery d) {
  deliver(s, std::move(d), offline_place::none);
}

void broker::deliver(const session_ptr& s, mqtt::delivery d, offline_place place) {
  const unsigned owner = s->owner.load(std::memory_order_acquire);
  if (owner != workers_.current()) {  // the session moved: follow it
    workers_.post(
        owner, [this, s, d = std::move(d), place]() mutable { deliver(s, std::move(d), place); });
    return;
  }
  deliver_here(s, std::move(d), place);
}

void broker::deliver_here(const session_ptr& s, mqtt::delivery&& d, offline_place place) {
  // Routed while the session looked offline, and it is not (any more): the
  // place goes back.
  if (place == offline_place::taken && (s->ended || s->attached || s->expiry_interval == 0)) {
    s->offline.release(d.message->packet.payload.size());
    place = offline_place::none;
  }
  if (s->ended) return;  // its store record went with the session
  // Older deliveries of this session are still on disk: this one joins
  // them there, to be read back in order.
  const bool behind_stored = s->spilled() > 0 || s->loading();
  if (s->attached) {
    if (!behind_stored && s->queue.empty() && s->attached->try_deliver(d)) return;
    if (d.qos == mqtt::qos::at_most_once) {
      enqueue_qos0(*s, std::move(d));  // QoS 0 may be dropped at the bound
      return;
    }
    // QoS 1/2 to a connected session is never dropped: past the threshold
    // the session is congested and its publishers wait (dispatch()).
    if (behind_stored && d.store_seq != 0) {
      spill(*s, d);
    } else {
      s->queue.push_back(std::move(d));
    }
    if (s->queue.size() + s->spilled() >= congestion_threshold())
      s->congested.store(true, std::memory_order_release);
    return;
  }
  // Offline: only a persistent session keeps messages, and QoS 0 only when
  // configured to (mosquitto's queue_qos0_messages).
  if (s->expiry_interval == 0) return forget(*s, d);
  if (d.qos == mqtt::qos::at_most_once && !config_.queue_qos0_messages) return;
  enqueue_offline(*s, std::move(d), place);
}

void broker::enqueue_qos0(session& s, mqtt::delivery&& d) {
  const auto bound = bound_of(s);
  const bool too_many = bound.messages != 0 && s.queue.size() + s.spilled() >= bound.messages;
  const bool too_big =
      bound.bytes != 0 &&
      s.queue.bytes() + s.spilled_bytes() + d.message->packet.payload.size() > bound.bytes;
  if (too_many || too_big) {
    broker_stats::add(stats_.dropped_queue_full);  // the newest is dropped, as mosquitto does
    return;
  }
  s.queue.push_back(std::move(d));
}

void broker::enqueue_offline(session& s, mqtt::delivery&& d, offline_place place) {
  // Brings the count up to date first: the queue may have changed without
  // a count (a connection taken over and not yet replaced).
  count_offline_queue(s);
  const std::uint64_t bytes = d.message->packet.payload.size();
  // Without a place (a shared copy, a delivery routed while the session
  // was online, a retained message read back): one is taken now, like a
  // router would.
  if (place == offline_place::none && !s.offline.try_reserve(bytes, bound_of(s))) {
    // Past a bound of its own, QoS 1/2 is kept: its publisher waits for
    // its acknowledgement (the session is congested).
    if (s.own_bound == nullptr || d.qos == mqtt::qos::at_most_once) {
      broker_stats::add(stats_.dropped_queue_full);  // the newest is dropped, as mosquitto does
      forget(s, d);
      return;
    }
    s.offline.reserve(bytes);
    s.congested.store(true, std::memory_order_release);
  }
  s.offline.taken_in(bytes);
  // A stored delivery to an offline session stays on disk only.
  if (d.store_seq != 0) {
    spill(s, d);
  } else {
    s.queue.push_back(std::move(d));
  }
}

}  // namespace tern::broker
