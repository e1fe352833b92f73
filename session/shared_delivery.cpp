// Shared subscriptions "$share/{group}/{filter}" (spec 4.8.2): which member
// of a group gets a message, and where a delivery goes when the member it
// was chosen for cannot complete it.
//
// Spec 4.8.2 on a member that goes away: a QoS 2 message already sent to
// it is completed when it reconnects [MQTT-4.8.2-4] and, if its session
// ends first, sent to nobody else [MQTT-4.8.2-5]; a QoS 1 message not yet
// acknowledged SHOULD go to another member when the session ends, and MAY
// as soon as the connection is lost. So:
// - session ends: every queued delivery (never sent, any QoS) and every
//   unacknowledged QoS 1 one goes to another member, connected or not;
// - connection lost, session kept: the same, but only to a connected member
//   (another offline member would just hold it too); without one they stay.
// A delivery the member refused (PUBACK/PUBREC >= 0x80) is completed, so
// it never reaches here: it goes to nobody else [MQTT-4.8.2-6].
#include "session/broker.hpp"

namespace tern::broker {

std::optional<broker::target> broker::choose_member(shared_group& g, const mqtt::message_ptr& m,
                                                    subscriber_id leaving, bool online_only) {
  const session_ptr* chosen = nullptr;
  const auto usable = [&](const subscription_entry& e, bool need_online) {
    if (e.subscriber == leaving) return false;
    auto it = subscribers_.find(e.subscriber);
    if (it == subscribers_.end()) return false;
    if (need_online && !it->second->online.load(std::memory_order_relaxed)) return false;
    chosen = &it->second;
    return true;
  };
  const auto policy = config_.shared_subscription_policy;
  // A member that went away would only hoard messages in its queue: a
  // connected one first, an offline one (which queues it) only if none is.
  const subscription_entry* e = pick_member(
      g, policy, m->publisher_hash, [&](const subscription_entry& x) { return usable(x, true); });
  if (e == nullptr && !online_only)
    e = pick_member(g, policy, m->publisher_hash,
                    [&](const subscription_entry& x) { return usable(x, false); });
  if (e == nullptr) return std::nullopt;
  target t{*chosen, delivery_for(m, *e)};
  t.d.share = g.share_filter();
  return t;
}

void broker::reroute_shared(session& s, bool session_ended) {
  std::vector<target> targets;
  std::vector<std::uint64_t> forgotten;  // the old session's store numbers
  const auto reroute = [&](mqtt::delivery& d) {
    if (!d.share || !d.message) return false;
    shared_group* g = trie_.find_group(*d.share);
    auto t = g ? choose_member(*g, d.message, s.id, !session_ended) : std::nullopt;
    if (!t) return false;
    forgotten.push_back(d.store_seq);
    targets.push_back(std::move(*t));
    return true;
  };
  {
    std::shared_lock lock(subscriptions_mutex_);
    s.queue.remove_if(reroute);
    std::erase_if(s.state.outbound, [&](mqtt::outbound_inflight& o) {
      // QoS 2 once sent stays with its session [MQTT-4.8.2-4], [MQTT-4.8.2-5].
      return o.state == mqtt::outbound_inflight::phase::awaiting_puback && reroute(o.delivery);
    });
  }
  if (targets.empty()) return;
  // Forgotten by the old session, stored for the new one as routing does.
  for (const std::uint64_t seq : forgotten)
    forget(s, seq);
  if (store_ != nullptr) {
    std::vector<store::store_op> ops;
    store_deliveries(targets, ops);
    submit_all(ops);
  }
  dispatch(targets, nullptr);
}

}  // namespace tern::broker
