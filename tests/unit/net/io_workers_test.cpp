// io_workers: what other threads post() to a worker runs there, all of it,
// in the order each poster posted; a post made by a running task runs
// later, not inside it; what was never run is dropped with the contexts.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "net/io_workers.hpp"

namespace tern::net {
namespace {

// Waits (bounded) until `done` holds.
template <class Predicate>
bool eventually(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST(IoWorkers, PostsFromManyThreadsAllRunOnTheTargetInEachPostersOrder) {
  io_workers workers(2);
  workers.start();
  constexpr int posters = 4;
  constexpr int per_poster = 20'000;
  std::mutex mutex;
  std::vector<std::vector<int>> seen(posters);  // per poster, in run order
  std::atomic<int> wrong_worker{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < posters; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < per_poster; ++i) {
        workers.post(1, [&, p, i] {
          if (workers.current() != 1) ++wrong_worker;
          std::lock_guard lock(mutex);
          seen[p].push_back(i);
        });
      }
    });
  }
  for (auto& t : threads)
    t.join();
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    for (const auto& s : seen)
      if (s.size() != per_poster) return false;
    return true;
  }));
  workers.stop();
  EXPECT_EQ(wrong_worker.load(), 0);
  for (int p = 0; p < posters; ++p) {
    for (int i = 0; i < per_poster; ++i) {
      ASSERT_EQ(seen[p][i], i) << "poster " << p << " out of order";
    }
  }
  workers.destroy_contexts();
}

TEST(IoWorkers, APostFromARunningTaskRunsAfterIt) {
  io_workers workers(1);
  workers.start();
  std::mutex mutex;
  std::vector<int> order;
  std::atomic<bool> done{false};
  workers.post(0, [&] {
    workers.post(0, [&] {
      std::lock_guard lock(mutex);
      order.push_back(2);
      done = true;
    });
    std::lock_guard lock(mutex);
    order.push_back(1);
  });
  ASSERT_TRUE(eventually([&] { return done.load(); }));
  workers.stop();
  std::lock_guard lock(mutex);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  workers.destroy_contexts();
}

// A worker's deferred posts to another wait in its write_coalescer while it
// posted there less than a window ago; the last one still waiting can take
// more work, which runs in its place: after what was deferred before it,
// before what is posted after it.
TEST(IoWorkers, AnUnsentDeferredTaskTakesMoreWorkInItsPlace) {
  io_workers workers(2);
  workers.start();
  std::mutex mutex;
  std::vector<int> order;
  std::atomic<bool> done{false};
  struct appendable {
    std::vector<int> values;
    std::vector<int>* order;
    std::mutex* mutex;
    void operator()() const {
      std::lock_guard lock(*mutex);
      order->insert(order->end(), values.begin(), values.end());
    }
  };
  bool none_before = false;
  bool merged = false;
  workers.post(0, [&] {
    none_before = workers.unsent_deferred(1) == nullptr;
    // The first goes at once (worker 1 was quiet); the second waits.
    workers.post_deferred(1, appendable{{1}, &order, &mutex});
    workers.post_deferred(1, appendable{{2}, &order, &mutex});
    std::function<void()>* unsent = workers.unsent_deferred(1);
    auto* task = unsent != nullptr ? unsent->target<appendable>() : nullptr;
    merged = task != nullptr;
    if (task != nullptr) task->values.push_back(3);
    // An immediate post sends what waits first, so it runs after it.
    workers.post(1, [&] {
      {
        std::lock_guard lock(mutex);
        order.push_back(4);
      }
      done = true;
    });
  });
  ASSERT_TRUE(eventually([&] { return done.load(); }));
  workers.stop();
  EXPECT_TRUE(none_before);
  EXPECT_TRUE(merged) << "the second deferred task waited and could take more";
  std::lock_guard lock(mutex);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));
  workers.destroy_contexts();
}

// Never started: nothing runs, and destroy_contexts() destroys what was
// posted (its captures are released), including what a task's destructor
// posts on its way out.
TEST(IoWorkers, WhatNeverRanIsDroppedWithTheContexts) {
  io_workers workers(2);
  auto held = std::make_shared<int>(7);
  bool ran = false;
  struct posts_on_destruction {
    io_workers* workers;
    std::shared_ptr<int> held;
    posts_on_destruction(io_workers* w, std::shared_ptr<int> h) : workers(w), held(std::move(h)) {}
    posts_on_destruction(const posts_on_destruction&) = default;  // std::function's demand
    posts_on_destruction(posts_on_destruction&& o) noexcept = default;
    ~posts_on_destruction() {
      if (workers != nullptr && held) workers->post(0, [h = held] {});
    }
    void operator()() const {}
  };
  workers.post(0, [held, &ran] { ran = true; });
  workers.post(1, posts_on_destruction(&workers, held));  // posts to 0 as it goes
  EXPECT_GT(held.use_count(), 1);
  workers.destroy_contexts();
  EXPECT_FALSE(ran);
  EXPECT_EQ(held.use_count(), 1) << "every undrained task destroyed";
}

}  // namespace
}  // namespace tern::net
