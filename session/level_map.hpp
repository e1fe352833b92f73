#pragma once
// The children of a trie or tree node, keyed by topic level.
//
// Eight bytes in the node: one pointer, null for a leaf, to either a small
// array of (level, child) pairs scanned linearly or, past `small_limit`
// children, a hash map. Topic trees are mostly leaves and chains of
// one-child levels ("devices/{id}/state"), where a hash map would cost more
// than the child itself (56-byte map plus a 13-bucket array); wide levels
// ("devices/{id}") get O(1) lookup.
//
// Lookups take the string_view of a level straight out of a topic and
// allocate nothing. Children are stored by value: a child may move when its
// siblings change, so references to children are valid only until the next
// emplace() or erase() on the same map.
//
// Not thread-safe: the owning structure's lock covers it.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>

namespace tern::broker {

struct level_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view level) const noexcept {
    return std::hash<std::string_view>{}(level);
  }
};

template <class Node>
class level_map {
  using entry = std::pair<std::string, Node>;
  using large_table = std::unordered_map<std::string, Node, level_hash, std::equal_to<>>;

 public:
  // Linear scan up to here: a few length checks and short compares beat
  // hashing the level. A large table turns small again at half of it.
  static constexpr std::size_t small_limit = 8;

  // What iteration yields.
  struct child {
    std::string_view level;
    const Node& node;
  };

  class const_iterator {
   public:
    child operator*() const {
      if (small_) return {small_->first, small_->second};
      return {large_->first, large_->second};
    }
    const_iterator& operator++() {
      if (small_) {
        ++small_;
      } else {
        ++large_;
      }
      return *this;
    }
    bool operator==(const const_iterator&) const = default;

   private:
    friend class level_map;
    const entry* small_ = nullptr;
    typename large_table::const_iterator large_{};
  };

  level_map() = default;
  ~level_map() { reset(); }
  level_map(level_map&& other) noexcept : bits_(std::exchange(other.bits_, 0)) {}
  level_map& operator=(level_map&& other) noexcept {
    if (this != &other) {
      reset();
      bits_ = std::exchange(other.bits_, 0);
    }
    return *this;
  }
  level_map(const level_map&) = delete;
  level_map& operator=(const level_map&) = delete;

  bool empty() const noexcept { return bits_ == 0; }
  std::size_t size() const noexcept {
    if (const small_block* s = small()) return s->size;
    if (const large_table* l = large()) return l->size();
    return 0;
  }

  Node* find(std::string_view level) noexcept {
    return const_cast<Node*>(std::as_const(*this).find(level));
  }
  const Node* find(std::string_view level) const noexcept {
    if (const small_block* s = small()) {
      for (const entry& e : s->entries()) {
        if (e.first == level) return &e.second;
      }
      return nullptr;
    }
    if (const large_table* l = large()) {
      const auto it = l->find(level);
      return it == l->end() ? nullptr : &it->second;
    }
    return nullptr;
  }

  // The child for `level`, default-constructed if new; true if new.
  std::pair<Node*, bool> emplace(std::string_view level) {
    if (Node* existing = find(level)) return {existing, false};
    std::string key(level);
    const std::size_t n = size();
    if (n < small_limit && !large()) {
      small_block* grown = small_block::create(n + 1);  // exact fit: sizes stay small
      if (small_block* s = small()) {
        s->move_to(*grown);
        small_block::destroy(s);
      }
      set_small(grown);
      entry& e = grown->append(std::move(key));
      return {&e.second, true};
    }
    if (small()) promote();
    return {&large()->try_emplace(std::move(key)).first->second, true};
  }

  // True if `level` was there. The child's own children go with it.
  bool erase(std::string_view level) {
    if (small_block* s = small()) {
      if (!s->erase(level)) return false;
      if (s->size == 0) reset();
      return true;
    }
    if (large_table* l = large()) {
      const auto it = l->find(level);
      if (it == l->end()) return false;
      l->erase(it);
      if (l->size() <= small_limit / 2) demote();
      return true;
    }
    return false;
  }

  // Calls f(std::string_view level, Node& child) for each child.
  template <class F>
  void for_each(F&& f) {
    if (small_block* s = small()) {
      for (entry& e : s->entries())
        f(std::string_view(e.first), e.second);
    } else if (large_table* l = large()) {
      for (auto& [key, node] : *l)
        f(std::string_view(key), node);
    }
  }

  const_iterator begin() const noexcept {
    const_iterator it;
    if (const small_block* s = small()) {
      it.small_ = s->entries().data();
    } else if (const large_table* l = large()) {
      it.large_ = l->begin();
    }
    return it;
  }
  const_iterator end() const noexcept {
    const_iterator it;
    if (const small_block* s = small()) {
      it.small_ = s->entries().data() + s->size;
    } else if (const large_table* l = large()) {
      it.large_ = l->end();
    }
    return it;
  }

 private:
  // Up to small_limit entries in one allocation: this header, then the
  // entries (a std::vector would add a 24-byte header allocation to every
  // node with children). Entries [0, size) are alive.
  struct small_block {
    std::uint32_t size = 0;
    std::uint32_t capacity = 0;

    static constexpr std::size_t entries_offset =
        (sizeof(std::uint64_t) + alignof(entry) - 1) / alignof(entry) * alignof(entry);

    static small_block* create(std::size_t capacity) {
      static_assert(sizeof(small_block) <= entries_offset);
      static_assert(alignof(entry) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
      void* raw = ::operator new(entries_offset + capacity * sizeof(entry));
      auto* b = ::new (raw) small_block;
      b->capacity = static_cast<std::uint32_t>(capacity);
      return b;
    }
    static void destroy(small_block* b) noexcept {
      std::destroy_n(b->data(), b->size);
      b->~small_block();
      ::operator delete(static_cast<void*>(b));
    }

    entry* data() noexcept {
      return std::launder(
          reinterpret_cast<entry*>(reinterpret_cast<std::byte*>(this) + entries_offset));
    }
    const entry* data() const noexcept { return const_cast<small_block*>(this)->data(); }
    std::span<entry> entries() noexcept { return {data(), size}; }
    std::span<const entry> entries() const noexcept { return {data(), size}; }

    // Precondition: size < capacity.
    entry& append(std::string&& key) noexcept {
      entry* e = ::new (static_cast<void*>(data() + size)) entry(std::move(key), Node{});
      ++size;
      return *e;
    }
    // Moves every entry into `to`, which has room; leaves this empty.
    void move_to(small_block& to) noexcept {
      static_assert(
          std::is_nothrow_move_constructible_v<entry> && std::is_nothrow_move_assignable_v<entry>,
          "entries are moved with no way back");
      std::uninitialized_move_n(data(), size, to.data() + to.size);
      std::destroy_n(data(), size);
      to.size += size;
      size = 0;
    }
    bool erase(std::string_view level) noexcept {
      entry* const first = data();
      entry* const last = first + size - 1;
      for (entry* e = first; e <= last; ++e) {
        if (e->first != level) continue;
        if (e != last) *e = std::move(*last);
        std::destroy_at(last);
        --size;
        return true;
      }
      return false;
    }
  };
  // bits_: 0, a small_block*, or a large_table* with the low bit set (both
  // come from operator new, so their low bits are 0).
  static constexpr std::uintptr_t large_bit = 1;

  small_block* small() const noexcept {
    return bits_ != 0 && (bits_ & large_bit) == 0 ? reinterpret_cast<small_block*>(bits_) : nullptr;
  }
  large_table* large() const noexcept {
    return (bits_ & large_bit) != 0 ? reinterpret_cast<large_table*>(bits_ & ~large_bit) : nullptr;
  }
  void set_small(small_block* s) noexcept { bits_ = reinterpret_cast<std::uintptr_t>(s); }
  void set_large(large_table* l) noexcept {
    bits_ = reinterpret_cast<std::uintptr_t>(l) | large_bit;
  }

  void reset() noexcept {
    if (small_block* s = small()) small_block::destroy(s);
    if (large_table* l = large()) delete l;
    bits_ = 0;
  }

  // Moving children cannot fail, but building the new table allocates; out
  // of memory here terminates rather than leaving children half-moved.
  void promote() noexcept {
    auto l = std::make_unique<large_table>();
    l->reserve(small_limit * 2);
    for (entry& e : small()->entries())
      l->try_emplace(std::move(e.first), std::move(e.second));
    small_block::destroy(small());
    set_large(l.release());
  }

  void demote() noexcept {
    large_table* l = large();
    small_block* s = small_block::create(l->size());
    for (auto it = l->begin(); it != l->end();) {
      auto handle = l->extract(it++);
      s->append(std::move(handle.key())).second = std::move(handle.mapped());
    }
    delete l;
    set_small(s);
  }

  std::uintptr_t bits_ = 0;
};

}  // namespace tern::broker
