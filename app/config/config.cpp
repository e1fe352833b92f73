#include "app/config/config.hpp"

#include <string>

#include "app/config/config_parser.hpp"

namespace tern::app {

config load_config_file(const std::filesystem::path& file, const build_features& built) {
  config c;
  detail::config_parser parser(c, built);
  parser.set_main_file(file);
  parser.parse_file(file, 0, "");
  parser.finish();
  return c;
}

config parse_config(std::string_view text, std::string_view source_name,
                    const build_features& built) {
  config c;
  detail::config_parser parser(c, built);
  parser.parse_text(text, std::string(source_name), 0);
  parser.finish();
  return c;
}

std::filesystem::path persistence_path(const config& c) {
  if (c.persistence_location.empty()) return c.persistence_file;
  return std::filesystem::path(c.persistence_location) / c.persistence_file;
}

}  // namespace tern::app
