#include "session/subscription_trie.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "session/level_map.hpp"
#include "session/level_splitter.hpp"

namespace tern::broker {

namespace detail {

struct trie_node {
  using child_map = level_map<trie_node>;

  std::unique_ptr<child_map> children;  // allocated for inner nodes only
  std::unique_ptr<trie_node> plus;      // the '+' level
  std::unique_ptr<trie_node> hash;      // the '#' level, always a leaf
  subscriber_list subscribers;
  std::vector<std::unique_ptr<shared_group>> groups;

  bool has_subscriptions() const noexcept { return !subscribers.empty() || !groups.empty(); }
  std::size_t child_count() const noexcept {
    return (children ? children->size() : 0) + (plus ? 1 : 0) + (hash ? 1 : 0);
  }
  bool unused() const noexcept { return !has_subscriptions() && child_count() == 0; }

  const trie_node* find_child(std::string_view level) const {
    if (!children) return nullptr;
    const auto it = children->find(level);
    return it == children->end() ? nullptr : &it->second;
  }

  shared_group* find_group(std::string_view name) const noexcept {
    for (const auto& g : groups) {
      if (g->name() == name) return g.get();
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

// Which child slot of `parent` leads down the path; enough to erase it.
struct child_slot {
  trie_node* parent = nullptr;
  enum class kind : std::uint8_t { literal, plus, hash } which = kind::literal;
  trie_node::child_map::iterator it{};
};

void erase_child(const child_slot& slot) {
  switch (slot.which) {
    case child_slot::kind::plus:
      slot.parent->plus.reset();
      break;
    case child_slot::kind::hash:
      slot.parent->hash.reset();
      break;
    case child_slot::kind::literal:
      slot.parent->children->erase(slot.it);
      if (slot.parent->children->empty()) slot.parent->children.reset();
      break;
  }
}

// Finds the child for `level` without creating it; null when absent.
trie_node* step(trie_node& n, std::string_view level, child_slot& slot) {
  slot.parent = &n;
  if (level == "+") {
    slot.which = child_slot::kind::plus;
    return n.plus.get();
  }
  if (level == "#") {
    slot.which = child_slot::kind::hash;
    return n.hash.get();
  }
  slot.which = child_slot::kind::literal;
  if (!n.children) return nullptr;
  slot.it = n.children->find(level);
  return slot.it == n.children->end() ? nullptr : &slot.it->second;
}

trie_node& step_or_create(trie_node& n, std::string_view level, std::size_t& created) {
  const auto make = [&created] {
    auto child = std::make_unique<trie_node>();
    ++created;
    return child;
  };
  if (level == "+") {
    if (!n.plus) n.plus = make();
    return *n.plus;
  }
  if (level == "#") {
    if (!n.hash) n.hash = make();
    return *n.hash;
  }
  if (!n.children) n.children = std::make_unique<trie_node::child_map>();
  if (const auto it = n.children->find(level); it != n.children->end()) return it->second;
  trie_node& child = n.children->try_emplace(std::string(level)).first->second;
  ++created;
  return child;
}

void collect(const trie_node& n, match_result& out) {
  for (const subscription_entry& e : n.subscribers.entries())
    out.direct.push_back(&e);
  for (const auto& g : n.groups)
    out.shared.push_back(g.get());
}

// Tears a subtree down without recursing, so that depth costs no stack.
// Each node's own children are detached before the node is destroyed.
void destroy(std::unique_ptr<trie_node> root) {
  std::vector<std::unique_ptr<trie_node>> nodes;
  std::vector<std::unique_ptr<trie_node::child_map>> maps;
  const auto detach = [&](trie_node& n) {
    if (n.children) maps.push_back(std::move(n.children));
    if (n.plus) nodes.push_back(std::move(n.plus));
    if (n.hash) nodes.push_back(std::move(n.hash));
  };
  if (root) nodes.push_back(std::move(root));
  while (!nodes.empty() || !maps.empty()) {
    if (!nodes.empty()) {
      std::unique_ptr<trie_node> n = std::move(nodes.back());
      nodes.pop_back();
      detach(*n);
    } else {
      std::unique_ptr<trie_node::child_map> m = std::move(maps.back());
      maps.pop_back();
      for (auto& [level, child] : *m)
        detach(child);
    }
  }
}

}  // namespace

subscription_trie::subscription_trie()
    : root_(std::make_unique<trie_node>()), dollar_root_(std::make_unique<trie_node>()) {}

subscription_trie::~subscription_trie() {
  destroy(std::move(root_));
  destroy(std::move(dollar_root_));
}

bool subscription_trie::subscribe(std::string_view filter, const subscription_entry& entry) {
  const parsed_filter f = parse(filter);
  trie_node* n = is_dollar(f.filter) ? dollar_root_.get() : root_.get();
  level_splitter levels(f.filter);
  while (!levels.done())
    n = &step_or_create(*n, levels.next(), nodes_);

  bool replaced = false;
  if (f.group) {
    shared_group* g = n->find_group(*f.group);
    if (!g) {
      n->groups.push_back(std::make_unique<shared_group>(std::string(*f.group)));
      g = n->groups.back().get();
    }
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
  // The deepest slot whose subtree holds nothing but the path to the
  // target: if the target ends up unused, erasing that slot prunes every
  // node the path no longer needs, in one pass and without a path stack.
  child_slot cut;
  std::size_t depth = 0;
  std::size_t cut_depth = 0;
  level_splitter levels(f.filter);
  while (!levels.done()) {
    child_slot slot;
    trie_node* child = step(*n, levels.next(), slot);
    if (!child) return false;
    if (n == root || n->has_subscriptions() || n->child_count() > 1) {
      cut = slot;
      cut_depth = depth;
    }
    n = child;
    ++depth;
  }

  if (f.group) {
    const auto it = std::find_if(n->groups.begin(), n->groups.end(),
                                 [&](const auto& g) { return g->name() == *f.group; });
    if (it == n->groups.end() || !(*it)->members_.erase(who)) return false;
    if ((*it)->members_.empty()) n->groups.erase(it);
  } else if (!n->subscribers.erase(who)) {
    return false;
  }
  --size_;
  if (n->unused()) {
    erase_child(cut);
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
      if (const trie_node* child = n->find_child(level)) next.push_back(child);
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
    child_slot slot;
    n = step(*n, levels.next(), slot);
    if (!n) return nullptr;
  }
  if (!f.group) return n->subscribers.find(who);
  const shared_group* g = n->find_group(*f.group);
  return g ? g->members_.find(who) : nullptr;
}

}  // namespace tern::broker
