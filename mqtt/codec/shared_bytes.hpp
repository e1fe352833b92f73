#pragma once
// An immutable, reference-counted byte string.
//
// A PUBLISH payload is read once from the network and then handed to every
// subscriber, queue and store that holds the message: copies of a
// shared_bytes share one allocation (one make_shared block, so one heap
// allocation per payload). Safe to copy and read from any thread.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

namespace tern::mqtt {

class shared_bytes {
 public:
  shared_bytes() = default;

  static shared_bytes copy_of(std::span<const std::uint8_t> bytes) {
    shared_bytes b;
    if (!bytes.empty()) {
      auto block = std::make_shared_for_overwrite<std::uint8_t[]>(bytes.size());
      std::memcpy(block.get(), bytes.data(), bytes.size());
      b.data_ = std::move(block);
      b.size_ = bytes.size();
    }
    return b;
  }
  static shared_bytes copy_of(std::string_view text) {
    return copy_of(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }

  const std::uint8_t* data() const noexcept { return data_.get(); }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::span<const std::uint8_t> span() const noexcept { return {data_.get(), size_}; }
  std::string_view view() const noexcept {
    return {reinterpret_cast<const char*>(data_.get()), size_};
  }

  friend bool operator==(const shared_bytes& a, const shared_bytes& b) noexcept {
    return a.view() == b.view();
  }

 private:
  std::shared_ptr<const std::uint8_t[]> data_;
  std::size_t size_ = 0;
};

}  // namespace tern::mqtt
