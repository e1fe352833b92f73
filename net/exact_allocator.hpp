#pragma once
// A plain operator-new allocator of its own type, for Asio handlers.
//
// Asio allocates an operation's memory from a small per-thread cache of
// recycled blocks whenever a handler's associated allocator is
// std::allocator; a recycled block may be much larger than the operation
// (an accept operation's, say). That is right for short-lived operations,
// but a connection's read wait stays pending for as long as the connection
// is idle, so it is allocated at its exact size instead: a distinct
// allocator type bypasses the cache.
//
// Thread: stateless; any.

#include <cstddef>
#include <new>

namespace tern::net {

template <class T>
struct exact_allocator {
  using value_type = T;

  exact_allocator() noexcept = default;
  template <class U>
  exact_allocator(const exact_allocator<U>&) noexcept {}

  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p); }

  template <class U>
  bool operator==(const exact_allocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace tern::net
