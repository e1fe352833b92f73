#pragma once
// One worker's event loop: an edge-triggered epoll set that holds the
// worker's plain TCP sockets and, nested in it, the epoll set of the
// worker's io_context (timers, TLS and WebSocket sockets, listeners). The
// worker thread blocks here, not in Asio: it runs what the io_context has
// ready (io_context::poll), then waits for the next socket edge, Asio event
// or wake().
//
// Why not Asio's per-socket async_wait: each wait re-arms the socket in
// Asio's epoll set (one epoll_ctl per read, since a wait may not read
// speculatively) and allocates an operation, and an idle connection keeps
// both the operation and Asio's per-socket state (about 300 bytes, a
// quarter of what it cost) for as long as it stays connected. Here a
// socket costs one epoll registration and nothing else.
//
// Why the sockets are in the set the thread blocks on, rather than in a
// set nested inside Asio's: Linux passes a wake-up through a nested epoll
// set as an ordinary one, not as the "sync" wake-up a socket write gives,
// and the scheduler then no longer places the woken worker next to the
// client that woke it; a round trip over loopback (QoS 1 fan-in with a
// small inflight window) took a third longer.
//
// Since the thread does not block inside the io_context, the io_context
// cannot wake it for work posted from another thread: whoever posts to
// this worker from another thread calls wake() (io_workers does). Asio's
// resolver posts its completions from a thread of its own, so its user
// (the bridge) wakes the worker with a timer until the resolve completes;
// anything else would wait for the worker's next event, at most its
// 250 ms deadline sweep.
//
// Thread: run() and add() on the worker; wake() from any thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

namespace tern::net {

class connection;

class readiness_poller {
 public:
  explicit readiness_poller(boost::asio::io_context& context);
  readiness_poller(const readiness_poller&) = delete;
  readiness_poller& operator=(const readiness_poller&) = delete;
  ~readiness_poller();

  // Watches `fd` for input, output space and hang-up, edge-triggered: `c`
  // hears of each edge through connection::on_ready() until the socket is
  // closed (closing it leaves the set). False, with errno set, if epoll
  // refused it.
  bool add(int fd, connection& c);

  // The worker's loop, until the io_context is stopped.
  void run();

  // Work was posted to the io_context from another thread: the loop runs
  // it now rather than at its next event.
  void wake() noexcept;

 private:
  // Waits for events and hands them out.
  void wait_and_dispatch();

  boost::asio::io_context& context_;
  int epoll_fd_;
  int wake_fd_;  // an eventfd in the set
  // A wake() wrote to wake_fd_ and the loop has not read it yet: further
  // wake()s need not write.
  std::atomic<bool> wake_pending_{false};
  std::vector<std::shared_ptr<connection>> held_;  // see wait_and_dispatch()
};

}  // namespace tern::net
