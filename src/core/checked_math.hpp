// Overflow-checked arithmetic on unsigned 64-bit values read from files.
//
// Every size, count and offset taken from a file goes through these before it is used to
// index, allocate or compare, so that a hostile value cannot wrap around a bounds check.
#pragma once

#include <cstdint>
#include <optional>

namespace tensorio {

[[nodiscard]] constexpr std::optional<uint64_t> checked_add(uint64_t a, uint64_t b) noexcept {
  uint64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

[[nodiscard]] constexpr std::optional<uint64_t> checked_mul(uint64_t a, uint64_t b) noexcept {
  uint64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

// Rounds `value` up to a multiple of `alignment` (a power of two); nullopt on overflow.
[[nodiscard]] constexpr std::optional<uint64_t> checked_align_up(uint64_t value,
                                                                 uint64_t alignment) noexcept {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) return std::nullopt;
  auto bumped = checked_add(value, alignment - 1);
  if (!bumped) return std::nullopt;
  return *bumped & ~(alignment - 1);
}

// True when [offset, offset + size) lies inside [0, limit). Subtracts on the trusted side, so
// it cannot overflow whatever the inputs.
[[nodiscard]] constexpr bool span_fits(uint64_t offset, uint64_t size, uint64_t limit) noexcept {
  return size <= limit && offset <= limit - size;
}

}  // namespace tensorio
