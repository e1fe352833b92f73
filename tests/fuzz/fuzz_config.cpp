// libFuzzer target for the mosquitto.conf reader (app/config): text in, a
// config or a config_error out. A user can write anything in that file, so
// any other outcome (another exception, a crash, a hang, a leak) is a bug:
// STYLE.md section 6 wants every error a user can cause to end in a message
// that says what to change, here a config_error whose what() names the line.
//
// Lines naming include_dir are skipped (the input is refused): they would
// read whatever directory the text names on the machine running the fuzzer.
// The config's own checks of paths (certfile, persistence_location, ...) only
// look at the strings, they open nothing.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "app/config/config.hpp"
#include "app/config/config_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text.find("include_dir") != std::string_view::npos) return 0;
  try {
    const tern::app::config c = tern::app::parse_config(text, "fuzz.conf");
    for (const auto& note : c.notes) {
      if (!note.starts_with("fuzz.conf")) {
        std::fprintf(stderr, "fuzz_config: a note without its location: %s\n", note.c_str());
        std::abort();
      }
    }
  } catch (const tern::app::config_error& e) {
    if (std::string_view(e.what()).empty()) {
      std::fprintf(stderr, "fuzz_config: a config_error without a message\n");
      std::abort();
    }
  }
  return 0;
}
