#pragma once
// Walks the levels of a topic name or filter without copying (spec 4.7.1).
//
// Every '/' separates two levels and empty levels are levels: "a//b" has
// three, "/a" and "a/" two each, "/" two empty ones. A string with no '/'
// is one level, even the empty string (callers never pass one: topic names
// and filters are at least one character [MQTT-4.7.3-1]).

#include <cstddef>
#include <string_view>

namespace tern::broker {

class level_splitter {
 public:
  explicit constexpr level_splitter(std::string_view text) noexcept : rest_(text) {}

  constexpr bool done() const noexcept { return done_; }

  // The next level. Precondition: !done().
  constexpr std::string_view next() noexcept {
    const std::size_t slash = rest_.find('/');
    if (slash == std::string_view::npos) {
      done_ = true;
      return rest_;
    }
    const std::string_view level = rest_.substr(0, slash);
    rest_.remove_prefix(slash + 1);
    return level;
  }

 private:
  std::string_view rest_;
  bool done_ = false;
};

}  // namespace tern::broker
