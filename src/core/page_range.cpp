#include "core/page_range.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace tensorio::detail {

size_t page_size() noexcept {
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

PageRange PageRange::sub(size_t offset, size_t length) const noexcept {
  if (offset >= size()) return {begin, begin};
  uintptr_t from = begin + offset;
  return {from, from + std::min(length, size() - offset)};
}

PageRange pages_touching(std::span<const std::byte> bytes) noexcept {
  if (bytes.empty()) return {};
  auto lo = reinterpret_cast<uintptr_t>(bytes.data());
  return {lo & ~(uintptr_t{page_size()} - 1), lo + bytes.size()};
}

PageRange pages_inside(std::span<const std::byte> bytes) noexcept {
  if (bytes.empty()) return {};
  const uintptr_t mask = uintptr_t{page_size()} - 1;
  auto lo = reinterpret_cast<uintptr_t>(bytes.data());
  uintptr_t begin = (lo + mask) & ~mask;
  uintptr_t end = (lo + bytes.size()) & ~mask;
  return end > begin ? PageRange{begin, end} : PageRange{begin, begin};
}

int advise_pages(PageRange pages, int advice) noexcept {
  if (pages.empty()) return 0;
  for (;;) {
    if (::madvise(pages.address(), pages.size(), advice) == 0) return 0;
    int err = errno;
    if (err != EINTR && err != EAGAIN) return err;
  }
}

bool kernel_can_populate() noexcept {
  static const bool can = [] {
    void* probe =
        ::mmap(nullptr, page_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (probe == MAP_FAILED) return false;
    bool ok = ::madvise(probe, page_size(), MADV_POPULATE_READ) == 0;
    ::munmap(probe, page_size());
    return ok;
  }();
  return can;
}

}  // namespace tensorio::detail
