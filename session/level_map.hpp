#pragma once
// The children of a trie node, keyed by topic level.
//
// The hash and equality are transparent, so a lookup takes the string_view
// of a level straight out of a topic and allocates nothing. Children are
// stored in the map's own nodes: their addresses stay stable across
// rehashing, and a child costs one allocation, not two.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tern::broker {

struct level_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view level) const noexcept {
    return std::hash<std::string_view>{}(level);
  }
};

template <class Node>
using level_map = std::unordered_map<std::string, Node, level_hash, std::equal_to<>>;

}  // namespace tern::broker
