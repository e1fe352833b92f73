#pragma once
// mosquitto's psk_file: one `identity:key` per line, the key in hex
// (mosquitto.conf(5)); `#` starts a comment line, blank lines are skipped.
// Read at start-up and on SIGHUP; immutable once read, so any thread may
// read a psk_table.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tern::tls {

using psk_table = std::unordered_map<std::string, std::vector<std::uint8_t>>;

// Throws setup_error naming FILE:LINE and what to change.
psk_table read_psk_file(const std::filesystem::path& file);
// The same from text; `source` names it in messages.
psk_table parse_psk_text(std::string_view text, std::string_view source);

}  // namespace tern::tls
