#pragma once
// Reading the line-oriented files mosquitto uses for passwords and ACLs,
// and splitting what is on their lines.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::auth {

// The whole file; throws file_error naming it when it cannot be read.
std::string read_text_file(const std::filesystem::path& file);

// Calls `fn(line, number)` for each line that is neither blank nor a
// comment ('#' first), numbered from 1, without surrounding white space
// (so CRLF files read like LF ones).
void for_each_line(std::string_view text,
                   const std::function<void(std::string_view, std::size_t)>& fn);

// `text` without leading and trailing spaces, tabs, CR and LF.
std::string_view trim_blanks(std::string_view text);

// The parts of `text` between `separator`s ("a/b" -> a, b; "" -> one empty
// part), for hash fields and topic levels.
std::vector<std::string_view> split(std::string_view text, char separator);

}  // namespace tern::auth
