// tensorio/tensor_ref.hpp — one tensor to save: borrowed bytes, described by name, dtype, shape.
//
// Ownership: a TensorRef owns its name and shape and borrows its bytes; the bytes must stay
// valid and unchanged for the duration of the save() call that reads them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tensorio/dtype.hpp"
#include "tensorio/export.h"

namespace tensorio {

class TensorView;

// Bytes in native byte order and C order; data.size() must equal the byte size of `shape` in
// `dtype` (for DType::opaque: in the element size its descr implies; every saver checks it and
// throws Error(invalid_argument) otherwise).
struct TENSORIO_API TensorRef {
  std::string name;
  DType dtype = DType::float32;
  std::vector<uint64_t> shape;
  std::span<const std::byte> data;
  // For DType::opaque only: the NumPy descr to write ("|S3", "<U8", a structured list literal
  // "[('x', '<f4'), ('y', '<i2')]"), validated as a file's header is; it implies the element
  // size. Only .npy/.npz can hold an opaque tensor: other savers refuse it (unrepresentable).
  std::string descr{};

  // Borrows the bytes of a view (materializing it if it needs a transform). A zero-copy view is
  // borrowed as it lies in the mapping, without the populate of TensorView::data(): save() maps
  // it ahead of its writes on a helper thread. The view (or its archive) must outlive the save.
  [[nodiscard]] TENSORIO_API static TensorRef from_view(const TensorView& view);
};

}  // namespace tensorio
