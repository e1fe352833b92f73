#pragma once
// A broker-side MQTT session (spec 4.1): it outlives network connections
// when it is persistent (3.1.1 clean session 0, v5 session expiry > 0).
//
// Thread: a session belongs to one worker at a time (`owner`); only that
// worker reads or writes the fields below `owner`. Ownership moves when a
// client reconnects on another worker: the old owner hands it over by
// setting `owner` and posting to the new one, so the hand-over is ordered.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mqtt/codec/packets.hpp"
#include "mqtt/engine/session_state.hpp"
#include "session/delivery_queue.hpp"
#include "session/offline_quota.hpp"
#include "session/queue_bound.hpp"
#include "session/session_subscriptions.hpp"

namespace tern::broker {

class client_handler;

struct session {
  session(std::uint64_t id_, std::string client_id_, unsigned owner_)
      : id(id_), client_id(std::move(client_id_)), owner(owner_) {}

  const std::uint64_t id;  // key in the subscription trie; never reused
  const std::string client_id;
  std::atomic<unsigned> owner;
  // The small fields are grouped (here and after `congested`) so that they
  // pack without padding: a session is paid for by every connection.
  mqtt::protocol_version version = mqtt::protocol_version::v3_1_1;
  bool ended = false;  // replaced or expired: deliveries to it are dropped
  // Counts the hand-overs to a resuming connection (owner only). Between a
  // hand-over and its attach on the new worker, a newer connection can take
  // the session on again; the first one's attach finds the count moved and
  // is refused instead of attaching a second connection (see hand_over).
  std::uint16_t handovers = 0;

  mqtt::session_state state;  // inflight windows, QoS 2 ids
  delivery_queue queue;       // waiting for window space or a connection
  session_subscriptions subscriptions;
  std::shared_ptr<client_handler> attached;  // the live connection, if any
  std::chrono::steady_clock::time_point disconnected_at{};
  // v5 Will Delay Interval: the will of the last connection, published at
  // `will_due` or when the session ends, whichever comes first, and
  // dropped if a connection resumes the session before [MQTT-3.1.3-9].
  std::unique_ptr<mqtt::will_message> delayed_will;
  std::chrono::steady_clock::time_point will_due{};

  // Backpressure. A connected session whose queue passed the congestion
  // threshold sets `congested` (and so does a router or the owner that
  // keeps a message past a bound of its own, see own_bound); publishers
  // that routed to it hold their PUBACK/PUBREC and register in `waiters`
  // until the queue drains. The flag is read by other workers (hence
  // atomic); waiters is shared under the broker's lock for this session
  // (broker::waiters_lock). Registering and then re-reading the flag avoids
  // a lost wake-up against a concurrent drain.
  std::atomic<bool> congested{false};
  // QoS 1/2 deliveries that routers on other workers posted to the owner
  // and that have not reached it yet. They count toward congestion: a
  // router that finds half a threshold of them on the way marks the session
  // congested itself, since the owner's queue does not show them yet (see
  // broker::dispatch). Without it, in fan-in QoS 1 the publishers on other
  // workers ran far ahead of the subscriber (p99 5 ms against 1 ms).
  std::atomic<std::uint32_t> in_transit{0};
  // A connection is attached; written by the owner, read by routers on
  // other workers to prefer connected members of a shared subscription
  // and to know whether to take a place in `offline`. The owner counts the
  // queue in `offline` before it stores false (release), so a router that
  // reads false (acquire) sees the queue counted.
  std::atomic<bool> online{false};
  // Persistence: the session has a record in the store (it outlives its
  // connection). Read by routers on other workers, which store the QoS 1/2
  // deliveries they route to it, numbered from next_store_seq.
  std::atomic<bool> stored{false};
  // Seconds the session lives after its connection closes; 0xFFFFFFFF never
  // expires. 3.1.1 clean session 0 means "never", clean session 1 means 0.
  std::uint32_t expiry_interval = 0;
  // The offline queue as routers see it (see offline_quota): a router
  // takes a place there for each QoS 1/2 delivery it routes to the session
  // while it is offline, so the bound (max_queued_messages /
  // max_queued_bytes, or own_bound) is decided when the message is routed:
  // a v5 publisher whose only target is a full queue is refused (PUBACK
  // 0x97) and nothing is stored, however far behind the owner is. A
  // shared subscription's copy takes no place (it may go to another
  // member); the owner takes one for it on arrival, as for any delivery
  // that comes without one.
  offline_quota offline;
  // A bound of its own (a bridge's queue, bridge_max_queued_*), set when
  // the session is made; null: max_queued_messages / max_queued_bytes. At
  // its own bound a session refuses rather than drops: v5 publishers get
  // 0x97 and nothing is routed, 3.1.1 publishers (which cannot be told)
  // wait for their PUBACK until the queue drains, as for a congested
  // subscriber; what was acknowledged is kept.
  const queue_bound* own_bound = nullptr;
  std::atomic<std::uint64_t> next_store_seq{1};  // see `stored`
  // The offline queue lives on disk: QoS 1/2 deliveries that are stored and
  // not in `queue` (how many, their size, the lowest sequence not read back
  // yet), read back a page at a time once the session is resumed. While
  // any are out, new ones join them there, so the order holds. Owner only.
  struct disk_queue {
    std::uint64_t count = 0;
    std::uint64_t bytes = 0;
    std::uint64_t from = 0;
    bool loading = false;  // a page is being read
    // While a page is read: deliveries spilled (the read may or may not see
    // them) and deliveries that left the session (the read may still return
    // them), so the page neither strands nor repeats any.
    std::vector<std::uint64_t> spilled_while_loading;
    std::vector<std::uint64_t> left_while_loading;
  };
  // Boxed, as most sessions never spill: null means nothing on disk and no
  // page being read (made by spilled_queue(), dropped once empty again).
  std::unique_ptr<disk_queue> on_disk;
  std::uint64_t spilled() const noexcept { return on_disk ? on_disk->count : 0; }
  std::uint64_t spilled_bytes() const noexcept { return on_disk ? on_disk->bytes : 0; }
  bool loading() const noexcept { return on_disk && on_disk->loading; }
  disk_queue& spilled_queue() {
    if (!on_disk) on_disk = std::make_unique<disk_queue>();
    return *on_disk;
  }

  // Publishers waiting for `congested` to clear, with their workers. Boxed
  // (null while none wait) and guarded by broker::waiters_lock rather than a
  // mutex of its own: both matter only while the session is congested.
  using waiter = std::pair<std::weak_ptr<client_handler>, unsigned>;
  std::unique_ptr<std::vector<waiter>> waiters;
};

using session_ptr = std::shared_ptr<session>;

}  // namespace tern::broker
