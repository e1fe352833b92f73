// config_parser: the settings of websockets listeners that mosquitto 2.0
// does not have (websockets_origin is mosquitto 2.1's). Checked here, with
// the line, so that what net/ later parses is known to be well formed.

#include <arpa/inet.h>

#include <string>

#include <fmt/format.h>

#include "app/config/config_parser.hpp"

namespace tern::app::detail {
namespace {

bool is_ip(const std::string& text) {
  in6_addr v6{};
  in_addr v4{};
  return inet_pton(AF_INET, text.c_str(), &v4) == 1 || inet_pton(AF_INET6, text.c_str(), &v6) == 1;
}

// "ADDRESS" or "ADDRESS/PREFIX".
void check_proxy(const directive& d, std::string_view word) {
  const auto slash = word.find('/');
  const std::string address(word.substr(0, slash));
  if (!is_ip(address)) {
    fail(d, fmt::format("`websockets_trusted_proxy`: '{}' is not an IP address or network; write "
                        "e.g. 127.0.0.1, ::1 or 10.0.0.0/8",
                        word));
  }
  if (slash != std::string_view::npos) {
    const bool v6 = address.find(':') != std::string::npos;
    to_number(d, word.substr(slash + 1), 0, v6 ? 128 : 32);
  }
}

// An Origin as browsers send it: scheme://host[:port], or "null" (file:
// pages, sandboxed frames).
void check_origin(const directive& d, std::string_view word) {
  if (word == "null") return;
  const auto scheme_end = word.find("://");
  const bool ok = scheme_end != std::string_view::npos && scheme_end > 0 &&
                  scheme_end + 3 < word.size() && word.find('/', scheme_end + 3) == word.npos;
  if (!ok) {
    fail(d, fmt::format("`websockets_origin`: '{}' is not an origin; write the scheme, host and "
                        "any port the browser shows, without a path, e.g. https://app.example "
                        "or http://localhost:8080",
                        word));
  }
}

}  // namespace

void config_parser::set_websockets_option(listener_config& l, seen_map& seen, const directive& d) {
  const std::string_view n = d.name;
  if (n == "websockets_path") {
    const std::string path(read_word(d, "a path such as /mqtt"));
    if (path.front() != '/' || path.find('?') != std::string::npos) {
      fail(d, fmt::format("`websockets_path`: '{}' is not a path; write one that starts with /, "
                          "such as /mqtt (leave the line out to accept any path)",
                          path));
    }
    read_once(seen, d);
    l.websockets_path = path;
    return;
  }
  // Repeatable, and several values may share a line.
  auto words = split_words(d.value);
  drop_trailing_comment(words, 1);
  if (words.empty()) {
    fail(d, n == "websockets_origin"
                ? std::string("`websockets_origin` has no value; write e.g. `websockets_origin "
                              "https://app.example`")
                : std::string("`websockets_trusted_proxy` has no value; write e.g. "
                              "`websockets_trusted_proxy 127.0.0.1`"));
  }
  for (std::string_view word : words) {
    if (n == "websockets_origin") {
      check_origin(d, word);
      l.websockets_origins.emplace_back(word);
    } else {
      check_proxy(d, word);
      l.websockets_trusted_proxies.emplace_back(word);
    }
  }
  seen[d.name] = d.where;
}

}  // namespace tern::app::detail
