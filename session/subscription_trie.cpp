#include "session/subscription_trie.hpp"

#include <forward_list>
#include <iterator>
#include <optional>
#include <string>
#include <utility>

#include "session/level_map.hpp"
#include "session/level_splitter.hpp"

namespace tern::broker {

namespace detail {

// 64 bytes; most nodes are leaves or one-child links, so everything that is
// usually absent costs one null pointer.
struct trie_node {
  level_map<trie_node> children;    // literal levels
  std::unique_ptr<trie_node> plus;  // the '+' level
  std::unique_ptr<trie_node> hash;  // the '#' level, always a leaf
  subscriber_list subscribers;
  std::forward_list<shared_group> groups;  // rare; stable addresses

  bool has_subscriptions() const noexcept { return !subscribers.empty() || !groups.empty(); }
  std::size_t child_count() const noexcept {
    return children.size() + (plus ? 1 : 0) + (hash ? 1 : 0);
  }
  bool unused() const noexcept { return !has_subscriptions() && child_count() == 0; }

  shared_group* find_group(std::string_view name) noexcept {
    for (shared_group& g : groups) {
      if (g.name() == name) return &g;
    }
    return nullptr;
  }
};

}  // namespace detail

namespace {

using detail::trie_node;

struct parsed_filter {
  std::optional<std::string_view> group;  // set for "$share/{group}/..."
  std::string_view filter;                // what the levels are matched on
};

// The codec has validated the syntax [MQTT-4.8.2-1] [MQTT-4.8.2-2]; this
// only splits it, so the trie needs no codec function at run time.
parsed_filter parse(std::string_view filter) noexcept {
  constexpr std::string_view prefix = "$share/";
  if (filter.starts_with(prefix)) {
    const std::string_view rest = filter.substr(prefix.size());
    const std::size_t slash = rest.find('/');
    if (slash != std::string_view::npos) return {rest.substr(0, slash), rest.substr(slash + 1)};
  }
  return {std::nullopt, filter};
}

bool is_dollar(std::string_view text) noexcept {
  return !text.empty() && text.front() == '$';
}

// The child of `n` for a filter level, or null.
trie_node* find_child(trie_node& n, std::string_view level) noexcept {
  if (level == "+") return n.plus.get();
  if (level == "#") return n.hash.get();
  return n.children.find(level);
}

trie_node& find_or_create_child(trie_node& n, std::string_view level, std::size_t& created) {
  std::unique_ptr<trie_node>* slot = level == "+" ? &n.plus : level == "#" ? &n.hash : nullptr;
  if (slot) {
    if (!*slot) {
      *slot = std::make_unique<trie_node>();
      ++created;
    }
    return **slot;
  }
  auto [child, is_new] = n.children.emplace(level);
  if (is_new) ++created;
  return *child;
}

void erase_child(trie_node& n, std::string_view level) {
  if (level == "+") {
    n.plus.reset();
  } else if (level == "#") {
    n.hash.reset();
  } else {
    n.children.erase(level);
  }
}

void collect(const trie_node& n, match_result& out) {
  for (const subscription_entry& e : n.subscribers.entries())
    out.direct.push_back(&e);
  // The groups are owned by the trie, not by this const walk: picking a
  // member advances the group's cursor (see shared_group.hpp).
  for (const shared_group& g : n.groups)
    out.shared.push_back(const_cast<shared_group*>(&g));
}

// Tears the trie down without recursing, so that depth costs no stack:
// each node's children are detached before the node is destroyed.
void destroy(trie_node& root) {
  std::vector<std::unique_ptr<trie_node>> nodes;
  std::vector<level_map<trie_node>> maps;
  const auto detach = [&](trie_node& n) {
    if (!n.children.empty()) maps.push_back(std::move(n.children));
    if (n.plus) nodes.push_back(std::move(n.plus));
    if (n.hash) nodes.push_back(std::move(n.hash));
  };
  detach(root);
  while (!nodes.empty() || !maps.empty()) {
    if (!nodes.empty()) {
      std::unique_ptr<trie_node> n = std::move(nodes.back());
      nodes.pop_back();
      detach(*n);
    } else {
      level_map<trie_node> m = std::move(maps.back());
      maps.pop_back();
      m.for_each([&](std::string_view, trie_node& child) { detach(child); });
    }
  }
}

}  // namespace

subscription_trie::subscription_trie()
    : root_(std::make_unique<trie_node>()), dollar_root_(std::make_unique<trie_node>()) {}

subscription_trie::~subscription_trie() {
  destroy(*root_);
  destroy(*dollar_root_);
}

bool subscription_trie::subscribe(std::string_view filter, const subscription_entry& entry) {
  const parsed_filter f = parse(filter);
  trie_node* n = is_dollar(f.filter) ? dollar_root_.get() : root_.get();
  level_splitter levels(f.filter);
  while (!levels.done())
    n = &find_or_create_child(*n, levels.next(), nodes_);

  bool replaced = false;
  if (f.group) {
    shared_group* g = n->find_group(*f.group);
    if (!g) g = &n->groups.emplace_front(std::string(*f.group), std::string(filter));
    replaced = g->members_.insert_or_replace(entry);
  } else {
    replaced = n->subscribers.insert_or_replace(entry);
  }
  if (!replaced) ++size_;
  return replaced;
}

bool subscription_trie::unsubscribe(std::string_view filter, subscriber_id who) {
  const parsed_filter f = parse(filter);
  trie_node* const root = is_dollar(f.filter) ? dollar_root_.get() : root_.get();
  trie_node* n = root;
  // The deepest child whose subtree holds nothing but the path to the
  // target: if the target ends up unused, erasing that child prunes every
  // node the path no longer needs, in one pass and without a path stack.
  trie_node* cut_parent = nullptr;
  std::string_view cut_level;
  std::size_t depth = 0;
  std::size_t cut_depth = 0;
  level_splitter levels(f.filter);
  while (!levels.done()) {
    const std::string_view level = levels.next();
    trie_node* child = find_child(*n, level);
    if (!child) return false;
    if (n == root || n->has_subscriptions() || n->child_count() > 1) {
      cut_parent = n;
      cut_level = level;
      cut_depth = depth;
    }
    n = child;
    ++depth;
  }

  if (f.group) {
    auto before = n->groups.before_begin();
    auto it = std::next(before);
    while (it != n->groups.end() && it->name() != *f.group)
      before = it++;
    if (it == n->groups.end() || !it->members_.erase(who)) return false;
    if (it->members_.empty()) n->groups.erase_after(before);
  } else if (!n->subscribers.erase(who)) {
    return false;
  }
  --size_;
  if (n->unused()) {
    erase_child(*cut_parent, cut_level);
    nodes_ -= depth - cut_depth;  // the chain from below the cut to n
  }
  return true;
}

void subscription_trie::match(std::string_view topic, match_result& out) const {
  out.clear();
  auto& frontier = out.frontier_;
  auto& next = out.next_frontier_;
  frontier.clear();
  // [MQTT-4.7.2-1]: a '$' topic never meets the wildcard children of root_.
  frontier.push_back(is_dollar(topic) ? dollar_root_.get() : root_.get());

  level_splitter levels(topic);
  while (!levels.done()) {
    const std::string_view level = levels.next();
    next.clear();
    for (const trie_node* n : frontier) {
      // "x/#" matches every topic with more levels below x [MQTT-4.7.1-2].
      if (n->hash) collect(*n->hash, out);
      // '+' takes this level whatever it is, empty included [MQTT-4.7.1-3].
      if (n->plus) next.push_back(n->plus.get());
      if (const trie_node* child = n->children.find(level)) next.push_back(child);
    }
    std::swap(frontier, next);
    if (frontier.empty()) return;
  }
  for (const trie_node* n : frontier) {
    collect(*n, out);
    // "x/#" also matches x itself, the parent level [MQTT-4.7.1-2].
    if (n->hash) collect(*n->hash, out);
  }
}

const subscription_entry* subscription_trie::find(std::string_view filter,
                                                  subscriber_id who) const noexcept {
  const parsed_filter f = parse(filter);
  trie_node* n = is_dollar(f.filter) ? dollar_root_.get() : root_.get();
  level_splitter levels(f.filter);
  while (!levels.done()) {
    n = find_child(*n, levels.next());
    if (!n) return nullptr;
  }
  if (!f.group) return n->subscribers.find(who);
  const shared_group* g = n->find_group(*f.group);
  return g ? g->members_.find(who) : nullptr;
}

shared_group* subscription_trie::find_group(std::string_view share_filter) const noexcept {
  const parsed_filter f = parse(share_filter);
  if (!f.group) return nullptr;
  trie_node* n = is_dollar(f.filter) ? dollar_root_.get() : root_.get();
  level_splitter levels(f.filter);
  while (!levels.done()) {
    n = find_child(*n, levels.next());
    if (!n) return nullptr;
  }
  return n->find_group(*f.group);
}

}  // namespace tern::broker
