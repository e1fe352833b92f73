// libFuzzer target for the whole broker core: broker_session (sessions,
// subscription trie, retained tree, routing, wills, the commit gate) with
// every connection's server_engine, fed byte streams from four simulated
// clients on two simulated workers, with an in-memory store and a clock
// that moves only when the input says so.
//
// The input is a configuration byte and then a stream of operations, one
// byte each (client = bits 5..6, operation = bits 0..4, see `op`), some
// followed by an argument:
//   open      a new connection for the client (an open one stays, so
//             takeovers and kicks happen when the bytes reuse a client id)
//   bytes N   N bytes (next byte: N) arrive on the client's connection
//   close     the client's connection fails (TCP reset: on_peer_closed)
//   advance S S seconds pass (next byte): due deadlines fire on every
//             connection, delayed posts run, each worker's session sweep
//   run       one task of the client's worker runs
//   settle    both workers run until idle
//   commit    the store commits what was submitted and reads pages asked for
//   stall     the client's writes stop (or resume) completing: backpressure
//   auto_ack  the client (un)sets answering PUBLISH and PUBREL by itself
//   sys       the $SYS tree is published
//   kick      the broker shuts the connection down (server_shutting_down)
//   reload    the password and ACL rules are re-read (SIGHUP)
// At the end every connection fails and the workers and store run dry.
//
// The harness plays net/ (tcp_connection, stream_connection, io_workers,
// server's timers): every call the core makes on client_transport,
// worker_pool and durable_store is answered as net/ and the SQLite store
// answer it, reduced to what the core can observe. Checked on top of
// ASan/UBSan and the core's own assertions: everything a connection writes
// decodes, in the client's version, as packets a server may send; nothing
// follows a DISCONNECT or a refusing CONNACK; the core calls a transport
// only on its own worker; and the workers settle.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "auth/file_access_control.hpp"
#include "auth/password_hash.hpp"
#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "server_packets.hpp"
#include "session/broker.hpp"
#include "session/client_handler.hpp"
#include "session/client_transport.hpp"
#include "session/sys_topics.hpp"
#include "session/worker_pool.hpp"
#include "store/durable_store.hpp"

namespace {

namespace mqtt = tern::mqtt;
namespace broker = tern::broker;
namespace store = tern::store;
using clock_type = std::chrono::steady_clock;
using bytes_view = std::span<const std::uint8_t>;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_engine: %s\n", what);
  std::abort();
}

// ---- the workers (net/io_workers) ----------------------------------------------

class sim_workers final : public broker::worker_pool {
 public:
  explicit sim_workers(const clock_type::time_point& now) : now_(now) {}

  unsigned size() const noexcept override { return 2; }
  void post(unsigned index, std::function<void()> fn) override {
    if (index >= 2) fail("post() to a worker that does not exist");
    queues_[index].push_back(std::move(fn));
  }
  void post_after(unsigned index, std::chrono::milliseconds delay,
                  std::function<void()> fn) override {
    if (index >= 2) fail("post_after() to a worker that does not exist");
    delayed_.push_back({index, now_ + delay, std::move(fn)});
  }
  unsigned current() const noexcept override {
    if (current_ >= 2) fail("the core asked current() off the workers");
    return current_;
  }

  class scope {
   public:
    scope(sim_workers& w, unsigned index) : w_(w), saved_(w.current_) { w_.current_ = index; }
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;
    ~scope() { w_.current_ = saved_; }

   private:
    sim_workers& w_;
    unsigned saved_;
  };
  [[nodiscard]] scope act_as(unsigned index) { return scope(*this, index); }

  bool run_one(unsigned index) {
    auto& q = queues_[index];
    if (q.empty()) return false;
    auto fn = std::move(q.front());
    q.pop_front();
    scope as(*this, index);
    fn();
    return true;
  }
  // Round robin until idle; a core that keeps re-posting forever fails.
  void run_all() {
    std::size_t ran = 0;
    for (bool any = true; any;) {
      any = false;
      for (unsigned i = 0; i < 2; ++i) {
        if (run_one(i)) {
          any = true;
          if (++ran > 1'000'000) fail("the workers never settle");
        }
      }
    }
  }
  // Timers whose time came join their worker's queue.
  void fire_due() {
    for (auto it = delayed_.begin(); it != delayed_.end();) {
      if (it->due <= now_) {
        queues_[it->index].push_back(std::move(it->fn));
        it = delayed_.erase(it);
      } else {
        ++it;
      }
    }
  }
  bool idle() const { return queues_[0].empty() && queues_[1].empty(); }
  // Shutdown: timers still waiting are dropped, as io_context::stop does.
  void drop_delayed() { delayed_.clear(); }

 private:
  struct delayed_task {
    unsigned index;
    clock_type::time_point due;
    std::function<void()> fn;
  };
  const clock_type::time_point& now_;
  std::deque<std::function<void()>> queues_[2];
  std::vector<delayed_task> delayed_;
  unsigned current_ = ~0u;
};

// ---- the store (store/sqlite_store, in memory) ---------------------------------

// Keeps what the page reads need (a session's deliveries not sent under a
// packet id, by sequence) and commits when the input says so; the pages
// asked for are read at the next commit, as the SQLite store reads them on
// its thread after writing what was submitted before.
class memory_store final : public store::durable_store {
 public:
  store::restored_state restore() override { return {}; }
  std::uint64_t submit(store::store_op op) override {
    apply(std::move(op));
    return ++submitted_;
  }
  std::uint64_t submit_all(std::vector<store::store_op>& ops) override {
    for (auto& op : ops)
      apply(std::move(op));
    submitted_ += ops.size();
    ops.clear();
    return submitted_;
  }
  std::uint64_t committed() const noexcept override { return committed_; }
  void on_commit(std::function<void(std::uint64_t)> listener) override {
    listener_ = std::move(listener);
  }
  void flush_and_stop() override { commit(); }

  void commit() {
    committed_ = submitted_;
    if (listener_) listener_(committed_);
    auto loads = std::move(loads_);
    loads_.clear();
    for (auto& l : loads)
      l.done(page(l));
    auto message_loads = std::move(message_loads_);
    message_loads_.clear();
    for (auto& l : message_loads) {
      std::vector<mqtt::message_ptr> found;
      for (const auto id : l.ids) {
        auto it = retained_.find(id);
        found.push_back(it == retained_.end() ? nullptr : it->second);
      }
      l.done(std::move(found));
    }
  }

 private:
  struct row {
    mqtt::delivery delivery;
    mqtt::packet_id packet_id = 0;
    bool released = false;
  };
  using session_rows = std::map<std::uint64_t, row>;  // by seq

  void apply(store::store_op&& op) {
    if (auto* p = std::get_if<store::put_delivery>(&op)) {
      rows_[p->session_id][p->delivery.store_seq] = row{p->delivery, 0, false};
    } else if (auto* m = std::get_if<store::mark_delivery_sent>(&op)) {
      auto& rows = rows_[m->session_id];
      if (auto it = rows.find(m->seq); it != rows.end()) {
        it->second.packet_id = m->packet_id;
        it->second.released = m->released;
      }
    } else if (auto* r = std::get_if<store::remove_delivery>(&op)) {
      rows_[r->session_id].erase(r->seq);
    } else if (auto* s = std::get_if<store::remove_session>(&op)) {
      rows_.erase(s->session_id);
    } else if (auto* l = std::get_if<store::load_deliveries>(&op)) {
      loads_.push_back(std::move(*l));
    } else if (auto* rt = std::get_if<store::put_retained>(&op)) {
      retained_[rt->message->id] = rt->message;  // kept after removal: the broker checks
    } else if (auto* lm = std::get_if<store::load_messages>(&op)) {
      message_loads_.push_back(std::move(*lm));
    }
  }

  std::vector<store::restored_delivery> page(const store::load_deliveries& l) {
    std::vector<store::restored_delivery> out;
    const auto found = rows_.find(l.session_id);
    if (found == rows_.end()) return out;
    for (auto it = found->second.lower_bound(l.from_seq);
         it != found->second.end() && out.size() < l.limit; ++it) {
      if (it->second.packet_id != 0) continue;
      out.push_back({l.session_id, it->second.delivery, 0, false});
    }
    return out;
  }

  std::map<std::uint64_t, session_rows> rows_;
  std::vector<store::load_deliveries> loads_;
  std::map<std::uint64_t, mqtt::message_ptr> retained_;  // by message id
  std::vector<store::load_messages> message_loads_;
  std::uint64_t submitted_ = 0;
  std::uint64_t committed_ = 0;
  std::function<void(std::uint64_t)> listener_;
};

// ---- one connection (net/stream_connection + tcp_connection) ------------------

class sim_connection final : public broker::client_transport {
 public:
  sim_connection(broker::broker& b, sim_workers& workers, const clock_type::time_point& now,
                 unsigned worker, std::string name)
      : workers_(workers),
        now_(now),
        worker_(worker),
        name_(std::move(name)),
        handler_(std::make_shared<broker::client_handler>(b, *this, now)) {}
  ~sim_connection() override { handler_->transport_gone(); }

  // --- client_transport: the core's calls, on worker() only -------------------
  void output_ready() override {
    on_own_worker();
    post_write();
  }
  void resume_input() override {
    on_own_worker();
    workers_.post(worker_, [self = self()] { self->do_read(); });
  }
  void close_after_output() override {
    on_own_worker();
    closing_ = true;
    if (!write_in_flight_) post_write();
  }
  std::size_t pending_output_bytes() const noexcept override {
    on_own_worker();
    return unsent_.size();
  }
  broker::client_handler& handler() noexcept override { return *handler_; }
  unsigned worker() const noexcept override { return worker_; }
  const std::string& remote_address() const noexcept override { return name_; }

  // --- the network's side, from the harness ------------------------------------
  void arrive(bytes_view bytes) {
    if (finished_) return;
    inbox_.insert(inbox_.end(), bytes.begin(), bytes.end());
    auto as = workers_.act_as(worker_);
    do_read();
  }
  void peer_closed() {
    if (finished_) return;
    auto as = workers_.act_as(worker_);
    handler_->on_peer_closed();
    finish();
  }
  // The worker's deadline wheel turned (stream_connection::on_deadline).
  void deadline_sweep() {
    if (finished_) return;
    auto as = workers_.act_as(worker_);
    const auto keep = self();
    if (auto deadline = handler_->next_deadline(); deadline && *deadline <= now_)
      handler_->on_timer(now_);
  }
  void kick() {
    if (finished_) return;
    auto as = workers_.act_as(worker_);
    handler_->kick(mqtt::reason_code::server_shutting_down);
  }
  void toggle_stall() {
    stalled_ = !stalled_;
    if (!stalled_ && write_in_flight_)
      workers_.post(worker_, [self = self()] { self->complete_write(); });
  }
  void toggle_auto_ack() { auto_ack_ = !auto_ack_; }
  bool finished() const noexcept { return finished_; }

 private:
  std::shared_ptr<sim_connection> self() {
    return std::static_pointer_cast<sim_connection>(shared_from_this());
  }
  void on_own_worker() const {
    if (workers_.current() != worker_) fail("a transport was called off its own worker");
  }

  void do_read() {
    if (finished_ || closing_ || inbox_.empty() || !handler_->wants_input()) return;
    const auto bytes = std::exchange(inbox_, {});
    handler_->on_bytes(bytes, now_);
  }

  void post_write() {
    if (write_in_flight_ || write_posted_ || finished_) return;
    write_posted_ = true;
    workers_.post(worker_, [self = self()] {
      self->write_posted_ = false;
      self->do_write();
    });
  }

  void do_write() {
    if (write_in_flight_ || finished_) return;
    std::vector<std::uint8_t> out;
    handler_->take_output(out);
    if (!out.empty()) {
      receive(out);
      if (stalled_) {  // the socket takes nothing: an asynchronous write waits
        unsent_ = std::move(out);
        write_in_flight_ = true;
        return;
      }
    }
    if (closing_ && !handler_->output_held()) finish();
    do_read();
  }

  void complete_write() {
    if (!write_in_flight_ || stalled_ || finished_) return;
    write_in_flight_ = false;
    unsent_.clear();
    do_write();
  }

  void finish() {
    finished_ = true;
    inbox_.clear();
  }

  // The client decodes what the broker wrote (in the version the handler
  // encodes in) and, with auto_ack, answers like a well-behaved client.
  void receive(const std::vector<std::uint8_t>& out) {
    const mqtt::protocol_version v = handler_->version();
    rx_.insert(rx_.end(), out.begin(), out.end());
    bytes_view rest(rx_);
    std::vector<std::uint8_t> answer;
    while (!rest.empty()) {
      auto h = mqtt::parse_fixed_header(rest, mqtt::max_variable_byte_integer + 5, v);
      if (!h) fail("the broker wrote a malformed fixed header");
      if (!*h || rest.size() < (*h)->packet_size()) break;
      if (ended_) fail("the broker wrote after DISCONNECT or a refusing CONNACK");
      if (!tern::fuzz::server_may_send((*h)->type))
        fail("the broker wrote a packet only a client sends");
      auto p = mqtt::decode(**h, rest.subspan((*h)->size, (*h)->remaining_length), v);
      if (!p) {
        std::fprintf(stderr, "fuzz_engine: %s\n", p.error().message().c_str());
        fail("the broker wrote a packet that does not decode");
      }
      if (std::holds_alternative<mqtt::disconnect>(*p)) ended_ = true;
      if (const auto* c = std::get_if<mqtt::connack>(&*p); c && mqtt::is_failure(c->reason))
        ended_ = true;
      if (auto_ack_) answer_to(*p, v, answer);
      rest = rest.subspan((*h)->packet_size());
    }
    rx_.erase(rx_.begin(), rx_.end() - static_cast<std::ptrdiff_t>(rest.size()));
    if (!answer.empty()) {
      // Arrives later, as the client's reply would.
      workers_.post(worker_, [self = self(), answer = std::move(answer)] {
        if (self->finished_) return;
        self->inbox_.insert(self->inbox_.end(), answer.begin(), answer.end());
        self->do_read();
      });
    }
  }

  static void answer_to(const mqtt::packet& p, mqtt::protocol_version v,
                        std::vector<std::uint8_t>& out) {
    if (const auto* pub = std::get_if<mqtt::publish>(&p)) {
      if (pub->qos == mqtt::qos::at_least_once)
        mqtt::encode_append(mqtt::packet{mqtt::puback{pub->id, {}, {}}}, v, out);
      if (pub->qos == mqtt::qos::exactly_once)
        mqtt::encode_append(mqtt::packet{mqtt::pubrec{pub->id, {}, {}}}, v, out);
    } else if (const auto* rec = std::get_if<mqtt::pubrec>(&p)) {
      mqtt::encode_append(mqtt::packet{mqtt::pubrel{rec->id, {}, {}}}, v, out);
    } else if (const auto* rel = std::get_if<mqtt::pubrel>(&p)) {
      mqtt::encode_append(mqtt::packet{mqtt::pubcomp{rel->id, {}, {}}}, v, out);
    }
  }

  sim_workers& workers_;
  const clock_type::time_point& now_;
  unsigned worker_;
  std::string name_;
  std::shared_ptr<broker::client_handler> handler_;
  std::vector<std::uint8_t> inbox_;   // sent by the client, not read yet
  std::vector<std::uint8_t> unsent_;  // a write the socket has not taken
  std::vector<std::uint8_t> rx_;      // received by the client, not decoded yet
  bool write_in_flight_ = false;
  bool write_posted_ = false;
  bool closing_ = false;
  bool finished_ = false;
  bool stalled_ = false;
  bool auto_ack_ = false;
  bool ended_ = false;
};

// ---- access control (auth/, from files written once) ----------------------------

std::shared_ptr<tern::auth::file_access_control> make_access_control() {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("tern-fuzz-engine-" + std::to_string(getpid()));
  fs::create_directories(dir);
  {
    std::ofstream passwords(dir / "passwords");
    passwords << "alice:" << tern::auth::hash_for_file("pw", tern::auth::hash_kind::pbkdf2_sha512)
              << "\n"
              << "carol:" << tern::auth::hash_for_file("pw", tern::auth::hash_kind::sha512) << "\n";
    std::ofstream acl(dir / "acl");
    acl << "topic read $SYS/#\n"
           "topic readwrite public/#\n"
           "user alice\n"
           "topic readwrite #\n"
           "topic deny secret/#\n"
           "user carol\n"
           "topic read a/#\n"
           "topic write b/+\n"
           "pattern readwrite clients/%c/#\n"
           "pattern read users/%u/#\n";
  }
  auto ac = std::make_shared<tern::auth::file_access_control>(dir / "passwords", dir / "acl");
  fs::remove_all(dir);  // read already; reload() of missing files must fail cleanly
  return ac;
}

// ---- the world ------------------------------------------------------------------

broker::broker_config config_from(std::uint8_t flags) {
  static const auto access = make_access_control();
  broker::broker_config c;
  c.sys_interval = std::chrono::seconds(10);
  if (flags & 0x02) c.access = access;
  c.allow_anonymous = (flags & 0x04) != 0;
  if (flags & 0x08) {  // small bounds: queues fill, windows close, QoS 0 drops
    c.limits.max_inflight = 2;
    c.limits.receive_maximum = 3;
    c.limits.topic_alias_maximum = 2;
    c.limits.maximum_packet_size = 200;
    c.max_queued_messages = 3;
    c.max_queued_bytes = 64;
    c.max_output_bytes = 256;
    c.limits.max_publish_rate = 5;
  }
  c.queue_qos0_messages = (flags & 0x10) != 0;
  if (flags & 0x20) {
    c.max_keepalive = 10;
    c.limits.maximum_qos = mqtt::qos::at_least_once;
    c.limits.retain_available = false;
    c.limits.wildcard_subscription_available = false;
    c.limits.shared_subscription_available = false;
  }
  c.allow_zero_length_clientid = (flags & 0x40) == 0;
  c.shared_subscription_policy =
      (flags & 0x80) ? broker::shared_policy::sticky : broker::shared_policy::round_robin;
  c.response_topic_prefix = (flags & 0x80) ? "replies" : "";
  return c;
}

class world {
 public:
  explicit world(std::uint8_t flags)
      : workers_(now_),
        broker_(config_from(flags), workers_, (flags & 0x01) ? &store_ : nullptr),
        sys_(broker_) {
    if (flags & 0x01)
      store_.on_commit([this](std::uint64_t position) { broker_.gate().committed(position); });
  }
  world(const world&) = delete;
  world& operator=(const world&) = delete;
  ~world() {
    // Shutdown: every connection fails, the workers and the store run dry.
    for (auto& c : connections_)
      if (c) c->peer_closed();
    for (auto& c : retired_)
      c->peer_closed();
    workers_.drop_delayed();
    for (int round = 0; round < 100 && !workers_.idle(); ++round) {
      workers_.run_all();
      store_.commit();
    }
    workers_.run_all();
    for (auto& c : connections_)
      c.reset();
    retired_.clear();
    workers_.run_all();
  }

  void open(unsigned client) {
    if (connections_[client]) retired_.push_back(std::move(connections_[client]));
    connections_[client] = std::make_shared<sim_connection>(
        broker_, workers_, now_, client % 2,
        "10.0.0." + std::to_string(client + 1) + ":" + std::to_string(++opened_));
    forget_finished();
  }
  sim_connection* connection(unsigned client) { return connections_[client].get(); }

  void advance(unsigned seconds) {
    now_ += std::chrono::seconds(seconds);
    workers_.fire_due();
    for (auto& c : connections_)
      if (c) c->deadline_sweep();
    for (auto& c : retired_)
      c->deadline_sweep();
    for (unsigned w = 0; w < 2; ++w) {  // server::start_periodic's sweep
      auto as = workers_.act_as(w);
      broker_.expire_sessions(now_);
    }
  }
  void run_one(unsigned worker) { workers_.run_one(worker); }
  void settle() { workers_.run_all(); }
  void commit() { store_.commit(); }
  void publish_sys() {
    auto as = workers_.act_as(0);
    sys_.publish(now_);
  }
  void reload() {
    if (const auto& ac = broker_.config().access) {
      try {
        ac->reload();
      } catch (const std::exception&) {
        // The files are gone: the old rules stay, as on a bad SIGHUP.
      }
      for (auto& c : connections_) {
        if (!c || c->finished()) continue;
        auto as = workers_.act_as(c->worker());
        c->handler().recheck_credentials();
      }
    }
  }

 private:
  // Connections the network is done with go, as net/ lets go of a finished
  // connection (tasks still queued hold it until they run).
  void forget_finished() {
    std::erase_if(retired_, [](const auto& c) { return c->finished(); });
  }

  clock_type::time_point now_{std::chrono::hours(1000)};
  sim_workers workers_;
  memory_store store_;
  broker::broker broker_;
  broker::sys_topics sys_;
  std::shared_ptr<sim_connection> connections_[4];
  std::vector<std::shared_ptr<sim_connection>> retired_;
  unsigned opened_ = 0;
};

enum class op : std::uint8_t {
  open,
  bytes,
  close,
  advance,
  run,
  settle,
  commit,
  stall,
  auto_ack,
  sys,
  kick,
  reload,
  count
};

void run(bytes_view in) {
  if (in.empty()) return;
  world w(in[0]);
  std::size_t i = 1;
  const auto next = [&]() -> std::uint8_t { return i < in.size() ? in[i++] : 0; };
  while (i < in.size()) {
    const std::uint8_t byte = in[i++];
    const unsigned client = (byte >> 5) & 3;
    const auto what = static_cast<op>((byte & 0x1F) % static_cast<unsigned>(op::count));
    sim_connection* c = w.connection(client);
    switch (what) {
      case op::open:
        w.open(client);
        break;
      case op::bytes: {
        const std::size_t n = std::min<std::size_t>(next(), in.size() - i);
        if (c) c->arrive(in.subspan(i, n));
        i += n;
        break;
      }
      case op::close:
        if (c) c->peer_closed();
        break;
      case op::advance:
        w.advance(next());
        break;
      case op::run:
        w.run_one(client % 2);
        break;
      case op::settle:
        w.settle();
        break;
      case op::commit:
        w.commit();
        break;
      case op::stall:
        if (c) c->toggle_stall();
        break;
      case op::auto_ack:
        if (c) c->toggle_auto_ack();
        break;
      case op::sys:
        w.publish_sys();
        break;
      case op::kick:
        if (c) c->kick();
        break;
      case op::reload:
        w.reload();
        break;
      case op::count:
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // connection log lines by the million
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  run(bytes_view(data, size));
  return 0;
}
