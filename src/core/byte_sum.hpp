// sum_words — reads every byte of a span as cheaply as the memory system allows.
//
// This is the one "touch" kernel: verify() uses it to page every payload in, `tensorio bench`
// uses it both for first-touch throughput through the views and for the in-memory limit it is
// compared with, and the benchmarks use it the same way, so a ratio of 1.0 means "as fast as
// reading RAM". Four independent 64-bit accumulators keep the loop from serializing on one
// add chain (the compiler vectorizes it); the result is returned so callers can keep it
// observable and the loop cannot be dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace tensorio::detail {

inline uint64_t sum_words(std::span<const std::byte> bytes) noexcept {
  const std::byte* p = bytes.data();
  size_t n = bytes.size();
  uint64_t a = 0, b = 0, c = 0, d = 0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    uint64_t w[4];
    std::memcpy(w, p + i, 32);
    a += w[0];
    b += w[1];
    c += w[2];
    d += w[3];
  }
  for (; i < n; ++i) a += static_cast<uint64_t>(p[i]);
  return a + b + c + d;
}

}  // namespace tensorio::detail
