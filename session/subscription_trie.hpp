#pragma once
// Every subscription of every session, indexed for matching a topic name
// against all filters at once.
//
// Matching rules (spec 4.7; statement ids use the 3.1.1 numbering, as
// mqtt/codec/topic.hpp does):
// - Levels are split on '/', and empty levels are levels: "a//b" has three,
//   "/finance" has two, the first empty (4.7.1.1). Levels compare byte for
//   byte, case-sensitive, with no normalization [MQTT-4.7.3-4].
// - '+' matches exactly one level, an empty one included: "+/+" matches
//   "/finance", "+" does not [MQTT-4.7.1-3].
// - '#' matches any number of levels, zero included, so "sport/#" also
//   matches "sport" (its parent level) and "#" matches everything
//   [MQTT-4.7.1-2].
// - Filters starting with a wildcard never match topic names starting with
//   '$' [MQTT-4.7.2-1]: filters whose first level starts with '$' live
//   under their own root, which has no '+' or '#' child, and a '$' topic is
//   matched against that root only.
// - "$share/{group}/{filter}" (v5 4.8.2) is stored at {filter}'s node, in a
//   shared_group keyed by {group}; the group, not each member, is a match.
// - A subscriber has at most one subscription per exact filter string
//   ("$share/g/a" and "a" are different filters); subscribing again
//   replaces it [MQTT-3.8.4-3].
// - Overlapping filters of one subscriber each produce a match; merging
//   them (max QoS, all identifiers, spec 3.3.4) is the router's job.
//
// Structure: one node per filter level, literal children in a level_map
// (a short array or a hash map, looked up by string_view), dedicated '+'
// and '#' child slots. Nodes left empty by unsubscribe are pruned at once.
// Matching walks the trie level by level with a frontier of nodes kept in
// match_result, so once the caller's match_result has grown it allocates
// nothing and copies no string; all walks are iterative, so a filter or
// topic with 30,000 levels cannot overflow the stack.
//
// Threads: not thread-safe. The caller serializes subscribe/unsubscribe
// with an exclusive lock; match() is const and touches no shared state (its
// scratch space is in match_result), so concurrent match() calls may share
// a reader lock. Pointers in a match_result stay valid until the next
// subscribe/unsubscribe.
//
// Preconditions: filters are valid (mqtt::is_valid_topic_filter) and topic
// names are valid (mqtt::is_valid_topic_name); the codec checks both.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "session/shared_group.hpp"
#include "session/subscription_entry.hpp"

namespace tern::broker {

namespace detail {
struct trie_node;
}

// What a topic matched. Keep one per thread and reuse it: match() clears it
// and only grows its vectors.
struct match_result {
  std::vector<const subscription_entry*> direct;  // one per matching filter
  std::vector<shared_group*> shared;              // pick one member per group

  void clear() noexcept {
    direct.clear();
    shared.clear();
  }

 private:
  friend class subscription_trie;
  std::vector<const detail::trie_node*> frontier_;  // scratch of match()
  std::vector<const detail::trie_node*> next_frontier_;
};

class subscription_trie {
 public:
  subscription_trie();
  ~subscription_trie();
  subscription_trie(const subscription_trie&) = delete;
  subscription_trie& operator=(const subscription_trie&) = delete;

  // `filter` is the filter as subscribed, possibly "$share/group/f". True
  // when it replaced `entry.subscriber`'s subscription on that exact filter
  // [MQTT-3.8.4-3].
  bool subscribe(std::string_view filter, const subscription_entry& entry);

  // True if `who` was subscribed to exactly `filter` [MQTT-3.10.4-1].
  bool unsubscribe(std::string_view filter, subscriber_id who);

  // Every subscription whose filter matches the topic name `topic`.
  void match(std::string_view topic, match_result& out) const;

  // The subscription of `who` on exactly `filter`, or null.
  const subscription_entry* find(std::string_view filter, subscriber_id who) const noexcept;

  // The group of "$share/{group}/{filter}", or null when it has no member
  // (or `share_filter` is not shared). Like match(), it hands out a
  // non-const group so the caller may pick a member under a reader lock.
  shared_group* find_group(std::string_view share_filter) const noexcept;

  std::size_t size() const noexcept { return size_; }  // subscriptions
  bool empty() const noexcept { return size_ == 0; }
  // Nodes below the roots; shows pruning in tests and size in metrics.
  std::size_t node_count() const noexcept { return nodes_; }

 private:
  std::unique_ptr<detail::trie_node> root_;         // filters not starting with '$'
  std::unique_ptr<detail::trie_node> dollar_root_;  // filters starting with '$'
  std::size_t size_ = 0;
  std::size_t nodes_ = 0;
};

}  // namespace tern::broker
