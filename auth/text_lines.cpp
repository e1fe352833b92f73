#include "auth/text_lines.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "auth/auth_file_error.hpp"

namespace tern::auth {

std::string read_text_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw file_error(file.string(), std::string("cannot be read (") + std::strerror(errno) +
                                        "); check the path and its permissions");
  }
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

std::string_view trim_blanks(std::string_view text) {
  constexpr std::string_view blanks = " \t\r\n";
  const auto first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

void for_each_line(std::string_view text,
                   const std::function<void(std::string_view, std::size_t)>& fn) {
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const auto end = text.find('\n');
    const auto line = trim_blanks(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty() || line.front() == '#') continue;
    fn(line, number);
  }
}

}  // namespace tern::auth
