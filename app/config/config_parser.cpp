#include "app/config/config_parser.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "app/config/directive_table.hpp"

namespace tern::app::detail {
namespace {

constexpr std::uint64_t u16_max = std::numeric_limits<std::uint16_t>::max();

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && is_blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back()))
    s.remove_suffix(1);
  return s;
}

// Our bug, not the user's: a directive in the table has no handler.
[[noreturn]] void unhandled(const directive& d) {
  throw std::logic_error("tern_config: no handler for directive " + d.name);
}

[[noreturn]] void reject_unknown(const directive& d) {
  if (const auto advice = unsupported_mosquitto_directive(d.name)) {
    fail(d, fmt::format("`{}` is a mosquitto directive that tern does not support; {}", d.name,
                        advice->empty() ? std::string_view("remove the line") : *advice));
  }
  if (const auto guess = closest_directive(d.name)) {
    fail(d, fmt::format("unknown directive `{}`; did you mean `{}`?", d.name, *guess));
  }
  fail(d, fmt::format("unknown directive `{}`; check its spelling in mosquitto.conf(5) or remove "
                      "the line",
                      d.name));
}

// mosquitto's include_dir order: alphabetical ignoring case, then upper case
// before lower case of the same letter (00.conf A.conf a.conf B.conf b.conf).
bool include_order(const std::string& a, const std::string& b) {
  const auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  if (std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                   [&](char x, char y) { return lower(x) < lower(y); })) {
    return true;
  }
  if (std::lexicographical_compare(b.begin(), b.end(), a.begin(), a.end(),
                                   [&](char x, char y) { return lower(x) < lower(y); })) {
    return false;
  }
  return a < b;
}

}  // namespace

// `where` is the include_dir line that names `file`, or empty for the main file.
void config_parser::parse_file(const std::filesystem::path& file, int depth,
                               const std::string& where) {
  const std::string location = where.empty() ? file.string() : where;
  const std::string subject = where.empty() ? std::string("config file") : file.string();
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    throw config_error(location,
                       fmt::format("cannot read {}: no such file; check the path", subject));
  }
  if (std::filesystem::is_directory(file, ec)) {
    throw config_error(location, fmt::format("{} is a directory; give a file", subject));
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    throw config_error(location, fmt::format("cannot read {}: {}; check its permissions", subject,
                                             std::generic_category().message(errno)));
  }
  parse_text(text.str(), file.string(), depth);
}

void config_parser::parse_text(std::string_view text, const std::string& source, int depth) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte order mark
  section s;
  s.depth = depth;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = trimmed(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;

    directive d;
    const auto name_end = std::find_if(line.begin(), line.end(), is_blank);
    d.name.assign(line.begin(), name_end);
    d.value = trimmed(line.substr(d.name.size()));
    d.where = fmt::format("{}:{}", source, line_number);
    apply(s, d);
  }
}

void config_parser::apply(section& s, const directive& d) {
  const directive_info* info = find_directive(d.name);
  if (info == nullptr) reject_unknown(d);
  require_built(d, *info);
  switch (info->scope) {
    case directive_scope::section:
      if (d.name == "listener") return open_listener(s, d);
      if (d.name == "connection") return open_bridge(s, d);
      return include_dir(s, d);
    case directive_scope::global:
      return apply_global(d);
    case directive_scope::ignored:
      return apply_ignored(d);
    case directive_scope::security:
      return apply_security(s, d);
    case directive_scope::listener:
      return apply_listener(listener_for(s, d, "is a listener setting"), d);
    case directive_scope::bridge:
      if (!s.bridge) {
        fail(d, fmt::format("`{}` is a bridge setting; put it after a `connection NAME` line",
                            d.name));
      }
      return apply_bridge(*s.bridge, d);
  }
  unhandled(d);
}

// Decision: a listener setting before the first `listener` line of its file
// is an error. mosquitto would apply it to its implicit default listener, but
// tern's built-in listener exists only when the file configures none, so the
// setting would otherwise be silently lost.
std::size_t config_parser::listener_for(const section& s, const directive& d,
                                        std::string_view why) const {
  if (s.bridge) {
    // mosquitto would still apply it to the latest listener, which is almost
    // never what a line inside a bridge section means.
    const bridge_config& b = out_.bridges[*s.bridge];
    std::string message = fmt::format(
        "`{}` {} but follows `connection {}` ({}); move it above that line, under its `listener`",
        d.name, why, b.name, b.source);
    if (d.name == "cafile" || d.name == "certfile" || d.name == "keyfile") {
      message += fmt::format(", or write bridge_{} for the bridge", d.name);
    }
    fail(d, message);
  }
  if (!s.listener) {
    std::string message = fmt::format(
        "`{}` {} but no listener is open in this file; put it after a `listener PORT` line", d.name,
        why);
    if (d.name == "max_connections") {
      message += " (or use global_max_connections for a limit on all listeners together)";
    }
    fail(d, message);
  }
  return *s.listener;
}

void config_parser::open_listener(section& s, const directive& d) {
  auto words = split_words(d.value);
  drop_trailing_comment(words, 1);
  constexpr std::string_view form = "write `listener PORT [BIND_ADDRESS]`";
  if (words.empty()) fail(d, fmt::format("`listener` has no port; {}", form));
  if (words.size() > 2) {
    fail(d, fmt::format("`listener {}` has too many values; {}", d.value, form));
  }
  if (words[0] == "0") {
    fail(d,
         "tern does not support Unix socket listeners (port 0); give a TCP port from 1 to "
         "65535");
  }
  listener_config l;
  l.port = static_cast<std::uint16_t>(to_number(d, words[0], 1, u16_max));
  if (words.size() == 2) l.bind_address = words[1];
  l.source = d.where;
  for (const listener_config& other : out_.listeners) {
    if (other.port == l.port && other.bind_address == l.bind_address) {
      fail(d, fmt::format("listener {} on {} is already declared at {}; remove one of them or "
                          "change the port or bind address",
                          l.port, l.bind_address.empty() ? "all addresses" : l.bind_address,
                          other.source));
    }
  }
  out_.listeners.push_back(std::move(l));
  listener_seen_.emplace_back();
  s.listener = out_.listeners.size() - 1;
  s.bridge.reset();
}

void config_parser::open_bridge(section& s, const directive& d) {
  auto words = split_words(d.value);
  drop_trailing_comment(words, 1);
  if (words.size() != 1) {
    fail(d, "`connection` needs one bridge name, one word; write e.g. `connection site-a`");
  }
  for (const bridge_config& other : out_.bridges) {
    if (other.name == words[0]) {
      fail(d, fmt::format("bridge `{}` is already declared at {}; give each connection its own "
                          "name",
                          other.name, other.source));
    }
  }
  bridge_config b;
  b.name = words[0];
  b.source = d.where;
  out_.bridges.push_back(std::move(b));
  bridge_seen_.emplace_back();
  s.bridge = out_.bridges.size() - 1;
}

void config_parser::include_dir(const section& s, const directive& d) {
  // mosquitto silently skips include_dir in an included file; tern says so.
  if (s.depth > 0) {
    fail(d, "include_dir is only read in the main configuration file; move this line there");
  }
  const std::filesystem::path dir = read_string(d);
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    fail(d, fmt::format("include_dir {}: no such directory; create it or correct the path",
                        dir.string()));
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    fail(d, fmt::format("include_dir {} is not a directory; give the directory that holds the "
                        ".conf files",
                        dir.string()));
  }
  std::vector<std::string> names;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code type_ec;
    if (name.size() > 5 && name.ends_with(".conf") && !it->is_directory(type_ec)) {
      names.push_back(name);
    }
  }
  if (ec) {
    fail(d, fmt::format("include_dir {}: cannot list it: {}; check its permissions", dir.string(),
                        ec.message()));
  }
  std::sort(names.begin(), names.end(), include_order);
  for (const std::string& name : names) {
    const std::filesystem::path file = dir / name;
    if (main_file_ && std::filesystem::equivalent(file, *main_file_, ec)) {
      fail(d, fmt::format("include_dir {} contains the main configuration file {}; move the "
                          "main file elsewhere or include another directory",
                          dir.string(), main_file_->string()));
    }
    parse_file(file, s.depth + 1, d.where);
  }
}

std::string config_parser::read_once(seen_map& seen, const directive& d) {
  if (const auto it = seen.find(d.name); it != seen.end()) {
    fail(d, fmt::format("`{}` is already set at {}; keep only one of the two lines", d.name,
                        it->second));
  }
  std::string value = read_string(d);
  seen.emplace(d.name, d.where);
  return value;
}

void config_parser::set_per_listener_settings(const directive& d) {
  const bool on = read_bool(d);
  if (out_.per_listener_settings && !on) {
    fail(d, fmt::format("per_listener_settings was set to true at {}; remove one of the lines",
                        global_seen_.at(d.name)));
  }
  if (on && !first_security_line_.empty()) {
    fail(d, fmt::format("`per_listener_settings true` must come before any allow_anonymous, "
                        "password_file, acl_file or psk_file line (the first is at {}); move it "
                        "to the top of the file",
                        first_security_line_));
  }
  out_.per_listener_settings = on;
  global_seen_.emplace(d.name, d.where);
}

void config_parser::apply_security(const section& s, const directive& d) {
  if (first_security_line_.empty()) first_security_line_ = d.where;
  if (!out_.per_listener_settings) {
    if (d.name == "allow_anonymous") {
      out_.allow_anonymous = read_bool(d);
      allow_anonymous_given_ = true;
      return;
    }
    std::string value = read_once(global_seen_, d);
    if (d.name == "password_file")
      out_.password_file = std::move(value);
    else if (d.name == "acl_file")
      out_.acl_file = std::move(value);
    else
      out_.psk_file = std::move(value);
    return;
  }
  const std::size_t i =
      listener_for(s, d, "applies to one listener with per_listener_settings true");
  listener_config& l = out_.listeners[i];
  if (d.name == "allow_anonymous") {
    l.allow_anonymous = read_bool(d);
    return;
  }
  std::string value = read_once(listener_seen_[i], d);
  if (d.name == "password_file")
    l.password_file = std::move(value);
  else if (d.name == "acl_file")
    l.acl_file = std::move(value);
  else
    l.psk_file = std::move(value);
}

}  // namespace tern::app::detail
