// The hot path's allocation budget: decoding a 3.1.1 PUBLISH costs the
// payload block and nothing else while the topic fits the small-string
// buffer; encoding into a caller's buffer allocates nothing.
//
// Counts calls of the replaceable global operator new in this binary.

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include <gtest/gtest.h>

#include "tests/unit/codec/codec_test_support.hpp"

namespace {
std::atomic<long> allocations{0};
}  // namespace

// GCC sees free() of what it takes for a new-expression's result; these
// are the replacements themselves, so malloc/free is the matching pair.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc{};
}
void* operator new[](std::size_t n) {
  return ::operator new(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
#pragma GCC diagnostic pop

namespace {

using namespace tern::mqtt;
using namespace tern::mqtt::codec_test;

template <class F>
long count_allocations(F&& f) {
  const long before = allocations.load();
  f();
  return allocations.load() - before;
}

TEST(AllocationBudget, DecodeV311Publish64Bytes) {
  publish p;
  p.topic = "sensors/t/1";
  p.qos = qos::at_least_once;
  p.id = 9;
  p.payload = shared_bytes::copy_of(std::string(64, 'x'));
  const bytes wire = encode_to_bytes(p, protocol_version::v3_1_1);
  const long n = count_allocations([&] {
    const auto h = parse_fixed_header(wire, no_limit, protocol_version::v3_1_1);
    auto r = decode(**h, std::span<const std::uint8_t>(wire).subspan((*h)->size),
                    protocol_version::v3_1_1);
    ASSERT_TRUE(r);
    EXPECT_EQ(std::get<publish>(*r), p);
  });
  EXPECT_LE(n, 1) << "only the payload block";
}

TEST(AllocationBudget, DecodeAckAllocatesNothing) {
  const bytes wire{0x40, 0x02, 0x00, 0x01};
  EXPECT_EQ(count_allocations([&] { ASSERT_TRUE(decode_whole(wire, protocol_version::v5)); }), 0);
}

TEST(AllocationBudget, EncodeAllocatesNothing) {
  publish p;
  p.topic = "a/long/topic/name/that/is/not/small";
  p.qos = qos::exactly_once;
  p.id = 1;
  p.payload = shared_bytes::copy_of(std::string(1000, 'x'));
  p.properties.user = {{"k", "v"}};
  p.properties.subscription_identifiers = {1, 2};
  bytes out(encoded_size(p, protocol_version::v5));
  const packet as_variant = p;
  EXPECT_EQ(count_allocations([&] {
              EXPECT_EQ(encode(p, protocol_version::v5, out), out.size());
              EXPECT_EQ(encode(as_variant, protocol_version::v5, out), out.size());
              EXPECT_EQ(encode_publish_header(p, protocol_version::v5, out),
                        encoded_header_size(p, protocol_version::v5));
            }),
            0);
}

}  // namespace
