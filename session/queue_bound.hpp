#pragma once
// A bound on a session's queue of messages waiting for it (in memory and on
// disk); 0: no bound.

#include <cstddef>

namespace tern::broker {

struct queue_bound {
  std::size_t messages = 0;
  std::size_t bytes = 0;  // payload bytes
};

}  // namespace tern::broker
