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
// It is deliberately simple (bit-at-a-time canonical decoding): it only ever runs on a few KiB,
// so clarity wins over speed. Bulk inflation stays with libdeflate (npz/member_inflate.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace tensorio::zip {

// Where the stream lives, for error messages: Error(bad_compressed_data, file,
// base_offset + byte position in the stream, "<label>: expected ..., found ...").
struct DeflateSource {
  std::string file;          // may be empty (the stream is not in a file)
  uint64_t base_offset = 0;  // absolute offset of the stream's first byte
  std::string label;         // what the stream is, e.g. "member 'x.npy'"
};

struct InflatedPrefix {
  std::vector<std::byte> bytes;  // min(limit, the stream's full output) bytes
  bool stream_ended = false;     // the final block's end was reached (bytes is the whole output)
  // Blocks started, by BTYPE (0 stored, 1 fixed Huffman, 2 dynamic Huffman): lets tests show
  // which block kinds and how many block boundaries a prefix went through.
  std::array<uint32_t, 3> blocks_by_type{};
};

// Decodes the raw DEFLATE stream `compressed` until `limit` bytes are produced or the final
// block ends, whichever comes first; nothing after the point where it stops is read, so a
// stream corrupt or truncated only beyond the prefix yields its prefix. Throws
// Error(bad_compressed_data) when the part it decodes is malformed or the input ends first.
InflatedPrefix inflate_prefix(std::span<const std::byte> compressed, size_t limit,
                              const DeflateSource& source);

}  // namespace tensorio::zip
