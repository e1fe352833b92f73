#include "net/connection_set.hpp"

#include "net/connection.hpp"

namespace tern::net {

void connection_set::advance(unsigned worker, clock::time_point now) {
  of(worker).advance(now, [now](connection& c) { c.on_deadline(now); });
}

std::vector<std::shared_ptr<connection>> connection_set::all(unsigned worker) {
  std::vector<std::shared_ptr<connection>> out;
  out.reserve(of(worker).size());
  of(worker).for_each([&](connection& c) { out.push_back(c.shared_connection()); });
  return out;
}

}  // namespace tern::net
