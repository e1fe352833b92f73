#include "app/config/value_reader.hpp"

#include <charconv>
#include <limits>
#include <system_error>

#include <fmt/format.h>

#include "app/config/config_error.hpp"

namespace tern::app::detail {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string number_range(std::uint64_t min, std::uint64_t max, bool minus_one_is_zero) {
  std::string text = max == std::numeric_limits<std::uint64_t>::max()
                         ? fmt::format("a whole number of {} or more", min)
                         : fmt::format("a whole number from {} to {}", min, max);
  if (minus_one_is_zero) text += " (0 or -1: no limit)";
  return text;
}

}  // namespace

void fail(const directive& d, const std::string& message) {
  throw config_error(d.where, message);
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_blank(text[i]))
      ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_blank(text[i]))
      ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

void drop_trailing_comment(std::vector<std::string_view>& words, std::size_t first) {
  for (std::size_t i = first; i < words.size(); ++i) {
    if (words[i].front() == '#') {
      words.resize(i);
      return;
    }
  }
}

std::string read_string(const directive& d) {
  if (d.value.empty()) fail(d, fmt::format("`{0}` has no value; write `{0} VALUE`", d.name));
  return d.value;
}

std::string_view read_word(const directive& d, std::string_view expected) {
  auto words = split_words(d.value);
  drop_trailing_comment(words, 1);
  if (words.empty()) fail(d, fmt::format("`{}` has no value; give {}", d.name, expected));
  if (words.size() > 1)
    fail(d, fmt::format("`{}` takes one value but got '{}'; give {}", d.name, d.value, expected));
  return words.front();
}

bool read_bool(const directive& d) {
  const std::string_view word = read_word(d, "true or false");
  // mosquitto also accepts 1 and 0; so does tern, so existing files still load.
  if (word == "true" || word == "1") return true;
  if (word == "false" || word == "0") return false;
  fail(d, fmt::format("`{}`: '{}' is not a boolean; write true or false", d.name, word));
}

std::uint64_t to_number(const directive& d, std::string_view word, std::uint64_t min,
                        std::uint64_t max, bool minus_one_is_zero) {
  const std::string expected = number_range(min, max, minus_one_is_zero);
  if (word == "-1" && minus_one_is_zero) return 0;
  if (!word.empty() && word.front() == '-') {
    fail(d, fmt::format("`{}`: '{}' is negative; give {}", d.name, word, expected));
  }
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec == std::errc::result_out_of_range) {
    fail(d, fmt::format("`{}`: '{}' is too large; give {}", d.name, word, expected));
  }
  if (ec != std::errc() || end != word.data() + word.size()) {
    fail(d, fmt::format("`{}`: '{}' is not a whole number; give {}", d.name, word, expected));
  }
  if (value < min || value > max) {
    fail(d, fmt::format("`{}`: {} is out of range; give {}", d.name, word, expected));
  }
  return value;
}

std::uint64_t read_number(const directive& d, std::uint64_t min, std::uint64_t max,
                          bool minus_one_is_zero) {
  const std::string_view word = read_word(d, number_range(min, max, minus_one_is_zero));
  return to_number(d, word, min, max, minus_one_is_zero);
}

std::string one_of(std::initializer_list<std::string_view> choices) {
  std::string text;
  std::size_t i = 0;
  for (std::string_view choice : choices) {
    if (i > 0) text += i + 1 == choices.size() ? " or " : ", ";
    text += choice;
    ++i;
  }
  return text;
}

std::string read_choice(const directive& d, std::initializer_list<std::string_view> choices) {
  const std::string expected = one_of(choices);
  const std::string_view word = read_word(d, expected);
  for (std::string_view choice : choices) {
    if (word == choice) return std::string(choice);
  }
  fail(d, fmt::format("`{}`: '{}' is not supported; use {}", d.name, word, expected));
}

std::uint64_t read_duration(const directive& d) {
  constexpr std::string_view expected =
      "a number followed by h, d, w, m or y (hours, days, weeks, 30-day months, 365-day "
      "years), e.g. 14d";
  const std::string_view word = read_word(d, expected);
  std::uint64_t unit = 0;
  switch (word.back()) {
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = 86400 * 7;
      break;
    case 'm':
      unit = 86400 * 30;
      break;
    case 'y':
      unit = 86400 * 365;
      break;
    default:
      fail(d, fmt::format("`{}`: '{}' has no unit; give {}", d.name, word, expected));
  }
  const std::string_view digits = word.substr(0, word.size() - 1);
  std::uint64_t count = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (ec != std::errc() || end != digits.data() + digits.size() || count == 0 ||
      count > std::numeric_limits<std::uint64_t>::max() / unit) {
    fail(d, fmt::format("`{}`: '{}' is not a valid duration; give {}", d.name, word, expected));
  }
  return count * unit;
}

}  // namespace tern::app::detail
