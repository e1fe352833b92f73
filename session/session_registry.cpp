// Session lifecycle: open (new, resumed or taken over), close, expiry.
#include <vector>

#include "session/broker.hpp"
#include "session/client_handler.hpp"

namespace tern::broker {
namespace {
constexpr std::uint32_t never_expires = 0xFFFFFFFF;
}

broker::broker(broker_config config, worker_pool& workers, store::durable_store* store)
    : config_(std::move(config)), workers_(workers), store_(store), gate_(workers) {
  reset_durable_mark();
  if (store_ != nullptr)
    store_->on_commit([this](std::uint64_t position) { gate_.committed(position); });
}

broker::~broker() {
  if (store_ != nullptr) store_->on_commit({});
}

std::string broker::assign_client_id() {
  std::lock_guard lock(registry_mutex_);
  return "tern-" + std::to_string(next_assigned_id_++);
}

session_ptr broker::find_session(const std::string& client_id) const {
  std::lock_guard lock(registry_mutex_);
  return sessions_by_client_id_.find(client_id);
}

void broker::count_waiting(const std::string& client_id, std::function<void(std::uint64_t)> done) {
  session_ptr s = find_session(client_id);
  if (!s) return done(0);
  on_owner(s, [s, done = std::move(done)] {
    done(s->queue.size() + s->spilled() + s->state.outbound.size());
  });
}

std::size_t broker::session_count() const {
  std::lock_guard lock(registry_mutex_);
  return sessions_by_client_id_.size();
}

void broker::open_session(const std::shared_ptr<client_handler>& handler, const mqtt::connect& c,
                          std::uint32_t expiry_interval) {
  const unsigned here = workers_.current();
  session_ptr existing;
  session_ptr fresh;
  {
    std::lock_guard lock(registry_mutex_);
    existing = sessions_by_client_id_.find(c.client_id);
    if (!existing || c.clean_start) {
      fresh = std::make_shared<session>(next_session_id_++, c.client_id, here);
      fresh->own_bound = own_bound_for(c.client_id);
      sessions_by_client_id_.put(fresh);
    }
  }

  if (fresh) {
    // Clean start: the old session, if any, ends [MQTT-3.1.2-4]; its
    // connection is closed [MQTT-3.1.4-3] on the worker that owns it. A
    // resume may be moving it to another worker meanwhile: follow it there,
    // so the connection that resume attaches is the one closed, and by its
    // own worker.
    struct take_down {
      broker* self;
      session_ptr s;

      void operator()() const {
        const unsigned owner = s->owner.load(std::memory_order_acquire);
        if (owner != self->workers_.current()) {
          self->workers_.post(owner, *this);
          return;
        }
        if (auto old = std::move(s->attached)) old->taken_over();
        self->end_session(s);
      }
    };
    if (existing) take_down{this, existing}();
    fresh->version = c.version;
    fresh->expiry_interval = expiry_interval;
    store_session(*fresh, true);  // before CONNACK: a new persistent session is on disk
    fresh->attached = handler;
    handler->attach(fresh, false);
    return;
  }

  // Resume: the session moves to this worker. Its current owner closes the
  // old connection, detaches it and hands the session over by post, so the
  // session is only ever touched by one thread.
  struct hand_over {
    broker* self;
    session_ptr s;
    std::shared_ptr<client_handler> handler;
    unsigned target;
    mqtt::connect connect;
    std::uint32_t expiry;

    void operator()() const {
      const unsigned owner = s->owner.load(std::memory_order_acquire);
      if (owner != self->workers_.current()) {  // moved meanwhile: follow it
        self->workers_.post(owner, *this);
        return;
      }
      if (!s->ended) {
        if (auto old = std::move(s->attached)) old->taken_over();
        // A session that lasts only as long as its connection ends with the
        // one just closed; its state is not reused [MQTT-3.1.2-6].
        if (s->expiry_interval == 0) self->end_session(s);
      }
      if (s->ended) {  // expired, replaced or ended above: start afresh
        start_afresh();
        return;
      }
      // The session is in transit until the attach below runs on the
      // target. A newer resume that reaches the session meanwhile (it
      // follows `owner`, so it may run on the target first) finds no
      // connection to take over and hands the session on again; this
      // connection then lost the race, as if it had been taken over.
      const std::uint16_t ticket = ++s->handovers;
      s->owner.store(target, std::memory_order_release);
      auto attach = [again = *this, ticket] {
        // Owner first: only while it is this worker may the rest be read.
        if (again.s->owner.load(std::memory_order_acquire) != again.target ||
            again.s->handovers != ticket) {
          again.handler->taken_over();  // before CONNACK: just closed
          return;
        }
        if (again.s->ended) {  // a clean start ended it on its way here
          again.start_afresh();
          return;
        }
        again.s->version = again.connect.version;
        again.s->attached = again.handler;
        again.s->expiry_interval = again.expiry;
        again.self->store_session(*again.s, true);
        again.handler->attach(again.s, true);
      };
      if (target == owner) {
        attach();
      } else {
        self->workers_.post(target, std::move(attach));
      }
    }

    // Opens the session again, on the connection's worker: the registry
    // then has a newer session for the client id or none.
    void start_afresh() const {
      auto again = *this;
      self->workers_.post(target, [again] {
        again.self->open_session(again.handler, again.connect, again.expiry);
      });
    }
  };
  hand_over{this, existing, handler, here, c, expiry_interval}();
}

void broker::connection_attached(session& s) {
  s.online.store(true, std::memory_order_relaxed);
  // Its queue is no longer counted. A router that still saw it offline took
  // a place; the owner gives it back when the delivery arrives.
  count_offline_queue(s);
}

void broker::connection_closed(const session_ptr& s, std::chrono::steady_clock::time_point now) {
  s->disconnected_at = now;
  queue_drained(*s, true);  // offline queues drop instead of holding publishers
  if (s->expiry_interval == 0) {
    end_session(s);  // [MQTT-3.1.2-6], clean session 1
  } else {
    store_session(*s, false);
    reroute_shared(*s, false);  // spec 4.8.2: another connected member may finish them
  }
  // Counted before routers can see it offline (release, see session::online):
  // the places they take come on top of what the queue holds.
  count_offline_queue(*s);
  s->online.store(false, std::memory_order_release);
}

void broker::end_session(const session_ptr& s) {
  if (s->ended) return;
  s->ended = true;
  reroute_shared(*s, true);  // before its store record goes (spec 4.8.2)
  if (auto will = std::move(s->delayed_will))
    publish_will(std::move(*will));  // session ended first
  if (s->stored.exchange(false)) submit(store::remove_session{s->id}, durability::background);
  unsubscribe_all(*s);
  s->queue.clear();
  if (s->on_disk) {  // removed with the session's rows (kept while a page is read)
    s->on_disk->count = 0;
    s->on_disk->bytes = 0;
  }
  count_offline_queue(*s);
  queue_drained(*s, true);
  s->state = {};
  std::lock_guard lock(registry_mutex_);
  sessions_by_client_id_.erase(s);
}

void broker::expire_sessions(std::chrono::steady_clock::time_point now) {
  const unsigned here = workers_.current();
  std::vector<session_ptr> expired;
  std::vector<session_ptr> wills_due;
  {
    std::lock_guard lock(registry_mutex_);
    for (const auto& s : sessions_by_client_id_) {
      if (s->owner.load(std::memory_order_acquire) != here || s->attached) continue;
      if (s->delayed_will && now >= s->will_due) wills_due.push_back(s);
      if (s->expiry_interval == never_expires) continue;
      if (now - s->disconnected_at >= std::chrono::seconds(s->expiry_interval))
        expired.push_back(s);
    }
  }
  for (const auto& s : wills_due) {
    if (auto will = std::move(s->delayed_will)) {
      publish_will(std::move(*will));
      record(*s, store::remove_will{s->id}, durability::background);
    }
  }
  for (const auto& s : expired) {
    end_session(s);
    broker_stats::add(stats_.clients_expired);
  }
}

}  // namespace tern::broker
