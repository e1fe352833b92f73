#pragma once
// The error of a password or ACL file that cannot be used: thrown at
// start-up (the app turns it into a config error and stops) and by a SIGHUP
// reload (the old rules stay in force and the message is logged).

#include <stdexcept>
#include <string>
#include <utility>

namespace tern::auth {

// what() is "FILE:LINE: what is wrong; what to change"; location() is the
// "FILE:LINE" part ("FILE" alone when the file cannot be read).
class file_error : public std::runtime_error {
 public:
  file_error(std::string location, const std::string& message)
      : std::runtime_error(location + ": " + message),
        location_(std::move(location)),
        problem_(message) {}

  const std::string& location() const noexcept { return location_; }
  const std::string& problem() const noexcept { return problem_; }  // what() without location

 private:
  std::string location_;
  std::string problem_;
};

}  // namespace tern::auth
