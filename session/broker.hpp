#pragma once
// The broker core: session registry, subscriptions, retained messages and
// routing, shared by all workers.
//
// Threads: every public function may be called from any worker. Shared
// structures are guarded by their own lock and follow one rule (STYLE.md
// section 3): collect under the lock, release it, then act. The
// subscription trie is read-mostly behind a shared_mutex; the registry and
// the retained tree have plain mutexes (connect/disconnect and retained
// publishes are rare next to deliveries). Work on a session happens on its
// owner worker; routing posts one batch per target worker per message.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "mqtt/engine/message.hpp"
#include "session/broker_config.hpp"
#include "session/broker_stats.hpp"
#include "session/commit_gate.hpp"
#include "session/login_throttle.hpp"
#include "session/retained_messages.hpp"
#include "session/session.hpp"
#include "session/session_index.hpp"
#include "session/subscription_trie.hpp"
#include "session/worker_pool.hpp"
#include "store/durable_store.hpp"

namespace tern::broker {

class client_handler;

// Whether the connection that caused a store event must hold its output
// until the event is committed (see commit_gate).
enum class durability : bool { background, before_reply };

class broker {
 public:
  // `store` may be null (persistence off); it must outlive the broker.
  broker(broker_config config, worker_pool& workers, store::durable_store* store = nullptr);
  ~broker();
  broker(const broker&) = delete;
  broker& operator=(const broker&) = delete;

  const broker_config& config() const noexcept { return config_; }
  broker_stats& stats() noexcept { return stats_; }
  worker_pool& workers() noexcept { return workers_; }
  commit_gate& gate() noexcept { return gate_; }
  login_throttle& failed_logins() noexcept { return failed_logins_; }

  // The message a PUBLISH becomes once received: per-delivery fields
  // cleared (packet id, DUP, topic alias, subscription identifiers), the v5
  // Message Expiry turned into a wall-clock deadline, and a number unique
  // across restarts (the store's key).
  mqtt::message_ptr make_message(mqtt::publish&& p, std::uint64_t publisher,
                                 std::uint64_t publisher_hash = 0);

  // --- persistence (broker_store.cpp) -----------------------------------
  // Rebuilds sessions, subscriptions, queues, inflight windows, retained
  // messages and delayed wills from the store (start-up, before serving).
  void restore(store::restored_state&& state, std::chrono::steady_clock::time_point now);
  // Records `op` for session `s` when `s` is stored; `before_reply` marks
  // the calling thread (durable_mark) so the connection at work holds its
  // output until the store commits it.
  // Returns the event's store position, 0 when nothing was recorded.
  std::uint64_t record(const session& s, store::store_op&& op,
                       durability when = durability::before_reply);
  // Records a delivery leaving session `s` without completing (dropped,
  // expired) or completing (acknowledged).
  // On s's owner.
  void forget(session& s, const mqtt::delivery& d) { forget(s, d.store_seq); }
  void forget(session& s, std::uint64_t store_seq);
  // The store position of the last before_reply event this thread
  // submitted; a handler compares it before and after its work.
  static std::uint64_t durable_mark() noexcept;
  // Positions are a store's own: a broker on a new store (a test's next
  // broker on the same thread) must not see the last one's mark unchanged.
  static void reset_durable_mark() noexcept;
  // Reads the next page of `s`'s stored queue back into memory (on s's
  // owner), unless one is on its way or nothing is out.
  void load_more(const session_ptr& s);
  // Deliveries read back per page: enough to keep a connection busy between
  // two reads, few enough that memory follows connections, not the queue.
  static constexpr std::uint32_t page_size = 256;
  // --- sessions (session_registry.cpp) ----------------------------------
  // Finds or creates the session for an accepted CONNECT and attaches
  // `handler` to it, taking it over from any other connection
  // [MQTT-3.1.4-3]. Completes with handler->attach() on the handler's
  // worker, possibly after a hop through the session's old owner.
  void open_session(const std::shared_ptr<client_handler>& handler, const mqtt::connect& c,
                    std::uint32_t expiry_interval);
  // A connection attached to `s` (on s's owner worker): it is online, and
  // routers stop counting its queue as an offline one.
  void connection_attached(session& s);
  // The connection of `s` closed (on s's owner worker). Ends the session
  // when it does not outlive the connection.
  void connection_closed(const session_ptr& s, std::chrono::steady_clock::time_point now);
  // Ends sessions owned by the calling worker whose expiry has passed.
  void expire_sessions(std::chrono::steady_clock::time_point now);
  std::size_t session_count() const;
  // The session of `client_id`, if any (its fields belong to its owner).
  session_ptr find_session(const std::string& client_id) const;
  // How many messages wait for the session of `client_id`: queued (in
  // memory and spilled to the store) and sent but not completed. Read on
  // the session's owner, where `done` runs (at once with 0 when there is
  // no session); a bridge's lazy start uses it, posting back to its worker.
  void count_waiting(const std::string& client_id, std::function<void(std::uint64_t)> done);
  // A fresh client id for a v5 client that sent none [MQTT-3.1.3-6].
  std::string assign_client_id();

  // --- subscriptions and routing (router.cpp) ---------------------------
  // Adds or replaces a subscription; true when it existed before.
  bool subscribe(const session_ptr& s, const std::string& filter, const subscription_record& r);
  bool unsubscribe(const session_ptr& s, const std::string& filter);
  std::size_t subscription_count() const;
  // Sends retained messages matching `filter` to `s` (on s's owner).
  void send_retained(const session_ptr& s, const std::string& filter, const subscription_record& r);
  std::size_t retained_count() const;

  enum class publish_result {
    routed,          // taken by at least one subscriber, or retained
    no_subscribers,  // nobody matched (v5 PUBACK 0x10)
    quota_exceeded,  // its only target's offline queue is full: dropped (v5 0x97)
    store_failing,   // it needs the store, which cannot write now: dropped (v5 0x97)
  };
  struct publish_outcome {
    publish_result result = publish_result::routed;
    // A target is congested: `publisher` (if given) was registered to be
    // resumed (client_handler::resume_publishing) once it drains, and
    // should hold its acknowledgement until then.
    bool hold = false;
  };
  // Routes a message to every matching subscriber and, when it carries
  // the retain flag, updates the retained store [MQTT-3.3.1-5..-7].
  // With persistence, the message's deliveries to stored sessions, its
  // retained slot and `also_store` (the publisher's QoS 2 id) go to the
  // store as one transaction, before any delivery is made; a message
  // refused with quota_exceeded stores nothing. `may_refuse`: the publisher
  // can be told (v5, QoS 1/2) rather than wait for its acknowledgement, so
  // a message is refused, neither stored, retained nor delivered, when it
  // would write to a store that cannot write now (store_failing) or reach
  // a queue at a bound of its own (quota_exceeded, session::own_bound).
  publish_outcome publish(const mqtt::message_ptr& m,
                          const std::shared_ptr<client_handler>& publisher = nullptr,
                          std::vector<store::store_op> also_store = {}, bool may_refuse = false);

  // The queue of `s` (on its owner) shrank: wake its waiting publishers once
  // it is below half the congestion threshold; `force` wakes them anyway
  // (the session went offline or ended).
  void queue_drained(session& s, bool force = false);
  // A connected session is congested once its queue holds a few windows'
  // worth: enough to keep its connection busy, small enough that queueing
  // adds little latency (a deep queue only delays every message behind it).
  std::size_t congestion_threshold() const noexcept {
    const std::size_t windows = 4 * std::max<std::size_t>(config_.limits.max_inflight, 16);
    const std::size_t bound =
        config_.max_queued_messages != 0 ? config_.max_queued_messages : windows;
    return std::min(bound, windows);
  }

  // Publishes a will message as an application message [MQTT-3.1.2-8].
  void publish_will(mqtt::will_message&& will);

  // Hands `d` to session `s` (on s's owner worker): straight to its
  // connection when the window allows, otherwise into its queue.
  void deliver(const session_ptr& s, mqtt::delivery d);

 private:
  // Whether a delivery comes with a place in its session's offline queue
  // (session::offline), taken by the router that routed it.
  enum class offline_place : bool { none, taken };
  struct target {
    session_ptr s;
    mqtt::delivery d;
    offline_place place = offline_place::none;
  };
  // A QoS 1/2 delivery to `s` is posted to its owner (see session::in_transit).
  void note_in_transit(session& s);
  // Deliveries routed on one worker for sessions on another, run there.
  struct remote_batch {
    broker* owner;
    std::vector<target> targets;
    void operator()();
  };
  void end_session(const session_ptr& s);  // on s's owner
  // Writes the session's record when it outlives its connection; removes
  // it when it no longer does.
  void store_session(session& s, bool connected);
  std::uint64_t submit(store::store_op&& op, durability when);
  std::uint64_t submit_all(std::vector<store::store_op>& ops);
  // Runs `task` on the worker that owns `s`, following the session if a
  // resume moves it meanwhile. From any thread (the store's included).
  template <class Task>
  void on_owner(const session_ptr& s, Task task) {
    struct follow {
      broker* self;
      session_ptr s;
      Task task;
      void operator()() const {
        const unsigned owner = s->owner.load(std::memory_order_acquire);
        if (owner != self->workers_.current()) {
          self->workers_.post(owner, *this);
          return;
        }
        task();
      }
    };
    workers_.post(s->owner.load(std::memory_order_acquire), follow{this, s, std::move(task)});
  }
  // Retained messages read from the store for a subscription of `s` to
  // `filter`: delivered unless replaced or unsubscribed meanwhile.
  void on_retained_read(const session_ptr& s, const std::string& filter,
                        const subscription_record& r, const std::vector<std::string>& topics,
                        const std::vector<std::uint64_t>& ids,
                        const std::vector<mqtt::message_ptr>& read);
  void deliver_retained(const session_ptr& s, const mqtt::message_ptr& m,
                        const subscription_record& r);
  // Leaves `d` in the store only (the offline queue lives on disk).
  void spill(session& s, const mqtt::delivery& d);
  void on_page(const session_ptr& s, std::vector<store::restored_delivery>&& rows,
               std::uint32_t limit);
  void unsubscribe_all(session& s);
  void collect_targets(const mqtt::message_ptr& m, std::vector<target>& out);
  static mqtt::delivery delivery_for(const mqtt::message_ptr& m, const subscription_entry& e);
  // Shared subscriptions (shared_delivery.cpp). The member of `g` that gets
  // `m` by the configured policy, preferring connected members, never
  // `leaving`; with `online_only`, a connected one or none. Call with
  // subscriptions_mutex_ held (shared is enough).
  std::optional<target> choose_member(shared_group& g, const mqtt::message_ptr& m,
                                      subscriber_id leaving, bool online_only);
  // Sends the deliveries of `s` (on its owner) that a group chose it for
  // and that it has not completed to other members: when the session ended,
  // to any member; when only its connection did, to connected members.
  void reroute_shared(session& s, bool session_ended);
  // Numbers the QoS 1/2 deliveries to stored sessions and adds them to `ops`.
  void store_deliveries(std::vector<target>& targets, std::vector<store::store_op>& ops);
  bool dispatch(std::vector<target>& targets, const std::shared_ptr<client_handler>& publisher);
  // Whether publishing `m` would write to the store: `ops` to go with it,
  // a retained slot, or a QoS 1/2 delivery to a stored session. Matches the
  // subscriptions once more (a shared group's turn moves on).
  bool needs_store(const mqtt::message_ptr& m, const std::vector<store::store_op>& ops);
  // Takes a place in the offline queue of every target that is a QoS 1/2
  // delivery, not a shared one, to an offline session. A target whose
  // queue is full drops its copy here (counted), or keeps it past a bound
  // of its own (its session is then congested, so the publisher waits).
  // False: the message is refused and no place stays taken, because a
  // queue at a bound of its own would take it and `may_refuse`, or because
  // the full queue is its only target; `retained` messages are never
  // refused (their slot is set already).
  bool take_offline_places(std::vector<target>& targets, bool may_refuse, bool retained);
  // The offline queue `s` (on its owner) holds now, counted in s.offline:
  // nothing while a connection is attached or once the session ended.
  void count_offline_queue(session& s);
  queue_bound bound_of(const session& s) const noexcept;
  // The queue bound of its own a new session of `client_id` gets, if any.
  const queue_bound* own_bound_for(std::string_view client_id) const;
  bool wait_for(session& s, const std::shared_ptr<client_handler>& publisher);
  // The lock over a session's `waiters`: one of a fixed set, chosen by the
  // session's id, so that sessions need no mutex of their own (the lock is
  // only taken while a session is congested).
  std::mutex& waiters_lock(const session& s) const noexcept {
    return waiters_locks_[s.id % waiters_locks_.size()];
  }
  void deliver(const session_ptr& s, mqtt::delivery d, offline_place place);
  void deliver_here(const session_ptr& s, mqtt::delivery&& d,
                    offline_place place = offline_place::none);
  // Connected: QoS 0 waits in the queue, or is dropped at the bound.
  void enqueue_qos0(session& s, mqtt::delivery&& d);
  // Offline: into the queue (on disk when stored) if it has a place or
  // gets one, else dropped, or kept past a bound of its own.
  void enqueue_offline(session& s, mqtt::delivery&& d, offline_place place);

  broker_config config_;
  worker_pool& workers_;
  store::durable_store* store_;
  commit_gate gate_;
  broker_stats stats_;
  std::atomic<std::uint64_t> next_message_id_{1};
  login_throttle failed_logins_;

  mutable std::array<std::mutex, 64> waiters_locks_;

  mutable std::mutex registry_mutex_;
  session_index sessions_by_client_id_;
  std::uint64_t next_session_id_ = 1;
  std::uint64_t next_assigned_id_ = 1;

  mutable std::shared_mutex subscriptions_mutex_;
  subscription_trie trie_;
  std::unordered_map<subscriber_id, session_ptr> subscribers_;  // sessions with a subscription

  retained_messages retained_;
};

}  // namespace tern::broker
