#pragma once
// Turns mosquitto.conf-syntax text into a config. Internal to tern_config:
// use load_config_file / parse_config. One parser reads one configuration
// (the main file and its include_dir files) on one thread, at start-up.
//
// Theory of operation. A line is `name value...`; blank lines and lines whose
// first non-blank character is '#' are skipped (mosquitto has no comments at
// the end of a line, except after single-word values: `sys_interval 10 # s`).
// `listener` opens a listener section and `connection` a bridge section; a
// section lasts until the next section line or the end of its file, and an
// included file starts with none open, as in mosquitto. Where each directive
// may appear is its scope in directive_table.cpp; a directive of a feature
// this build left out is refused at its line before anything else
// (config_features.cpp); values are checked as they are read
// (value_reader.cpp). Checks that need several lines (certfile needs
// keyfile, a bridge needs an address) and defaults that depend on the whole
// configuration run once, in finish().

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config/config.hpp"
#include "app/config/value_reader.hpp"

namespace tern::app::detail {

struct directive_info;

class config_parser {
 public:
  config_parser(config& out, const build_features& built) : out_(out), built_(built) {}

  // The main configuration file, so include_dir can refuse to read it twice.
  void set_main_file(const std::filesystem::path& file) { main_file_ = file; }

  // depth 0 is the main file; include_dir is only honoured there.
  void parse_text(std::string_view text, const std::string& source, int depth);
  void parse_file(const std::filesystem::path& file, int depth, const std::string& where);
  void finish();

 private:
  // directive name -> "file:line" of its latest line in one scope.
  using seen_map = std::map<std::string, std::string, std::less<>>;

  // What the lines of one file currently apply to.
  struct section {
    int depth = 0;
    std::optional<std::size_t> listener;  // index into out_.listeners
    std::optional<std::size_t> bridge;    // index into out_.bridges
  };

  void apply(section& s, const directive& d);
  void open_listener(section& s, const directive& d);
  void open_bridge(section& s, const directive& d);
  void include_dir(const section& s, const directive& d);
  void apply_global(const directive& d);
  void apply_ignored(const directive& d);
  void apply_security(const section& s, const directive& d);
  void apply_listener(std::size_t i, const directive& d);
  void apply_bridge(std::size_t i, const directive& d);
  void set_per_listener_settings(const directive& d);
  void set_log_dest(const directive& d);
  void set_log_type(const directive& d);
  void set_websockets_option(listener_config& l, seen_map& seen, const directive& d);
  // Refuse, at its line, a setting of what this build left out
  // (config_features.cpp).
  void require_built(const directive& d, const directive_info& info) const;
  void require_built_protocol(const directive& d, std::string_view protocol) const;
  std::size_t listener_for(const section& s, const directive& d, std::string_view why) const;

  // Records d in `seen`; for strings, whose duplicates mosquitto rejects too.
  std::string read_once(seen_map& seen, const directive& d);

  void check_listener(std::size_t i) const;
  void check_bridge(std::size_t i) const;
  void check_persistence();

  config& out_;
  build_features built_;
  std::optional<std::filesystem::path> main_file_;
  seen_map global_seen_;
  std::vector<seen_map> listener_seen_;  // parallel to out_.listeners
  std::vector<seen_map> bridge_seen_;    // parallel to out_.bridges
  bool allow_anonymous_given_ = false;
  std::string first_security_line_;  // where the first security setting was
};

}  // namespace tern::app::detail
