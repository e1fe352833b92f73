#include "session/commit_gate.hpp"

#include <algorithm>

#include "session/client_handler.hpp"

namespace tern::broker {

void commit_gate::wait(std::uint64_t position, unsigned worker, std::weak_ptr<client_handler> h) {
  std::vector<waiter> ready;
  {
    std::lock_guard lock(mutex_);
    // Checked under the lock that committed() takes, so a commit between
    // the caller's check and this registration is not missed.
    if (committed_.load(std::memory_order_relaxed) >= position) {
      ready.push_back({position, worker, std::move(h)});
    } else {
      waiting_.push_back({position, worker, std::move(h)});
    }
  }
  wake(ready);
}

void commit_gate::committed(std::uint64_t position) {
  std::vector<waiter> ready;
  {
    std::lock_guard lock(mutex_);
    committed_.store(position, std::memory_order_release);
    auto done = std::partition(waiting_.begin(), waiting_.end(),
                               [&](const waiter& w) { return w.position > position; });
    ready.assign(std::make_move_iterator(done), std::make_move_iterator(waiting_.end()));
    waiting_.erase(done, waiting_.end());
  }
  wake(ready);
}

void commit_gate::wake(std::vector<waiter>& ready) {
  if (ready.empty()) return;
  std::sort(ready.begin(), ready.end(),
            [](const waiter& a, const waiter& b) { return a.worker < b.worker; });
  for (auto first = ready.begin(); first != ready.end();) {
    auto last = std::find_if(first, ready.end(),
                             [&](const waiter& w) { return w.worker != first->worker; });
    std::vector<std::weak_ptr<client_handler>> handlers;
    handlers.reserve(static_cast<std::size_t>(last - first));
    for (auto it = first; it != last; ++it)
      handlers.push_back(std::move(it->handler));
    workers_.post(first->worker, [handlers = std::move(handlers)] {
      for (const auto& weak : handlers)
        if (auto h = weak.lock()) h->commit_reached();
    });
    first = last;
  }
}

}  // namespace tern::broker
