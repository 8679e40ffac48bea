// Byte-order helpers. All multi-byte values in the mapping are read and written through these:
// never through pointer casts, which would be unaligned (gguf and zip headers are unaligned) and
// would break strict aliasing. memcpy of a constant size compiles to a single load or store.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace tensorio {

// Every format tensorio reads stores little-endian integers; a little-endian host lets the
// helpers below be plain copies.
static_assert(std::endian::native == std::endian::little, "tensorio supports little-endian hosts");

template <typename T>
[[nodiscard]] inline T load_le(const std::byte* p) noexcept {
  static_assert(std::is_trivially_copyable_v<T>);
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <typename T>
inline void store_le(std::byte* p, T v) noexcept {
  static_assert(std::is_trivially_copyable_v<T>);
  std::memcpy(p, &v, sizeof(T));
}

inline uint16_t bswap(uint16_t v) noexcept { return __builtin_bswap16(v); }
inline uint32_t bswap(uint32_t v) noexcept { return __builtin_bswap32(v); }
inline uint64_t bswap(uint64_t v) noexcept { return __builtin_bswap64(v); }

// Reverses each `width`-byte group of `src` into `dst` (width 2, 4 or 8; 1 copies). The two
// ranges may be the same but must not partially overlap. Used to present big-endian payloads in
// native order; the fixed-width loops let the compiler vectorize with pshufb.
void byteswap_copy(const std::byte* src, std::byte* dst, size_t bytes, unsigned width) noexcept;

}  // namespace tensorio
