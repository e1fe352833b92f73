// readiness_poller, the worker's loop: a registered socket hears of input;
// a connection finished by another's handling in the same batch is still
// alive when its own edge is handed out; work posted from another thread, Asio timers and stop()
// all reach a loop blocked in epoll_wait (each of these tests hangs, and
// fails at its deadline, without the wake-up it checks).
#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/connection.hpp"
#include "net/io_workers.hpp"
#include "net/readiness_poller.hpp"

namespace tern::net {
namespace {

constexpr auto deadline = std::chrono::seconds(30);

// A connection that records its edges (and its end, in `log` if given)
// and, on its first edge, runs `on_first`.
class probe final : public connection {
 public:
  explicit probe(int fd, std::vector<std::string>* log = nullptr, std::string name = {})
      : fd_(fd), log_(log), name_(std::move(name)) {}
  ~probe() override {
    if (fd_ >= 0) ::close(fd_);
    if (log_) log_->push_back(name_ + " destroyed");
  }
  void on_ready(std::uint32_t events) override {
    ++edges;
    last_events = events;
    if (log_) log_->push_back(name_ + " edge");
    if (on_first) std::exchange(on_first, nullptr)();
  }
  void close_socket() {
    ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }

  std::function<void()> on_first;
  int edges = 0;
  std::uint32_t last_events = 0;

  // Not reached by these tests.
  void start() override {}
  void shut_down() override {}
  void on_deadline(clock::time_point) override {}
  void release_output() override {}
  void abandon() override {}
  void output_ready() override {}
  void resume_input() override {}
  void close_after_output() override {}
  std::size_t pending_output_bytes() const noexcept override { return 0; }
  broker::client_handler& handler() noexcept override { std::abort(); }
  unsigned worker() const noexcept override { return 0; }
  const std::string& remote_address() const noexcept override { return remote_; }

 private:
  int fd_;
  std::vector<std::string>* log_;
  std::string name_;
  std::string remote_ = "test";
};

struct socket_pair {
  int ours = -1;
  int peer = -1;
  socket_pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    ours = fds[0];
    peer = fds[1];
  }
  ~socket_pair() { ::close(peer); }
  void send_byte() const { ASSERT_EQ(::write(peer, "x", 1), 1); }
};

TEST(ReadinessPoller, ARegisteredSocketHearsOfInput) {
  boost::asio::io_context context(1);
  auto guard = boost::asio::make_work_guard(context);
  readiness_poller poller(context);
  socket_pair pair;
  auto p = std::make_shared<probe>(pair.ours);
  ASSERT_TRUE(poller.add(p->fd(), *p));
  p->on_first = [&] { context.stop(); };
  pair.send_byte();
  poller.run();  // returns once the edge stopped the context
  EXPECT_EQ(p->edges, 1);
  EXPECT_TRUE(p->last_events & EPOLLIN);
}

TEST(ReadinessPoller, AConnectionFinishedInTheSameBatchIsHeldUntilItsEdgeIsHandled) {
  boost::asio::io_context context(1);
  auto guard = boost::asio::make_work_guard(context);
  readiness_poller poller(context);
  socket_pair a_pair;
  socket_pair b_pair;
  // Each one's first edge closes the other's socket and drops the only
  // reference the test keeps, as a session take-over does; the batch holds
  // both ready edges, so the second handled belongs to a dropped object.
  std::vector<std::string> log;
  auto a = std::make_shared<probe>(a_pair.ours, &log, "a");
  auto b = std::make_shared<probe>(b_pair.ours, &log, "b");
  ASSERT_TRUE(poller.add(a->fd(), *a));
  ASSERT_TRUE(poller.add(b->fd(), *b));
  int handled = 0;
  auto finish_other = [&](std::shared_ptr<probe>& other) {
    ++handled;
    if (other) {
      other->close_socket();
      other.reset();
    }
    if (handled == 2) context.stop();
  };
  a->on_first = [&] { finish_other(b); };
  b->on_first = [&] { finish_other(a); };
  a_pair.send_byte();
  b_pair.send_byte();
  poller.run();
  EXPECT_EQ(handled, 2);
  // Both edges were handed out before either connection went (the second
  // handled drops the first in turn); they went once the batch let go.
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0].substr(2), "edge");
  EXPECT_EQ(log[1].substr(2), "edge");
  EXPECT_EQ(log[2].substr(2), "destroyed");
  EXPECT_EQ(log[3].substr(2), "destroyed");
}

TEST(ReadinessPoller, APostFromAnotherThreadWakesTheBlockedLoop) {
  io_workers workers(1);
  workers.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let it block
  std::promise<std::thread::id> ran;
  workers.post(0, [&] { ran.set_value(std::this_thread::get_id()); });
  auto future = ran.get_future();
  ASSERT_EQ(future.wait_for(deadline), std::future_status::ready);
  EXPECT_NE(future.get(), std::this_thread::get_id());
  workers.stop();
}

TEST(ReadinessPoller, AnAsioTimerWakesTheBlockedLoop) {
  io_workers workers(1);
  workers.start();
  std::promise<void> fired;
  // Scheduled from this thread: only the io_context's timer descriptor,
  // nested in the loop's set, can wake the worker for it.
  workers.post_after(0, std::chrono::milliseconds(20), [&] { fired.set_value(); });
  ASSERT_EQ(fired.get_future().wait_for(deadline), std::future_status::ready);
  workers.stop();
}

TEST(ReadinessPoller, StopEndsABlockedLoop) {
  io_workers workers(2);
  workers.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto stopped = std::async(std::launch::async, [&] { workers.stop(); });
  EXPECT_EQ(stopped.wait_for(deadline), std::future_status::ready);
}

}  // namespace
}  // namespace tern::net
