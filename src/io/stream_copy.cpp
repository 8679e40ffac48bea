#include "io/stream_copy.hpp"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#define TENSORIO_STREAM_COPY_X86 1
#include <immintrin.h>
#endif

namespace tensorio::detail {

namespace {

#if defined(TENSORIO_STREAM_COPY_X86)

// Four 4 KiB streams interleaved, as glibc's own large copy does: the memory controller sees
// four open pages at once, which copies faster than one sequential stream. `d` is 64-byte
// aligned; both copy whole groups of 4 pages and return how many bytes they copied. (Two
// spelled-out loops: the AVX2 one must be compiled for AVX2 as a whole.)
constexpr size_t kPage = 4096;
constexpr size_t kGroup = 4 * kPage;

__attribute__((target("avx2"))) size_t copy_groups_avx2(unsigned char* d, const unsigned char* s,
                                                        size_t n) {
  size_t groups = n / kGroup;
  for (size_t g = 0; g < groups; ++g, d += kGroup, s += kGroup) {
    for (size_t i = 0; i < kPage; i += 64) {
      for (size_t k = 0; k < 4; ++k) {
        const auto* from = reinterpret_cast<const __m256i*>(s + k * kPage + i);
        auto* to = reinterpret_cast<__m256i*>(d + k * kPage + i);
        __m256i a = _mm256_loadu_si256(from);
        __m256i b = _mm256_loadu_si256(from + 1);
        _mm256_stream_si256(to, a);
        _mm256_stream_si256(to + 1, b);
      }
    }
  }
  return groups * kGroup;
}

size_t copy_groups_sse2(unsigned char* d, const unsigned char* s, size_t n) {
  size_t groups = n / kGroup;
  for (size_t g = 0; g < groups; ++g, d += kGroup, s += kGroup) {
    for (size_t i = 0; i < kPage; i += 64) {
      for (size_t k = 0; k < 4; ++k) {
        const auto* from = reinterpret_cast<const __m128i*>(s + k * kPage + i);
        auto* to = reinterpret_cast<__m128i*>(d + k * kPage + i);
        __m128i a = _mm_loadu_si128(from);
        __m128i b = _mm_loadu_si128(from + 1);
        __m128i c = _mm_loadu_si128(from + 2);
        __m128i e = _mm_loadu_si128(from + 3);
        _mm_stream_si128(to, a);
        _mm_stream_si128(to + 1, b);
        _mm_stream_si128(to + 2, c);
        _mm_stream_si128(to + 3, e);
      }
    }
  }
  return groups * kGroup;
}

bool has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif

}  // namespace

void stream_copy(void* dst, const void* src, size_t n) noexcept {
#if defined(TENSORIO_STREAM_COPY_X86)
  // Below this, the stores' cache misses cost less than the fence and the cold destination.
  constexpr size_t kMinStreaming = size_t{256} << 10;
  if (n < kMinStreaming) {
    std::memcpy(dst, src, n);
    return;
  }
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  // Non-temporal stores want an aligned destination, and only pay off when they fill whole
  // 64-byte lines (a partial line is flushed from the write-combining buffer on its own):
  // copy the head up to a line boundary normally.
  size_t head = (64 - reinterpret_cast<uintptr_t>(d) % 64) % 64;
  std::memcpy(d, s, head);
  d += head;
  s += head;
  n -= head;
  size_t done = has_avx2() ? copy_groups_avx2(d, s, n) : copy_groups_sse2(d, s, n);
  // Order the streaming stores before anything the caller does next (another thread may read
  // the destination once it learns the copy is done).
  _mm_sfence();
  std::memcpy(d + done, s + done, n - done);
#else
  std::memcpy(dst, src, n);
#endif
}

}  // namespace tensorio::detail
