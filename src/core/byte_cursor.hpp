// ByteCursor — the one bounds-checked reader every parser uses.
//
// A cursor walks a span of the mapping (or of an inflated buffer) and knows the span's absolute
// position in the file, so any failure names the exact byte offset. Every read first checks
// `n <= size - pos` (subtracting on the trusted side: pos <= size always holds), so no length
// taken from the file can wrap a bounds check. Reads of multi-byte integers go through the
// little-endian load helpers, never through pointer casts into the mapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/endian.hpp"
#include "tensorio/error.hpp"

namespace tensorio {

class ByteCursor {
 public:
  // `file` must outlive the cursor (it is only used to build error messages).
  ByteCursor(std::span<const std::byte> data, const std::string& file, uint64_t base_offset = 0)
      : data_(data), file_(file), base_(base_offset) {}

  uint64_t position() const noexcept { return pos_; }             // relative to the span
  uint64_t file_offset() const noexcept { return base_ + pos_; }  // absolute, for messages
  uint64_t size() const noexcept { return data_.size(); }
  uint64_t remaining() const noexcept { return data_.size() - pos_; }
  bool can_read(uint64_t n) const noexcept { return n <= data_.size() - pos_; }
  const std::string& file() const noexcept { return file_; }

  // Throws ErrorCode::truncated naming `what` unless n more bytes are present.
  void require(uint64_t n, std::string_view what) const {
    if (!can_read(n)) fail_truncated(n, what);
  }

  template <typename T>
  T read_le(std::string_view what) {
    require(sizeof(T), what);
    T v = load_le<T>(data_.data() + pos_);
    pos_ += sizeof(T);
    return v;
  }

  std::span<const std::byte> read_bytes(uint64_t n, std::string_view what) {
    require(n, what);
    auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  std::string_view read_chars(uint64_t n, std::string_view what) {
    auto b = read_bytes(n, what);
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }

  void skip(uint64_t n, std::string_view what) {
    require(n, what);
    pos_ += n;
  }

  // Moves to `pos` (relative to the span); throws out_of_bounds when past the end.
  void seek(uint64_t pos, std::string_view what);

  // Throws an Error at the cursor's current file offset.
  [[noreturn]] void fail(ErrorCode code, std::string detail) const;

 private:
  [[noreturn]] void fail_truncated(uint64_t n, std::string_view what) const;

  std::span<const std::byte> data_;
  const std::string& file_;
  uint64_t base_;
  uint64_t pos_ = 0;
};

}  // namespace tensorio
