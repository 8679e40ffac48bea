// Where a raw DEFLATE stream lives, for the errors its decoders raise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tensorio::zip {

// Views, not copies: a decoder runs once per member at open, and its source is only read when
// something is wrong.
struct DeflateSource {
  std::string_view file;     // may be empty (the stream is not in a file)
  uint64_t base_offset = 0;  // absolute offset of the stream's first byte
  std::string_view label;    // what the stream is, e.g. "member 'x.npy'"; may be empty
};

// Throws Error(bad_compressed_data, file, base_offset + byte_pos, "<label>: <detail>").
[[noreturn]] void fail_deflate(const DeflateSource& source, size_t byte_pos,
                               const std::string& detail);

// The error of a stream that needs bits past the end of its `input_size` bytes.
[[noreturn]] void fail_deflate_truncated(const DeflateSource& source, size_t input_size);

}  // namespace tensorio::zip
