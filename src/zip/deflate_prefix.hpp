// A bounded raw-DEFLATE (RFC 1951) decoder that produces only the first bytes of a stream.
//
// Why our own: opening an npz must read the npy header of every deflated member without
// inflating its payload. libdeflate decodes whole buffers only (its output is undefined when it
// stops early), and pulling in zlib for this one job is a whole dependency for a few KiB. This
// decoder handles stored, fixed-Huffman and dynamic-Huffman blocks, stops as soon as `limit`
// bytes exist, and treats its input as hostile: every bit read is bounds-checked, every Huffman
// code is validated before use, every match distance is checked against the output produced so
// far, nothing recurses and nothing is allocated from a size the stream claims.
//
// It runs once per deflated member at open, so it is table-driven (zip/huffman_table.hpp):
// most of its time goes to reading a dynamic block's code lengths and building its tables,
// which every member's first block has. The fixed block's tables are built once per process.
// Bulk inflation stays with libdeflate (npz/member_inflate.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "zip/deflate_source.hpp"

namespace tensorio::zip {

// How far a prefix decode went.
struct PrefixProgress {
  size_t produced = 0;        // bytes written: min(limit, the stream's full output)
  bool stream_ended = false;  // the final block's end was reached (the output is all of it)
  // Blocks started, by BTYPE (0 stored, 1 fixed Huffman, 2 dynamic Huffman): lets tests show
  // which block kinds and how many block boundaries a prefix went through.
  std::array<uint32_t, 3> blocks_by_type{};
};

// Decodes the raw DEFLATE stream `compressed` into `out` until out.size() bytes are produced
// or the final block ends, whichever comes first. Nothing after the point where it stops is
// decoded, so a stream corrupt or truncated only beyond the prefix yields its prefix. Throws
// Error(bad_compressed_data) when the part it decodes is malformed or the input ends first.
PrefixProgress inflate_prefix_into(std::span<const std::byte> compressed, std::span<std::byte> out,
                                   const DeflateSource& source);

struct InflatedPrefix {
  std::vector<std::byte> bytes;  // min(limit, the stream's full output) bytes
  bool stream_ended = false;
  std::array<uint32_t, 3> blocks_by_type{};
};

// inflate_prefix_into with an output that grows as bytes are produced, up to `limit`: the
// buffer follows what the stream yields, not what the caller allows.
InflatedPrefix inflate_prefix(std::span<const std::byte> compressed, size_t limit,
                              const DeflateSource& source);

}  // namespace tensorio::zip
