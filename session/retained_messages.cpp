#include "session/retained_messages.hpp"

#include <utility>

namespace tern::broker {

void retained_messages::set(const mqtt::message_ptr& m) {
  const auto& topic = m->packet.topic;
  std::lock_guard lock(mutex_);
  if (const retained_entry* old = tree_.slot(topic); old != nullptr && old->held) --held_;
  if (m->packet.payload.empty()) {
    tree_.erase(topic);
    return;
  }
  tree_.set(topic, retained_entry{m, m->id});
  ++held_;
}

void retained_messages::restore(std::string_view topic, std::uint64_t id) {
  std::lock_guard lock(mutex_);
  if (const retained_entry* old = tree_.slot(topic); old != nullptr && old->held) --held_;
  tree_.set(topic, retained_entry{nullptr, id});
}

void retained_messages::stored(std::string topic, std::uint64_t id, std::uint64_t position) {
  std::lock_guard lock(mutex_);
  pending_.push_back({std::move(topic), id, position});
}

void retained_messages::release_committed(std::uint64_t committed) {
  std::lock_guard lock(mutex_);
  while (!pending_.empty() && pending_.front().position <= committed) {
    const auto& p = pending_.front();
    retained_entry* e = tree_.slot(p.topic);
    if (e != nullptr && e->id == p.id && e->held) {
      e->held.reset();
      --held_;
    }
    pending_.pop_front();
  }
}

retained_matches retained_messages::match(std::string_view filter) const {
  retained_matches out;
  std::lock_guard lock(mutex_);
  tree_.match(filter, [&](std::string_view topic, const retained_entry& e) {
    if (e.held) {
      out.held.push_back(e.held);
    } else {
      out.stored_topics.emplace_back(topic);
      out.stored_ids.push_back(e.id);
    }
  });
  return out;
}

bool retained_messages::is_current(std::string_view topic, std::uint64_t id) const {
  std::lock_guard lock(mutex_);
  const retained_entry e = tree_.find(topic);
  return e && e.id == id;
}

std::size_t retained_messages::size() const {
  std::lock_guard lock(mutex_);
  return tree_.size();
}

std::size_t retained_messages::held_count() const {
  std::lock_guard lock(mutex_);
  return held_;
}

}  // namespace tern::broker
