#include "net/readiness_poller.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>

#include <boost/asio/detail/epoll_reactor.hpp>

#include "net/connection.hpp"

namespace tern::net {
namespace {
using asio_reactor = boost::asio::detail::epoll_reactor;

// Asio keeps the epoll descriptor its reactor blocks on private. Access
// checks do not apply to the names in an explicit instantiation
// ([temp.spec.general]/6), so instantiating this template with a pointer
// to that member, and letting a friend hand the pointer out, reads it
// without relying on the class's layout. Compiles only while Boost names
// the member epoll_fd_ (Debian 12: Boost 1.81).
int asio_reactor::*reactor_epoll_fd();
template <int asio_reactor::*Member>
struct reactor_epoll_fd_access {
  friend int asio_reactor::*reactor_epoll_fd() { return Member; }
};
template struct reactor_epoll_fd_access<&asio_reactor::epoll_fd_>;

[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Sockets handled per wake-up; more wait for the next (the set is polled
// again at once).
constexpr int batch_size = 256;
}  // namespace

readiness_poller::readiness_poller(boost::asio::io_context& context)
    : context_(context), epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)), wake_fd_(-1) {
  if (epoll_fd_ < 0) fail("epoll_create1");
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    ::close(epoll_fd_);
    fail("eventfd");
  }
  auto& reactor = boost::asio::use_service<asio_reactor>(context);
  reactor.init_task();  // the io_context polls its reactor from now on
  // Level-triggered, both: the loop returns while either has something,
  // until io_context::poll() (or the read below) consumes it.
  epoll_event asio_events{};
  asio_events.events = EPOLLIN;
  asio_events.data.ptr = nullptr;
  epoll_event wake_events{};
  wake_events.events = EPOLLIN;
  wake_events.data.ptr = &wake_fd_;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, reactor.*reactor_epoll_fd(), &asio_events) != 0 ||
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake_events) != 0) {
    const int error = errno;
    ::close(wake_fd_);
    ::close(epoll_fd_);
    errno = error;
    fail("epoll_ctl");
  }
}

readiness_poller::~readiness_poller() {
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

bool readiness_poller::add(int fd, connection& c) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = &c;
  return ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

void readiness_poller::run() {
  while (!context_.stopped()) {
    context_.poll();  // what is ready, and what that posts in turn
    if (context_.stopped()) break;
    wait_and_dispatch();
  }
}

void readiness_poller::wake() noexcept {
  if (wake_pending_.exchange(true)) return;
  const std::uint64_t one = 1;
  // Cannot fail short of a full counter, which a pending wake-up makes moot.
  [[maybe_unused]] auto written = ::write(wake_fd_, &one, sizeof one);
}

void readiness_poller::wait_and_dispatch() {
  std::array<epoll_event, batch_size> events;
  const int n = ::epoll_wait(epoll_fd_, events.data(), batch_size, -1);
  // Every connection in the batch is held before any is told: handling one
  // may finish another (a session take-over), which then lets go of itself.
  // A connection closes its socket, and so leaves the set, before it can be
  // destroyed, so each one here is alive until then.
  for (int i = 0; i < n; ++i) {
    void* tag = events[i].data.ptr;
    if (tag == &wake_fd_) {
      std::uint64_t count;
      [[maybe_unused]] auto read = ::read(wake_fd_, &count, sizeof count);
      // Cleared before the next poll(): a post after this writes again. An
      // exchange, to see what the posts that found a wake-up pending posted.
      wake_pending_.exchange(false);
      held_.push_back(nullptr);
    } else if (tag == nullptr) {
      held_.push_back(nullptr);  // the io_context's: its poll() takes it
    } else {
      held_.push_back(static_cast<connection*>(tag)->shared_connection());
    }
  }
  for (int i = 0; i < n; ++i) {
    if (auto& c = held_[static_cast<std::size_t>(i)]) c->on_ready(events[i].events);
  }
  held_.clear();
}

}  // namespace tern::net
