// GuardedInput — test bytes placed so that they end exactly where an unmapped page begins.
//
// Fuzzers and mutation sweeps hand a parser bytes that might make it read one byte too far. In
// an ordinary heap buffer (or a file mapping, whose last page is zero-filled past EOF) such an
// over-read passes silently; here the page after the last byte is PROT_NONE, so the over-read is
// a SIGSEGV in every build, not only under AddressSanitizer.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

namespace tensorio::testing {

class GuardedInput {
 public:
  GuardedInput(const void* data, size_t size) : size_(size) {
    size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    size_t body = (size + page - 1) / page * page;
    total_ = body + page;
    void* p = ::mmap(nullptr, total_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) std::abort();  // test infrastructure, not input: nothing to report
    base_ = static_cast<std::byte*>(p);
    if (::mprotect(base_ + body, page, PROT_NONE) != 0) std::abort();
    begin_ = base_ + body - size;
    if (size > 0) std::memcpy(begin_, data, size);
    // The parser only ever gets read access, like a read-only file mapping.
    if (body > 0 && ::mprotect(base_, body, PROT_READ) != 0) std::abort();
  }
  explicit GuardedInput(std::span<const std::byte> bytes)
      : GuardedInput(bytes.data(), bytes.size()) {}
  ~GuardedInput() { ::munmap(base_, total_); }
  GuardedInput(const GuardedInput&) = delete;
  GuardedInput& operator=(const GuardedInput&) = delete;

  std::span<const std::byte> bytes() const noexcept { return {begin_, size_}; }

 private:
  std::byte* base_ = nullptr;
  std::byte* begin_ = nullptr;
  size_t size_ = 0;
  size_t total_ = 0;
};

}  // namespace tensorio::testing
