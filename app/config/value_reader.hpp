#pragma once
// Reading the value part of one configuration line. Every reader either
// returns a checked value or throws config_error naming the line, the
// directive, the bad value and what would be accepted. Internal to tern_config.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace tern::app::detail {

// One non-comment line of a configuration file.
struct directive {
  std::string name;   // first word
  std::string value;  // the rest of the line, without surrounding blanks; may be empty
  std::string where;  // "file:line"
};

[[noreturn]] void fail(const directive& d, const std::string& message);

// The words of `text`, split at blanks.
std::vector<std::string_view> split_words(std::string_view text);

// Drops the words from `first` on that start a `# comment`, as mosquitto does
// for words after the value (`listener 1883 # plain`).
void drop_trailing_comment(std::vector<std::string_view>& words, std::size_t first);

// The whole rest of the line (paths may contain blanks, as in mosquitto).
std::string read_string(const directive& d);

// Exactly one word (a trailing `# comment` is allowed). `expected` describes
// an acceptable value for the messages, e.g. "true or false".
std::string_view read_word(const directive& d, std::string_view expected);

bool read_bool(const directive& d);

// A whole number in [min, max]. With minus_one_is_zero, mosquitto's -1
// ("no limit") is accepted and returned as 0.
std::uint64_t read_number(const directive& d, std::uint64_t min, std::uint64_t max,
                          bool minus_one_is_zero = false);

// Checks one word (e.g. from split_words) the same way as read_number.
std::uint64_t to_number(const directive& d, std::string_view word, std::uint64_t min,
                        std::uint64_t max, bool minus_one_is_zero = false);

// One of `choices`, exactly as written.
std::string read_choice(const directive& d, std::initializer_list<std::string_view> choices);

// mosquitto's duration: a positive number followed by h, d, w, m (30 days) or
// y (365 days). Returns seconds.
std::uint64_t read_duration(const directive& d);

// "a, b or c"
std::string one_of(std::initializer_list<std::string_view> choices);

}  // namespace tern::app::detail
