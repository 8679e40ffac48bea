#include <cstring>

#include "core/endian.hpp"

namespace tensorio {

namespace {

// One fixed-width loop per element size: with the width a compile-time constant, GCC and Clang
// turn the memcpy/bswap/memcpy body into vector shuffles.
template <typename U>
void swap_words(const std::byte* src, std::byte* dst, size_t count) noexcept {
  for (size_t i = 0; i < count; ++i) {
    U v;
    std::memcpy(&v, src + i * sizeof(U), sizeof(U));
    v = bswap(v);
    std::memcpy(dst + i * sizeof(U), &v, sizeof(U));
  }
}

}  // namespace

void byteswap_copy(const std::byte* src, std::byte* dst, size_t bytes, unsigned width) noexcept {
  switch (width) {
    case 2: swap_words<uint16_t>(src, dst, bytes / 2); break;
    case 4: swap_words<uint32_t>(src, dst, bytes / 4); break;
    case 8: swap_words<uint64_t>(src, dst, bytes / 8); break;
    default:
      if (src != dst) std::memmove(dst, src, bytes);
  }
}

}  // namespace tensorio
