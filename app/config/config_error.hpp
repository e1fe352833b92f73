#pragma once
// The one exception type of the config reader. Thrown only at start-up, while
// the configuration is read (STYLE.md section 6); the app prints what() and
// exits.

#include <stdexcept>
#include <string>
#include <utility>

namespace tern::app {

// what() is "FILE:LINE: what is wrong; what to change". location() is the
// "FILE:LINE" part alone (just "FILE" when no line is involved, e.g. a file
// that cannot be read), so tests and tools can check it without parsing.
class config_error : public std::runtime_error {
 public:
  config_error(std::string location, const std::string& message)
      : std::runtime_error(location.empty() ? message : location + ": " + message),
        location_(std::move(location)) {}

  const std::string& location() const noexcept { return location_; }

 private:
  std::string location_;
};

}  // namespace tern::app
