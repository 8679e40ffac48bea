// tensorio/slice.hpp — general slices of a tensor, for tensor-parallel loading.
//
// TensorView::rows() gives a zero-copy sub-view of a row range of the outermost dimension. A
// slice that narrows inner dimensions too is not contiguous, so it is copied: copy_slice()
// writes view[r0.start:r0.stop, r1.start:r1.stop, ...] (ranges for the leading dimensions, the
// remaining dimensions taken whole) into a caller's buffer in C order, reading only the bytes
// the slice contains — for a zero-copy view straight from the mapping, so the pages outside the
// slice are never faulted in. Views that needed a transform (big-endian or Fortran-order npy,
// deflated npz members) are materialized first.
//
// Semantics follow NumPy's basic slicing with step 1 and non-negative bounds: an empty range
// (start == stop, also at the end, e.g. [3:3] of a dimension of 3) is allowed and gives an empty
// slice. Unlike the safetensors reference, a reversed range is an error, never a huge size.
// Errors: more ranges than dimensions or start > stop is Error(invalid_argument); stop past
// the dimension is Error(out_of_bounds); a slice of a sub-byte or block-quantized dtype whose
// pieces do not start and end on whole storage blocks is Error(partial_byte).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tensorio/export.h"
#include "tensorio/tensor_view.hpp"

namespace tensorio {

struct TENSORIO_API SliceRange {
  uint64_t start = 0;
  uint64_t stop = 0;  // one past the last index
};

// Shape of the slice: the ranges' lengths followed by the view's remaining dimensions.
TENSORIO_API std::vector<uint64_t> slice_shape(const TensorView& view,
                                               std::span<const SliceRange> ranges);

// Bytes copy_slice() writes for these ranges.
TENSORIO_API uint64_t slice_nbytes(const TensorView& view, std::span<const SliceRange> ranges);

// Copies the slice into `out`, which must be exactly slice_nbytes() long (else
// Error(invalid_argument)).
TENSORIO_API void copy_slice(const TensorView& view, std::span<const SliceRange> ranges,
                             std::span<std::byte> out);

}  // namespace tensorio
