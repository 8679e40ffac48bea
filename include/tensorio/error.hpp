// tensorio/error.hpp — the one exception type the library throws.
//
// Every failure, whether it comes from a malformed file, an I/O error or a bad argument, is
// reported as a tensorio::Error. The error code is a closed enum with a static message table
// (error_code_name / error_code_message); the what() string is built once, when the error is
// raised, and names the file, the byte offset, what was expected and what was found, e.g.
//
//   model.npy: offset 10: npy header: expected key 'shape', found 'shap'
//
// The library never prints, never calls abort() and never asserts on file contents.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tensorio/export.h"

namespace tensorio {

// Closed set of failure classes. The numeric values are stable (they are part of the ABI and
// of the CLI's diagnostics); new codes are only ever appended before `count_`.
enum class ErrorCode : uint16_t {
  io_error = 1,             // open/read/write/rename/mmap failed at the OS level
  file_not_found,           // the path does not exist
  unknown_format,           // extension not one of .npy .npz .safetensors .gguf (or index.json)
  bad_magic,                // the file does not start with the format's magic bytes
  truncated,                // the file ends before a structure it declares
  header_too_large,         // a header length exceeds the configured cap
  bad_header,               // the header is syntactically malformed
  unsupported_version,      // a format version we do not read
  unsupported_dtype,        // a dtype the format allows but tensorio refuses
  unknown_dtype,            // a dtype name/id that no version of the format defines
  bad_shape,                // negative, non-integer or too many dimensions
  size_overflow,            // shape x item size (or an offset sum) overflows 64 bits
  out_of_bounds,            // an offset/size points outside the file or its section
  overlap,                  // two payloads (or a payload and a directory) overlap
  duplicate_name,           // two tensors, keys or members share a name
  limit_exceeded,           // a configured resource limit (count, bytes, depth) was exceeded
  bad_checksum,             // a CRC-32 did not match
  bad_compressed_data,      // a deflate stream is corrupt, too long or too short
  unsupported_compression,  // a compression method other than stored/deflate
  encrypted,                // an encrypted zip member
  bad_utf8,                 // a string that must be UTF-8 is not
  bad_json,                 // the safetensors header is not valid JSON of the expected shape
  bad_offsets,              // data offsets malformed, unordered, with holes or not matching sizes
  bad_alignment,            // an alignment value or an aligned offset is invalid
  type_mismatch,            // a typed accessor was asked for a value of another type
  not_found,                // a tensor or key lookup failed
  invalid_argument,         // the caller passed something unusable (empty name, bad slice, ...)
  unrepresentable,  // the target format cannot hold what was asked (several tensors to .npy)
  file_changed,     // the file was truncated or replaced after it was opened
  bad_metadata,     // metadata of the wrong shape (non-string values in __metadata__, ...)
  file_too_small,   // the file is shorter than the smallest valid file of its format
  partial_byte,     // a sub-byte tensor's bit count is not a whole number of bytes
  size_mismatch,    // a payload's declared byte span differs from shape x item size
  offset_gap,       // payloads leave a hole (or the first does not start where it must)
  trailing_bytes,   // bytes after the last structure the format declares
  opaque_dtype,     // a numeric access to a tensor of a dtype tensorio does not interpret
  object_dtype,     // an npy dtype of Python objects: a pickle, never loaded
  count_            // not an error; the number of codes + 1
};

// Short stable identifier of a code, e.g. "truncated".
TENSORIO_API std::string_view error_code_name(ErrorCode code) noexcept;
// One-sentence description of a code from the static message table.
TENSORIO_API std::string_view error_code_message(ErrorCode code) noexcept;

// Marker for "this error is not tied to a byte position".
inline constexpr uint64_t no_offset = UINT64_MAX;

class TENSORIO_API Error : public std::runtime_error {
 public:
  // `file` may be empty (errors about arguments); `offset` may be no_offset.
  // `reason` says what was expected and what was found. Control bytes in it (a NUL or a newline
  // inside a tensor name quoted from a file) are written as \xNN, in reason() and what() alike,
  // so that a message always prints in full on one line.
  Error(ErrorCode code, std::string file, uint64_t offset, std::string reason);

  ErrorCode code() const noexcept { return code_; }
  const std::string& file() const noexcept { return file_; }
  uint64_t offset() const noexcept { return offset_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  ErrorCode code_;
  std::string file_;
  uint64_t offset_;
  std::string reason_;
};

}  // namespace tensorio
