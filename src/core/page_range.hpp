// PageRange — a span of memory rounded to whole pages, and madvise() over it.
//
// madvise() wants a page-aligned start. Which way to round depends on the advice: hints and
// MADV_POPULATE_READ may cover the partial pages at the edges of a span (they only read), while
// MADV_DONTNEED must not (the edge pages may hold bytes someone still reads: dropping them from
// the page tables is harmless for a file mapping but must not be done outside the span asked
// for). Every madvise in tensorio goes through here. Nothing here throws or allocates.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <span>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22  // Linux 5.14; older headers lack the name
#endif

namespace tensorio::detail {

struct PageRange {
  uintptr_t begin = 0;  // page-aligned
  uintptr_t end = 0;    // begin when empty; may be unaligned only at the end of a span
  bool empty() const noexcept { return end <= begin; }
  size_t size() const noexcept { return empty() ? 0 : static_cast<size_t>(end - begin); }
  void* address() const noexcept { return reinterpret_cast<void*>(begin); }
  // The pages [begin + offset, begin + offset + length) of this range, clipped to it.
  PageRange sub(size_t offset, size_t length) const noexcept;
};

// The system page size (sysconf, read once).
size_t page_size() noexcept;

// Every page holding a byte of `bytes`: the start rounded down (the end needs no rounding,
// madvise rounds it up itself). Empty for an empty span.
PageRange pages_touching(std::span<const std::byte> bytes) noexcept;

// The pages lying wholly inside `bytes`: the start rounded up, the end down. Empty when none.
PageRange pages_inside(std::span<const std::byte> bytes) noexcept;

// madvise(pages, advice), retrying EINTR and EAGAIN. Returns 0, or the errno of the failure.
// An empty range is 0 without a system call.
int advise_pages(PageRange pages, int advice) noexcept;

// Whether this kernel has MADV_POPULATE_READ (Linux 5.14): asked once, of a page of our own,
// so that a later EINVAL on a range can only mean that the range cannot be populated.
bool kernel_can_populate() noexcept;

}  // namespace tensorio::detail
