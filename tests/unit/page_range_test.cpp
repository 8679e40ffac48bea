// The page arithmetic behind madvise on mapped files.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstdint>
#include <span>

#include "core/page_range.hpp"

namespace tensorio {
namespace {

// Rounding for madvise: out for advice and populate, in for release; and the system call's
// errors come back as errno values, never as exceptions.
TEST(PageRange, RoundsOutForAdviceAndInForRelease) {
  const size_t page = detail::page_size();
  void* mem = ::mmap(nullptr, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mem, MAP_FAILED);
  auto* base = static_cast<std::byte*>(mem);
  auto at = [&](size_t off) { return reinterpret_cast<uintptr_t>(base + off); };
  // Bytes [page/2, 2*page + 10): touches pages 0-2; wholly contains page 1 only.
  std::span<const std::byte> bytes(base + page / 2, page + page / 2 + 10);
  detail::PageRange out = detail::pages_touching(bytes);
  EXPECT_EQ(out.begin, at(0));
  EXPECT_EQ(out.end, at(2 * page + 10));
  detail::PageRange in = detail::pages_inside(bytes);
  EXPECT_EQ(in.begin, at(page));
  EXPECT_EQ(in.end, at(2 * page));
  // Less than a whole page inside: nothing to release. Empty spans: empty ranges.
  EXPECT_TRUE(detail::pages_inside({base + 10, page}).empty());
  EXPECT_TRUE(detail::pages_inside({}).empty());
  EXPECT_TRUE(detail::pages_touching({}).empty());
  EXPECT_EQ(detail::pages_inside({base, 4 * page}).size(), 4 * page);
  // sub() clips to the range.
  detail::PageRange all = detail::pages_touching({base, 4 * page});
  EXPECT_EQ(all.sub(page, page).begin, at(page));
  EXPECT_EQ(all.sub(3 * page, 10 * page).size(), page);
  EXPECT_TRUE(all.sub(4 * page, page).empty());
  EXPECT_EQ(detail::advise_pages({}, MADV_WILLNEED), 0);
  EXPECT_EQ(detail::advise_pages(all, MADV_WILLNEED), 0);
  if (detail::kernel_can_populate()) {
    EXPECT_EQ(detail::advise_pages(all, MADV_POPULATE_READ), 0);
  }
  ASSERT_EQ(::munmap(mem, 4 * page), 0);
  // Now unmapped: an errno comes back (ENOMEM for an unmapped range).
  EXPECT_EQ(detail::advise_pages(all, MADV_WILLNEED), ENOMEM);
}

}  // namespace
}  // namespace tensorio
