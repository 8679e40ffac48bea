// tensorio/tensor_view.hpp — a lazily materialized, read-only view of one tensor in a file.
//
// Lifetime: a TensorView holds a reference to the file's mapping, so it stays valid after the
// Archive it came from is destroyed; the mapping is unmapped when the last view goes. Spans
// returned by data() and stored_bytes() are valid as long as any copy of the view (or its
// Archive) is alive.
//
// Laziness: opening a file decodes and validates headers only. The payload is touched on the
// first data() call: a payload usable in place (little-endian, C order, stored uncompressed) is
// a pointer into the mapping (zero-copy; a span of 1 MiB or more is hinted MADV_SEQUENTIAL +
// MADV_WILLNEED and populated with MADV_POPULATE_READ, so it is resident when data() returns —
// see read.hpp; a smaller one is left to the kernel's fault-around, which costs less than the
// system calls at that size; the views of 1 MiB or more after it in the file, up to 64 MiB, are
// then populated on a background thread so that a loop over the views in file order finds
// them mapped: OpenOptions::map_next_view);
// a payload that needs a transform (byte swap of a big-endian npy, transpose of a Fortran-order
// npy, inflation of a deflated npz member) is transformed once, into an owned buffer.
//
// Thread-safety: all member functions are safe to call concurrently on the same view or on
// copies of it; when several threads call data() first at once, the transform runs exactly once
// and every thread gets the same bytes. A failed transform throws the same Error to each caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "tensorio/dtype.hpp"
#include "tensorio/export.h"

namespace tensorio {

// The library's description of one tensor; opaque here.
struct TensorRecord;

class TENSORIO_API TensorView {
 public:
  // An empty view: valid() is false, data() throws Error(invalid_argument).
  TensorView() = default;

  bool valid() const noexcept { return rec_ != nullptr; }

  const std::string& name() const noexcept;
  DType dtype() const noexcept;
  // Row-major (C-order) shape, outermost dimension first. Empty for a 0-d tensor.
  std::span<const uint64_t> shape() const noexcept;
  size_t ndim() const noexcept { return shape().size(); }
  uint64_t num_elements() const noexcept;
  // Bytes of data(): num_elements in dtype's block encoding.
  uint64_t nbytes() const noexcept;
  // Bytes of one element: the dtype's item size; for DType::opaque the size its descr implies;
  // 0 for block-quantized and sub-byte dtypes.
  uint64_t item_bytes() const noexcept;
  // For DType::opaque (an .npy/.npz array of strings, records, long doubles, datetimes...): the
  // NumPy descr exactly as stored, e.g. "|S3", "<U8", "[('x', '<f4'), ('y', '<i2')]". Its bytes
  // are data() as stored (never byte-swapped; a Fortran-order array is still put in C order).
  // Empty for every other view.
  const std::string& descr() const noexcept;
  bool opaque() const noexcept { return dtype() == DType::opaque; }
  // Absolute offset in the file of the stored payload (for a deflated npz member: of its
  // compressed bytes).
  uint64_t file_offset() const noexcept;
  // Path of the file the view reads from (a URL, its password redacted, for a remote file).
  const std::string& file_path() const noexcept;

  // The payload in native byte order and C order. Lazy and thread-safe (see above). Throws
  // tensorio::Error when the transform fails (corrupt deflate stream, bad CRC) or when the file
  // shrank since it was opened.
  [[nodiscard]] std::span<const std::byte> data() const;

  // The payload exactly as stored in the file, zero-copy: big-endian bytes stay big-endian,
  // Fortran-order data stays column-major, a deflated member is its compressed stream.
  // For a remote file (an http(s) URL) the span lies in a window of address space that holds
  // only the header ranges fetched at open: use data() or read_into() for the payload.
  [[nodiscard]] std::span<const std::byte> stored_bytes() const noexcept;

  // True when data() is (or will be) a pointer into the mapping rather than an owned buffer.
  bool zero_copy() const noexcept;
  // True when the stored payload is big-endian / Fortran-order in the file.
  bool stored_big_endian() const noexcept;
  bool stored_fortran_order() const noexcept;
  // True when data() starts at an address aligned to the dtype's natural alignment.
  // (Readers accept unaligned files; callers that need aligned data copy.)
  bool aligned() const noexcept;
  // True once data() has been produced (transform done, or zero-copy span handed out).
  bool materialized() const noexcept;

  // Zero-copy sub-view of rows [begin, end) of the outermost dimension. Only for views whose
  // data() is zero-copy. Throws invalid_argument for reversed or out-of-range rows, or a 0-d view.
  [[nodiscard]] TensorView rows(uint64_t begin, uint64_t end) const;

  // Typed access; throws opaque_dtype for an opaque view, type_mismatch unless sizeof(T)
  // equals the item size, and bad_alignment when data() is not aligned for T.
  template <typename T>
  [[nodiscard]] std::span<const T> as() const {
    check_typed_access(sizeof(T), alignof(T));
    auto b = data();
    return {reinterpret_cast<const T*>(b.data()), b.size() / sizeof(T)};
  }

 private:
  friend struct Internals;
  explicit TensorView(std::shared_ptr<const TensorRecord> record) noexcept
      : rec_(std::move(record)) {}
  void check_typed_access(size_t size, size_t align) const;

  std::shared_ptr<const TensorRecord> rec_;
};

}  // namespace tensorio
