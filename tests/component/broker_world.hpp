#pragma once
// The whole broker core with fake workers, a fake clock and in-memory
// connections, plus a scripted MQTT client to drive it.
//
// A test declares a `world` first (it must outlive its clients), then
// test_clients on chosen workers. Every client action settles the world:
// the workers run until idle and each client answers what it received
// (PUBACK, PUBREC/PUBREL/PUBCOMP, as a well-behaved client would), over and
// over until nothing moves. A client with auto_ack off holds its PUBACK,
// PUBREC and PUBCOMP for the test to release with ack().

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "fake_transport.hpp"
#include "fake_workers.hpp"
#include "session/broker.hpp"
#include "test_store.hpp"

namespace tern::broker::test {

using mqtt::protocol_version;
using mqtt::qos;

class test_client;

class world {
 public:
  explicit world(unsigned worker_count = 2, broker_config config = {}, test_store* store = nullptr)
      : workers(worker_count), store(store), b(std::move(config), workers, store) {}
  world(const world&) = delete;
  world& operator=(const world&) = delete;
  // Connections still open are dropped (as a shutdown would kick them), so
  // no session and handler keep each other alive.
  ~world() {
    for (auto& t : transports_)
      t->drop();
    workers.run_all();
  }

  std::shared_ptr<fake_transport> open(unsigned worker, std::string name) {
    transports_.push_back(fake_transport::make(b, workers, clock, worker, std::move(name)));
    return transports_.back();
  }

  // Runs the workers and lets every client answer, until nothing moves.
  void settle();

  // The sweep net/ runs once a second on each worker.
  void expire_sessions(unsigned worker) {
    auto as = workers.act_as(worker);
    b.expire_sessions(clock.now);
  }

  fake_workers workers;
  fake_clock clock;
  test_store* store;  // may be null: persistence off
  broker b;

 private:
  friend class test_client;
  std::vector<std::shared_ptr<fake_transport>> transports_;
  std::vector<test_client*> clients_;
};

struct connect_options {
  bool clean_start = true;
  std::optional<std::uint32_t> session_expiry;  // v5 Session Expiry Interval
  std::optional<std::uint16_t> receive_maximum;
  std::optional<std::uint8_t> request_response_information;  // v5
  std::optional<mqtt::will_message> will;
  std::uint16_t keep_alive = 0;
  std::optional<std::string> username;
  std::optional<std::string> password;
};

inline mqtt::subscription_options sub_options(qos max_qos, bool no_local = false,
                                              bool retain_as_published = false,
                                              std::uint8_t retain_handling = 0) {
  return {max_qos, no_local, retain_as_published, retain_handling};
}

class test_client {
 public:
  test_client(world& w, std::string client_id, protocol_version v, unsigned worker)
      : w_(w), id_(std::move(client_id)), version_(v), worker_(worker) {
    w_.clients_.push_back(this);
  }
  test_client(const test_client&) = delete;
  test_client& operator=(const test_client&) = delete;
  ~test_client() { std::erase(w_.clients_, this); }

  // --- connections ------------------------------------------------------------
  // Opens a new connection on worker() and sends CONNECT, without settling.
  void start_connect(connect_options o = {}) {
    // "host:port" in the shape of a remote address: the client id plays
    // the host (login_throttle counts per host), the connection the port.
    conn_ = w_.open(worker_, id_ + ":" + std::to_string(++connections_));
    processed_ = 0;
    unacked_.clear();
    mqtt::connect c;
    c.version = version_;
    c.client_id = id_;
    c.clean_start = o.clean_start;
    c.keep_alive = o.keep_alive;
    c.will = std::move(o.will);
    c.username = std::move(o.username);
    c.password = std::move(o.password);
    if (version_ == protocol_version::v5) {
      c.properties.session_expiry_interval = o.session_expiry;
      c.properties.receive_maximum = o.receive_maximum;
      c.properties.request_response_information = o.request_response_information;
    }
    conn_->send(c, version_);
  }
  // Connects and settles; the CONNACK, if one came. After a CONNACK
  // without Session Present the client drops its own session state too,
  // otherwise it resends what it had unacknowledged [MQTT-4.4.0-1].
  std::optional<mqtt::connack> connect(connect_options o = {}) {
    start_connect(std::move(o));
    w_.settle();
    return connack();
  }
  std::optional<mqtt::connack> connack() const {
    if (!conn_ || conn_->received().empty()) return std::nullopt;
    if (const auto* c = std::get_if<mqtt::connack>(&conn_->received().front())) return *c;
    return std::nullopt;
  }
  // Connected: CONNACK 0 received and the connection is still up.
  bool connected() const {
    auto c = connack();
    return c && c->reason == mqtt::reason_code::success && !conn_->finished();
  }
  void disconnect(mqtt::reason_code reason = mqtt::reason_code::normal_disconnection,
                  std::optional<std::uint32_t> session_expiry = std::nullopt) {
    mqtt::disconnect d{reason, {}};
    d.properties.session_expiry_interval = session_expiry;
    conn_->send(d, version_);
    w_.settle();
  }
  // The network connection breaks (no DISCONNECT).
  void drop() {
    conn_->drop();
    w_.settle();
  }

  // --- subscriptions ------------------------------------------------------------
  std::optional<mqtt::suback> subscribe(const std::string& filter, mqtt::subscription_options o,
                                        std::uint32_t identifier = 0) {
    mqtt::subscribe s;
    s.id = next_id();
    s.entries.push_back({filter, o});
    if (identifier != 0) s.properties.subscription_identifier = identifier;
    conn_->send(s, version_);
    w_.settle();
    return last<mqtt::suback>(s.id);
  }
  std::optional<mqtt::suback> subscribe(const std::string& filter, qos q) {
    return subscribe(filter, sub_options(q));
  }
  std::optional<mqtt::unsuback> unsubscribe(const std::string& filter) {
    mqtt::unsubscribe u;
    u.id = next_id();
    u.filters.push_back(filter);
    conn_->send(u, version_);
    w_.settle();
    return last<mqtt::unsuback>(u.id);
  }

  // --- publishing ----------------------------------------------------------------
  // Sends PUBLISH and settles; the handshake runs as far as the broker
  // lets it (see completed()). Returns the packet id (0 for QoS 0).
  mqtt::packet_id publish(const std::string& topic, const std::string& payload, qos q,
                          bool retain = false, mqtt::publish_properties props = {}) {
    const auto id = start_publish(topic, payload, q, retain, std::move(props));
    w_.settle();
    return id;
  }
  mqtt::packet_id start_publish(const std::string& topic, const std::string& payload, qos q,
                                bool retain = false, mqtt::publish_properties props = {}) {
    mqtt::publish p;
    p.topic = topic;
    p.payload = mqtt::shared_bytes::copy_of(payload);
    p.qos = q;
    p.retain = retain;
    p.properties = std::move(props);
    if (q != qos::at_most_once) {
      p.id = next_id();
      outgoing_[p.id] = {p, false};
    }
    conn_->send(p, version_);
    return p.id;
  }
  // The broker has taken responsibility: PUBACK (QoS 1) or PUBCOMP (QoS 2).
  bool completed(mqtt::packet_id id) const { return completed_.count(id) != 0; }
  // The broker acknowledged (PUBACK or PUBREC) but the handshake may go on.
  bool acknowledged(mqtt::packet_id id) const {
    return completed(id) || (outgoing_.count(id) != 0 && outgoing_.at(id).released);
  }

  // --- receiving --------------------------------------------------------------------
  // Messages delivered to the application: QoS 2 duplicates (same packet id
  // before PUBREL) are recognised and left out, as a client must.
  const std::vector<mqtt::publish>& messages() const noexcept { return messages_; }
  std::vector<std::string> payloads() const {
    std::vector<std::string> out;
    for (const auto& m : messages_)
      out.emplace_back(m.payload.view());
    return out;
  }
  void clear_messages() { messages_.clear(); }
  // Every packet received on any connection since the last call.
  std::vector<mqtt::packet> take_packets() { return std::exchange(packets_, {}); }
  const std::vector<mqtt::packet>& packets() const noexcept { return packets_; }

  // With auto_ack off, PUBACK/PUBREC for received QoS 1/2 and PUBCOMP for
  // PUBREL wait for ack(); a new connection forgets them (the broker resends).
  void set_auto_ack(bool on) { auto_ack_ = on; }
  std::size_t unacked() const noexcept { return unacked_.size(); }
  // Sends the first `n` held acknowledgements and settles.
  void ack(std::size_t n = ~std::size_t{0}) {
    n = std::min(n, unacked_.size());
    for (std::size_t i = 0; i < n; ++i)
      send_ack(unacked_[i]);
    unacked_.erase(unacked_.begin(), unacked_.begin() + static_cast<std::ptrdiff_t>(n));
    w_.settle();
  }

  fake_transport& conn() { return *conn_; }
  std::shared_ptr<fake_transport> connection() const { return conn_; }
  unsigned worker() const noexcept { return worker_; }
  void set_worker(unsigned worker) { worker_ = worker; }
  const std::string& id() const noexcept { return id_; }

  // Reads what arrived since the last call and answers it; true when it
  // sent something.
  bool process() {
    if (!conn_) return false;
    bool sent = false;
    const auto& in = conn_->received();
    for (; processed_ < in.size(); ++processed_) {
      const mqtt::packet p = in[processed_];  // a copy: answering may add to `in`
      packets_.push_back(p);
      sent = handle(p) || sent;
    }
    return sent;
  }

 private:
  struct outgoing {
    mqtt::publish packet;
    bool released = false;  // PUBREC received, PUBREL sent
  };
  struct pending_ack {
    mqtt::packet_id id;
    qos q;
    bool pubcomp = false;  // the answer to PUBREL, not to PUBLISH
  };

  bool handle(const mqtt::packet& p) {
    if (const auto* c = std::get_if<mqtt::connack>(&p)) return on_connack(*c);
    if (const auto* pub = std::get_if<mqtt::publish>(&p)) return on_publish(*pub);
    if (const auto* r = std::get_if<mqtt::pubrel>(&p)) {
      unreleased_.erase(r->id);  // the id may be reused now
      return send_or_hold({r->id, qos::exactly_once, true});
    }
    if (const auto* a = std::get_if<mqtt::puback>(&p)) {
      if (outgoing_.erase(a->id) != 0) completed_.insert(a->id);
      return false;
    }
    if (const auto* r = std::get_if<mqtt::pubrec>(&p)) {
      auto it = outgoing_.find(r->id);
      if (it == outgoing_.end()) return false;
      if (mqtt::is_failure(r->reason)) {  // refused: the flow ends here (spec 4.3.3)
        outgoing_.erase(it);
        completed_.insert(r->id);
        return false;
      }
      it->second.released = true;
      return conn_->send(mqtt::pubrel{r->id, {}, {}}, version_);
    }
    if (const auto* c = std::get_if<mqtt::pubcomp>(&p)) {
      if (outgoing_.erase(c->id) != 0) completed_.insert(c->id);
      return false;
    }
    return false;
  }

  bool on_connack(const mqtt::connack& c) {
    if (c.reason != mqtt::reason_code::success) return false;
    if (!c.session_present) {
      unreleased_.clear();
      outgoing_.clear();
      unacked_.clear();
      return false;
    }
    // Resume: resend what the broker has not acknowledged.
    bool sent = false;
    for (auto& [id, o] : outgoing_) {
      if (o.released) {
        sent = conn_->send(mqtt::pubrel{id, {}, {}}, version_) || sent;
      } else {
        auto again = o.packet;
        again.dup = true;
        sent = conn_->send(again, version_) || sent;
      }
    }
    return sent;
  }

  bool on_publish(const mqtt::publish& p) {
    if (p.qos == qos::exactly_once) {
      if (!unreleased_.insert(p.id).second) {
        // Seen already: not delivered again; answer it (again).
        EXPECT_TRUE(p.dup) << id_ << ": QoS 2 id " << p.id << " reused before PUBREL";
        return send_or_hold({p.id, p.qos});
      }
    }
    messages_.push_back(p);
    if (p.qos == qos::at_most_once) return false;
    return send_or_hold({p.id, p.qos});
  }

  bool send_or_hold(pending_ack a) {
    if (!auto_ack_) {
      unacked_.push_back(a);
      return false;
    }
    return send_ack(a);
  }
  bool send_ack(pending_ack a) {
    if (a.pubcomp) return conn_->send(mqtt::pubcomp{a.id, {}, {}}, version_);
    if (a.q == qos::at_least_once) return conn_->send(mqtt::puback{a.id, {}, {}}, version_);
    return conn_->send(mqtt::pubrec{a.id, {}, {}}, version_);
  }

  mqtt::packet_id next_id() {
    if (++last_id_ == 0) last_id_ = 1;
    return last_id_;
  }

  template <class T>
  std::optional<T> last(mqtt::packet_id id) const {
    for (auto it = packets_.rbegin(); it != packets_.rend(); ++it)
      if (const auto* p = std::get_if<T>(&*it); p && p->id == id) return *p;
    return std::nullopt;
  }

  world& w_;
  std::string id_;
  protocol_version version_;
  unsigned worker_;
  std::shared_ptr<fake_transport> conn_;
  std::size_t processed_ = 0;
  int connections_ = 0;
  mqtt::packet_id last_id_ = 0;
  bool auto_ack_ = true;

  std::vector<mqtt::packet> packets_;
  std::vector<mqtt::publish> messages_;
  std::set<mqtt::packet_id> unreleased_;  // QoS 2 received, PUBREL not yet
  std::vector<pending_ack> unacked_;
  std::map<mqtt::packet_id, outgoing> outgoing_;  // our QoS 1/2 publishes in flight
  std::set<mqtt::packet_id> completed_;
};

inline void world::settle() {
  for (int round = 0; round < 10'000; ++round) {
    workers.run_all();
    bool sent = false;
    for (auto* c : std::vector<test_client*>(clients_))
      sent = c->process() || sent;
    const bool committing = store != nullptr && store->auto_commit && store->pending();
    if (committing) store->commit();
    if (!sent && !committing && workers.pending() == 0) return;
  }
  ADD_FAILURE() << "the broker and its clients never settled";
}

// --- assertion helpers ----------------------------------------------------------------

// "PUBLISH(s/1 id=3 q1 dup)", "PUBREL(3)": for failure messages.
inline std::string describe(const mqtt::packet& p) {
  static constexpr const char* names[] = {"?",         "CONNECT",  "CONNACK",     "PUBLISH",
                                          "PUBACK",    "PUBREC",   "PUBREL",      "PUBCOMP",
                                          "SUBSCRIBE", "SUBACK",   "UNSUBSCRIBE", "UNSUBACK",
                                          "PINGREQ",   "PINGRESP", "DISCONNECT",  "AUTH"};
  std::string out = names[static_cast<int>(mqtt::type_of(p))];
  if (const auto* m = std::get_if<mqtt::publish>(&p)) {
    out += "(" + m->topic + " id=" + std::to_string(m->id) + " q" +
           std::to_string(static_cast<int>(m->qos)) + (m->dup ? " dup" : "") +
           (m->retain ? " retain" : "") + ")";
  }
  std::visit(
      [&](const auto& x) {
        if constexpr (requires { x.id; })
          if (!std::holds_alternative<mqtt::publish>(p)) out += "(" + std::to_string(x.id) + ")";
        if constexpr (requires { x.reason; })
          out += "[0x" + std::to_string(static_cast<int>(x.reason)) + "]";
      },
      p);
  return out;
}
inline std::string describe(const std::vector<mqtt::packet>& packets) {
  std::string out;
  for (const auto& p : packets)
    out += (out.empty() ? "" : " ") + describe(p);
  return out;
}

template <class T>
std::vector<T> all_of_type(const std::vector<mqtt::packet>& packets) {
  std::vector<T> out;
  for (const auto& p : packets)
    if (const auto* t = std::get_if<T>(&p)) out.push_back(*t);
  return out;
}

}  // namespace tern::broker::test
