#pragma once
// A directory under the system temp directory, removed with everything in it
// when the object goes away. For the files the tests write and read back
// (config files, SQLite stores).

#include <stdlib.h>  // mkdtemp (POSIX)

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tern::app::testing {

class temp_dir {
 public:
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tern_test_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `text` to path()/name (creating parent directories) and returns
  // the file's path.
  std::filesystem::path write(const std::string& name, std::string_view text) const {
    const std::filesystem::path file = path_ / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + file.string());
    return file;
  }

 private:
  std::filesystem::path path_;
};

// "source:N" for the first line of `text` that starts with `line`.
inline std::string where(std::string_view source, std::string_view text, std::string_view line) {
  std::size_t number = 1;
  std::size_t start = 0;
  while (start <= text.size()) {
    if (text.substr(start).starts_with(line))
      return std::string(source) + ":" + std::to_string(number);
    const auto end = text.find('\n', start);
    if (end == std::string_view::npos) break;
    start = end + 1;
    ++number;
  }
  throw std::logic_error("test text has no line starting with " + std::string(line));
}

}  // namespace tern::app::testing
