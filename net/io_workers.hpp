#pragma once
// N worker threads, each running its own io_context (STYLE.md section 3)
// from its readiness_poller's loop, which also watches the worker's plain
// TCP sockets: a connection is pinned to one worker for life, and
// cross-worker work goes to the target's inbox, drained by one asio::post
// to its context (and a wake() of its loop).
// Implements the session layer's worker_pool so the broker core stays free
// of Asio.

#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "net/readiness_poller.hpp"
#include "net/write_coalescer.hpp"
#include "session/worker_pool.hpp"

namespace tern::net {

class io_workers final : public broker::worker_pool {
 public:
  explicit io_workers(unsigned count);
  ~io_workers() override;

  unsigned size() const noexcept override { return static_cast<unsigned>(contexts_.size()); }
  void post(unsigned index, std::function<void()> fn) override;
  void post_after(unsigned index, std::chrono::milliseconds delay,
                  std::function<void()> fn) override;
  // QoS 0 deliveries: batched per target by the posting worker's
  // write_coalescer, in order with its post()s.
  void post_deferred(unsigned index, std::function<void()> fn) override;
  std::function<void()>* unsent_deferred(unsigned index) override;
  unsigned current() const noexcept override;

  boost::asio::io_context& context(unsigned index) { return *contexts_[index]; }
  write_coalescer& coalescer(unsigned index) { return *coalescers_[index]; }
  readiness_poller& poller(unsigned index) { return *pollers_[index]; }
  // Runs `handler` on worker `index` from any thread: an asio::post to its
  // context, and a wake() of its loop, which Asio cannot wake (see
  // readiness_poller). For one batch at a time; single tasks go by post().
  template <class Handler>
  void post_to_context(unsigned index, Handler&& handler) {
    boost::asio::post(*contexts_[index], std::forward<Handler>(handler));
    pollers_[index]->wake();
  }
  // The next worker for a new connection, in turn.
  unsigned next_for_connection() noexcept { return next_++ % size(); }

  // Starts the threads; returns at once.
  void start();
  // Lets the contexts finish their queued work and joins the threads.
  void stop();
  // After stop(): destroys the coalescers (and what they hold), then the
  // contexts and every handler still queued.
  void destroy_contexts();

 private:
  using work_guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  // What other threads post() to a worker waits here, in order, and one
  // asio::post runs all of it: only the post that finds the inbox empty
  // pays for Asio's operation and for waking the worker. A worker fed one
  // message at a time by another (fan-in QoS 1 publishers on the other
  // worker) thus drains whatever arrived meanwhile in one go, without any
  // message waiting for a batch to fill.
  struct inbox {
    std::mutex mutex;
    std::vector<std::function<void()>> tasks;
    bool drain_posted = false;
  };
  void drain(unsigned index);

  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  // After contexts_ (so destroyed before them): each runs its context.
  std::vector<std::unique_ptr<readiness_poller>> pollers_;
  // After contexts_: destroyed first, while the contexts their tasks'
  // captures may refer to still exist.
  std::vector<std::unique_ptr<inbox>> inboxes_;
  std::vector<work_guard> guards_;
  std::vector<std::unique_ptr<write_coalescer>> coalescers_;
  std::vector<std::thread> threads_;
  unsigned next_ = 0;
};

}  // namespace tern::net
