// Compressing npz members in parallel while writing them in order.
//
// Each member is one task: its input (npy header + payload) is gathered into one buffer (the
// libdeflate API is whole-buffer), its CRC-32 computed, and it is deflated. Tasks run on a pool
// of worker threads; the calling thread hands finished members to `sink` strictly in index
// order, as soon as the next one is ready. A worker does not start member i until member
// i - window has been handed over, so at most `window` members (their input and compressed
// bytes) are held at once, whatever the number of members.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "core/aligned_buffer.hpp"

namespace tensorio::npz {

struct DeflateInput {
  std::span<const std::byte> header;   // the member's first bytes (the npy preamble)
  std::span<const std::byte> payload;  // the rest
};

struct DeflatedMember {
  detail::AlignedBuffer compressed;  // compressed.size() is the capacity; `size` is used
  uint64_t size = 0;
  uint64_t uncompressed_size = 0;
  uint32_t crc32 = 0;
};

// Compresses members 0..count-1 at libdeflate `level` on `threads` workers (>= 1) and calls
// sink(i, member) on the calling thread for i = 0, 1, ... in order. An exception thrown by a
// task or by the sink stops the workers and propagates from here.
void deflate_in_order(size_t count, unsigned threads, int level,
                      const std::function<DeflateInput(size_t)>& input,
                      const std::function<void(size_t, DeflatedMember&&)>& sink);

}  // namespace tensorio::npz
