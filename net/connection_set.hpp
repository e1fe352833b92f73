#pragma once
// The live connections of each worker, so shutdown can reach them all.
// Slot i is touched only by worker i.

#include <unordered_set>
#include <vector>

namespace tern::net {

class tcp_connection;

class connection_set {
 public:
  explicit connection_set(unsigned workers) : per_worker_(workers) {}
  void add(unsigned worker, tcp_connection* c) { per_worker_[worker].insert(c); }
  void remove(unsigned worker, tcp_connection* c) { per_worker_[worker].erase(c); }
  const std::unordered_set<tcp_connection*>& of(unsigned worker) const {
    return per_worker_[worker];
  }

 private:
  std::vector<std::unordered_set<tcp_connection*>> per_worker_;
};

}  // namespace tern::net
