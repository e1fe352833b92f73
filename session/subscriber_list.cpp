#include "session/subscriber_list.hpp"

#include <algorithm>

namespace tern::broker {

std::size_t subscriber_list::position_of(subscriber_id who) const noexcept {
  if (index_) {
    const auto it = index_->find(who);
    return it == index_->end() ? entries_.size() : it->second;
  }
  const auto it = std::find_if(entries_.begin(), entries_.end(),
                               [who](const subscription_entry& e) { return e.subscriber == who; });
  return static_cast<std::size_t>(it - entries_.begin());
}

const subscription_entry* subscriber_list::find(subscriber_id who) const noexcept {
  const std::size_t pos = position_of(who);
  return pos == entries_.size() ? nullptr : &entries_[pos];
}

bool subscriber_list::insert_or_replace(const subscription_entry& entry) {
  const std::size_t pos = position_of(entry.subscriber);
  if (pos != entries_.size()) {
    entries_[pos] = entry;
    return true;
  }
  entries_.push_back(entry);
  if (index_) {
    index_->emplace(entry.subscriber, static_cast<std::uint32_t>(pos));
  } else if (entries_.size() > index_threshold) {
    index_ = std::make_unique<std::unordered_map<subscriber_id, std::uint32_t>>();
    index_->reserve(entries_.size() * 2);
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      index_->emplace(entries_[i].subscriber, static_cast<std::uint32_t>(i));
    }
  }
  return false;
}

bool subscriber_list::erase(subscriber_id who) {
  const std::size_t pos = position_of(who);
  if (pos == entries_.size()) return false;
  const std::size_t last = entries_.size() - 1;
  if (pos != last) {
    entries_[pos] = entries_[last];
    if (index_) (*index_)[entries_[pos].subscriber] = static_cast<std::uint32_t>(pos);
  }
  entries_.pop_back();
  if (index_) {
    index_->erase(who);
    // Hysteresis: a list hovering around the threshold must not rebuild
    // its index on every subscribe/unsubscribe pair.
    if (entries_.size() < index_threshold / 2) index_.reset();
  }
  if (entries_.empty()) {
    entries_.shrink_to_fit();  // the node may live on with other content
  } else if (entries_.capacity() > 64 && entries_.size() < entries_.capacity() / 4) {
    entries_.shrink_to_fit();
  }
  return true;
}

}  // namespace tern::broker
