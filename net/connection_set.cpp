#include "net/connection_set.hpp"

#include "net/tcp_connection.hpp"

namespace tern::net {

void connection_set::advance(unsigned worker, clock::time_point now) {
  of(worker).advance(now, [now](tcp_connection& c) { c.on_deadline(now); });
}

std::vector<std::shared_ptr<tcp_connection>> connection_set::all(unsigned worker) {
  std::vector<std::shared_ptr<tcp_connection>> out;
  out.reserve(of(worker).size());
  of(worker).for_each([&](tcp_connection& c) {
    out.push_back(std::static_pointer_cast<tcp_connection>(c.shared_from_this()));
  });
  return out;
}

}  // namespace tern::net
