#pragma once
// Topic aliases a v5 client set up towards us (spec 3.3.2.3.4): alias
// numbers 1..maximum, each naming the topic of the last PUBLISH that carried
// it. Lives for one network connection only [MQTT-3.3.2-7].

#include <cstdint>
#include <string>
#include <vector>

namespace tern::mqtt {

class topic_alias_map {
 public:
  void reset(std::uint16_t maximum) {
    topics_.clear();
    maximum_ = maximum;
  }
  std::uint16_t maximum() const noexcept { return maximum_; }
  bool in_range(std::uint16_t alias) const noexcept { return alias != 0 && alias <= maximum_; }

  void set(std::uint16_t alias, const std::string& topic) {
    if (topics_.size() < alias) topics_.resize(alias);
    topics_[alias - 1] = topic;
  }
  // nullptr when the alias was never set on this connection.
  const std::string* find(std::uint16_t alias) const noexcept {
    if (alias == 0 || alias > topics_.size() || topics_[alias - 1].empty()) return nullptr;
    return &topics_[alias - 1];
  }

 private:
  std::vector<std::string> topics_;
  std::uint16_t maximum_ = 0;
};

}  // namespace tern::mqtt
