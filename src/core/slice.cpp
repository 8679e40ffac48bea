#include "tensorio/slice.hpp"
#include "core/internals.hpp"

#include <cstring>
#include <string>

#include "core/checked_math.hpp"
#include "core/tensor_record.hpp"
#include "tensorio/error.hpp"

namespace tensorio {

namespace {

std::string describe(const TensorView& view) { return "slice of tensor '" + view.name() + "'"; }

void check_ranges(const TensorView& view, std::span<const SliceRange> ranges) {
  if (!view.valid()) {
    throw Error(ErrorCode::invalid_argument, "", no_offset, "slice of an empty view");
  }
  auto shape = view.shape();
  if (ranges.size() > shape.size()) {
    throw Error(ErrorCode::invalid_argument, view.file_path(), no_offset,
                describe(view) + ": expected at most " + std::to_string(shape.size()) +
                    " ranges (one per dimension), found " + std::to_string(ranges.size()));
  }
  for (size_t d = 0; d < ranges.size(); ++d) {
    const SliceRange& r = ranges[d];
    std::string range = "[" + std::to_string(r.start) + ":" + std::to_string(r.stop) + "]";
    if (r.start > r.stop) {
      throw Error(ErrorCode::invalid_argument, view.file_path(), no_offset,
                  describe(view) + ": expected start <= stop in dimension " + std::to_string(d) +
                      ", found the reversed range " + range);
    }
    if (r.stop > shape[d]) {
      throw Error(ErrorCode::out_of_bounds, view.file_path(), no_offset,
                  describe(view) + ": expected a range within dimension " + std::to_string(d) +
                      " of size " + std::to_string(shape[d]) + ", found " + range);
    }
  }
}

// Bytes of `elements` elements that must be whole storage blocks of the view's dtype.
uint64_t block_bytes(const TensorView& view, uint64_t elements) {
  // An opaque dtype's elements are whole bytes of its descr's size: sliced like any other.
  auto bytes =
      view.opaque() ? checked_mul(elements, view.item_bytes()) : byte_size(view.dtype(), elements);
  if (!bytes) {
    throw Error(ErrorCode::partial_byte, view.file_path(), no_offset,
                describe(view) + ": expected pieces of whole " +
                    std::string(dtype_name(view.dtype())) + " storage blocks, found a piece of " +
                    std::to_string(elements) + " elements");
  }
  return *bytes;
}

}  // namespace

std::vector<uint64_t> slice_shape(const TensorView& view, std::span<const SliceRange> ranges) {
  check_ranges(view, ranges);
  std::vector<uint64_t> shape(view.shape().begin(), view.shape().end());
  for (size_t d = 0; d < ranges.size(); ++d) shape[d] = ranges[d].stop - ranges[d].start;
  return shape;
}

uint64_t slice_nbytes(const TensorView& view, std::span<const SliceRange> ranges) {
  auto shape = slice_shape(view, ranges);
  // The slice has no more elements than the validated tensor, so this cannot overflow.
  return block_bytes(view, *element_count(shape));
}

void copy_slice(const TensorView& view, std::span<const SliceRange> ranges,
                std::span<std::byte> out) {
  uint64_t total = slice_nbytes(view, ranges);
  if (out.size() != total) {
    throw Error(ErrorCode::invalid_argument, view.file_path(), no_offset,
                describe(view) + ": expected an output buffer of " + std::to_string(total) +
                    " bytes, found " + std::to_string(out.size()));
  }
  if (total == 0) return;
  // A non-empty slice means no dimension is 0, so every suffix product below is at most the
  // tensor's validated element count.
  auto shape = view.shape();
  size_t nd = shape.size();
  std::vector<uint64_t> stride(nd);  // elements
  uint64_t s = 1;
  for (size_t d = nd; d-- > 0;) {
    stride[d] = s;
    s *= shape[d];
  }
  // Ranges that cover their whole dimension at the end merge into the contiguous piece, so a
  // row slice is one copy. `k` is the last dimension that really narrows (nd: none does).
  size_t k = ranges.size();
  while (k > 0 && ranges[k - 1].start == 0 && ranges[k - 1].stop == shape[k - 1]) --k;
  if (k == 0) {
    std::span<const std::byte> all = view.data();
    std::memcpy(out.data(), all.data(), total);
    return;
  }
  size_t last = k - 1;
  uint64_t piece_elements = (ranges[last].stop - ranges[last].start) * stride[last];
  uint64_t piece = block_bytes(view, piece_elements);
  // Sub-byte and block dtypes: every piece must start on a block. It does when the first one
  // does and every stride the odometer steps by is a whole number of blocks; checked before
  // anything is copied.
  uint64_t first = 0;
  for (size_t d = 0; d <= last; ++d) {
    first += ranges[d].start * stride[d];
    if (d < last && ranges[d].stop - ranges[d].start > 1) (void)block_bytes(view, stride[d]);
  }
  (void)block_bytes(view, first);

  // Read only the needed bytes: a zero-copy view reads the mapping directly (after the same
  // truncation check data() makes), without the whole-tensor read-ahead hint data() gives.
  std::span<const std::byte> src;
  const detail::TensorRecord* rec = Internals::record(view);
  if (view.zero_copy()) {
    src = view.stored_bytes();
    if (rec->file && !src.empty()) rec->file->check_still_covers(rec->file_offset + src.size());
  } else {
    src = view.data();
  }

  std::vector<uint64_t> idx(last, 0);  // odometer over dimensions 0..last-1, relative to start
  uint64_t count = total / piece;
  std::byte* to = out.data();
  for (uint64_t p = 0; p < count; ++p) {
    uint64_t elem = ranges[last].start * stride[last];
    for (size_t d = 0; d < last; ++d) elem += (ranges[d].start + idx[d]) * stride[d];
    std::memcpy(to, src.data() + block_bytes(view, elem), piece);
    to += piece;
    for (size_t d = last; d-- > 0;) {
      if (++idx[d] < ranges[d].stop - ranges[d].start) break;
      idx[d] = 0;
    }
  }
}

}  // namespace tensorio
