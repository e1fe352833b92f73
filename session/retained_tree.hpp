#pragma once
// Retained messages (spec 3.3.1.3), one per topic name, in a tree with one
// node per topic level, so that a new subscription finds the messages its
// filter matches without scanning every retained topic.
//
// A node is the slot and a level_map of children (one pointer, null for a
// leaf), stored by value in its parent's level_map.
// Topics are not stored whole: match() rebuilds each matching topic in one
// buffer while it walks.
//
// Matching follows the subscription trie's rules (subscription_trie.hpp):
// '+' is exactly one level, empty ones included [MQTT-4.7.1-3]; '#' is any
// number of levels, zero included ("a/#" matches "a") [MQTT-4.7.1-2];
// topics starting with '$' live under their own root and are never matched
// by a filter starting with a wildcard [MQTT-4.7.2-1]. Emptied nodes are
// pruned on erase. All walks are iterative: depth costs no stack.
//
// Slot: what a topic holds, stored by value in its node; a
// default-constructed Slot is "no message", and `bool(slot)` tells whether
// there is one (a shared_ptr qualifies). Copies of a slot are what find()
// and match() hand out, so a slot should be cheap to copy (a pointer, an id).
//
// Threads: not thread-safe; the caller holds the lock (exclusive for set,
// erase, slot() and clear; const members may share a reader lock).
//
// Preconditions: topics are valid topic names and filters valid filters
// without "$share/" (retained messages go to new non-shared subscriptions
// only, v5 3.3.1.3); the codec checks both.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "session/level_map.hpp"
#include "session/level_splitter.hpp"

namespace tern::broker {

template <class Slot>
class retained_tree {
 public:
  retained_tree() = default;
  ~retained_tree() { clear(); }
  retained_tree(const retained_tree&) = delete;
  retained_tree& operator=(const retained_tree&) = delete;
  retained_tree(retained_tree&& other) noexcept
      : root_(std::move(other.root_)),
        dollar_root_(std::move(other.dollar_root_)),
        size_(std::exchange(other.size_, 0)),
        nodes_(std::exchange(other.nodes_, 0)) {}
  retained_tree& operator=(retained_tree&& other) {
    if (this != &other) {
      clear();  // iteratively, before the members are overwritten
      root_ = std::move(other.root_);
      dollar_root_ = std::move(other.dollar_root_);
      size_ = std::exchange(other.size_, 0);
      nodes_ = std::exchange(other.nodes_, 0);
    }
    return *this;
  }

  // Stores `value` as the retained message of `topic`, replacing any; true
  // when it replaced one. An empty `value` erases instead.
  bool set(std::string_view topic, Slot value) {
    if (!value) {
      erase(topic);
      return false;
    }
    node* n = &root_for(topic);
    level_splitter levels(topic);
    while (!levels.done()) {
      auto [child, is_new] = n->children.emplace(levels.next());
      if (is_new) ++nodes_;
      n = child;
    }
    const bool replaced = static_cast<bool>(n->value);
    n->value = std::move(value);
    if (!replaced) ++size_;
    return replaced;
  }

  // True when `topic` had a retained message.
  bool erase(std::string_view topic) {
    node* const root = &root_for(topic);
    node* n = root;
    // The deepest child whose subtree holds only the path to `topic`:
    // erasing it prunes every node the path no longer needs, in one pass.
    node* cut_parent = nullptr;
    std::string_view cut_level;
    std::size_t depth = 0;
    std::size_t cut_depth = 0;
    level_splitter levels(topic);
    while (!levels.done()) {
      const std::string_view level = levels.next();
      node* child = n->children.find(level);
      if (!child) return false;
      if (n == root || n->value || n->children.size() > 1) {
        cut_parent = n;
        cut_level = level;
        cut_depth = depth;
      }
      n = child;
      ++depth;
    }
    if (!n->value) return false;
    n->value = Slot{};
    --size_;
    if (n->children.empty()) {
      cut_parent->children.erase(cut_level);
      nodes_ -= depth - cut_depth;
    }
    return true;
  }

  // The retained message of exactly `topic`, or an empty slot.
  Slot find(std::string_view topic) const {
    const node* n = &root_for(topic);
    level_splitter levels(topic);
    while (!levels.done()) {
      n = n->children.find(levels.next());
      if (!n) return Slot{};
    }
    return n->value;
  }

  // The slot of exactly `topic` for changing in place, or null when it has
  // no message. The caller must not empty it (erase() prunes the path).
  Slot* slot(std::string_view topic) {
    node* n = &root_for(topic);
    level_splitter levels(topic);
    while (!levels.done()) {
      n = n->children.find(levels.next());
      if (!n) return nullptr;
    }
    return n->value ? &n->value : nullptr;
  }

  // Calls visit(std::string_view topic, const Slot& value) for every
  // retained topic matching `filter`. `topic` is valid during the call only;
  // `visit` must not modify the tree (collect, then act after the walk).
  template <class Visitor>
  void match(std::string_view filter, Visitor&& visit) const {
    std::string topic;
    walk(root_for(filter), level_splitter(filter), false, topic, visit);
  }

  // Calls visit(topic, value) for every retained topic, '$' ones included
  // (e.g. to persist them all).
  template <class Visitor>
  void for_each(Visitor&& visit) const {
    std::string topic;
    walk(root_, level_splitter(""), true, topic, visit);
    walk(dollar_root_, level_splitter(""), true, topic, visit);
  }

  std::size_t size() const noexcept { return size_; }  // retained topics
  bool empty() const noexcept { return size_ == 0; }
  // Nodes below the roots; shows pruning in tests and size in metrics.
  std::size_t node_count() const noexcept { return nodes_; }

  void clear() {
    destroy(root_);
    destroy(dollar_root_);
    size_ = 0;
    nodes_ = 0;
  }

 private:
  struct node {
    Slot value;  // empty for a level with no message
    level_map<node> children;
  };
  using child_iterator = typename level_map<node>::const_iterator;

  // [MQTT-4.7.2-1]: filters and topics starting with '$' use their own root,
  // so a leading wildcard, which always goes to root_, never reaches them.
  node& root_for(std::string_view text) noexcept {
    return !text.empty() && text.front() == '$' ? dollar_root_ : root_;
  }
  const node& root_for(std::string_view text) const noexcept {
    return !text.empty() && text.front() == '$' ? dollar_root_ : root_;
  }

  // A node whose children are still being visited.
  struct frame {
    child_iterator next, end;
    std::size_t topic_size;  // length of the node's topic in the buffer
    bool is_root;            // children of a root get no leading '/'
    bool whole_subtree;      // below a '#': every descendant matches
    level_splitter levels;   // the filter levels left for the children
  };

  // Visits what `levels` matches below `start`, or its whole subtree.
  template <class Visitor>
  static void walk(const node& start, level_splitter levels, bool whole_subtree, std::string& topic,
                   Visitor& visit) {
    std::vector<frame> stack;
    topic.clear();
    const auto push = [&](const node& n, bool is_root, bool subtree, level_splitter rest) {
      if (!n.children.empty()) {
        stack.push_back(
            frame{n.children.begin(), n.children.end(), topic.size(), is_root, subtree, rest});
      }
    };
    // Matches `n` against the remaining filter: emits its value if the
    // filter ends here, follows a literal level straight down, and leaves a
    // frame when several children must be visited ('+', '#').
    const auto enter = [&](const node* n, bool is_root, level_splitter rest, bool subtree) {
      for (;;) {
        if (subtree) {
          if (n->value) visit(std::string_view(topic), n->value);
          push(*n, is_root, true, rest);
          return;
        }
        if (rest.done()) {
          if (n->value) visit(std::string_view(topic), n->value);
          return;
        }
        const std::string_view level = rest.next();
        if (level == "#") {
          subtree = true;  // "a/#" matches "a" too [MQTT-4.7.1-2]
          continue;
        }
        if (level == "+") {  // any one level, empty included [MQTT-4.7.1-3]
          push(*n, is_root, false, rest);
          return;
        }
        const node* child = n->children.find(level);
        if (!child) return;
        append_level(topic, is_root, level);
        n = child;
        is_root = false;
      }
    };
    enter(&start, true, levels, whole_subtree);
    while (!stack.empty()) {
      frame& f = stack.back();
      if (f.next == f.end) {
        stack.pop_back();
        continue;
      }
      const auto [level, child] = *f.next;
      ++f.next;
      topic.resize(f.topic_size);
      append_level(topic, f.is_root, level);
      enter(&child, false, f.levels, f.whole_subtree);  // may grow the stack: f is dead
    }
  }

  static void append_level(std::string& topic, bool parent_is_root, std::string_view level) {
    if (!parent_is_root) topic += '/';
    topic += level;
  }

  // Frees a subtree without recursing: each node's children are detached
  // before the map holding the node is destroyed.
  static void destroy(node& root) {
    std::vector<level_map<node>> maps;
    root.value = Slot{};
    if (!root.children.empty()) maps.push_back(std::move(root.children));
    while (!maps.empty()) {
      level_map<node> m = std::move(maps.back());
      maps.pop_back();
      m.for_each([&maps](std::string_view, node& child) {
        if (!child.children.empty()) maps.push_back(std::move(child.children));
      });
    }
  }

  node root_;         // topics not starting with '$'
  node dollar_root_;  // topics starting with '$'
  std::size_t size_ = 0;
  std::size_t nodes_ = 0;
};

}  // namespace tern::broker
