// TensorRecord — the immutable description of one tensor behind a TensorView, plus the
// once-only lazy materialization of its payload.
//
// Parsers build records at open (name, dtype, shape, where the stored bytes are) and attach a
// LazyPayload when the stored bytes cannot be handed out as they are. Nothing here touches the
// payload until the first data() call.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/aligned_buffer.hpp"
#include "core/dims.hpp"
#include "core/mapped_file.hpp"
#include "tensorio/dtype.hpp"
#include "tensorio/tensor_view.hpp"

namespace tensorio {
namespace detail {

// A transform from stored bytes to presented bytes (byte swap, transpose, inflate, dequantize).
// materialize() runs at most once successfully per record, under the record's lock; the span it
// returns must stay valid for the LazyPayload's lifetime (it owns the buffer).
//
// `stored` is the record's stored payload as the core fetched it: the span of the mapping
// (AccessMode::mmap) or an owned copy read with pread (AccessMode::pread). A transform reads
// its input only from `stored`, never from a span it captured at open, so that pread mode
// never touches the mapping.
class LazyPayload {
 public:
  virtual ~LazyPayload() = default;
  virtual std::span<const std::byte> materialize(std::span<const std::byte> stored) = 0;
};

}  // namespace detail

// Declared opaque in tensorio/tensor_view.hpp; internal code names it detail::TensorRecord.
struct TensorRecord;

namespace detail {
// Error(opaque_dtype) naming the view and its descr: `access` (e.g. "as<T>()") needs a numeric
// dtype.
[[noreturn]] void throw_opaque(const TensorView& view, std::string_view access);
}  // namespace detail

struct TensorRecord {
  using Dims = detail::Dims;
  using MappedFile = detail::MappedFile;
  using LazyPayload = detail::LazyPayload;
  using AlignedBuffer = detail::AlignedBuffer;

  std::string name;
  DType dtype = DType::uint8;
  Dims shape;  // C order
  uint64_t num_elements = 0;
  uint64_t nbytes = 0;       // bytes presented by data()
  uint64_t file_offset = 0;  // absolute offset of `stored` in the file
  std::shared_ptr<const MappedFile> file;
  std::span<const std::byte> stored;  // stored payload, inside file->bytes()
  bool big_endian = false;
  bool fortran_order = false;
  // DType::opaque only: the NumPy descr as stored and the element size it implies.
  std::string descr;
  uint64_t item_bytes = 0;
  std::unique_ptr<LazyPayload> lazy;  // null: `stored` is the payload (zero-copy)

  // Lazy state. `ready` is published with release order after `result` is written, so a reader
  // that sees it set (acquire) sees the finished bytes without taking the lock.
  mutable std::mutex mutex;
  mutable std::atomic<bool> ready{false};
  mutable std::span<const std::byte> result;
  // AccessMode::pread: the stored bytes read with pread, owned by the record.
  mutable AlignedBuffer pread_copy;
  // How many times lazy->materialize() was entered (tests check that concurrent first
  // accesses run a transform once).
  mutable std::atomic<uint32_t> transform_runs{0};

  // Spans below this map in microseconds: not worth the madvise calls of a first data(), nor
  // a trip through the background queue that maps views ahead (io/map_ahead.hpp).
  static constexpr size_t kMinPopulateBytes = size_t{1} << 20;

  // Produces the presented bytes (see TensorView::data()).
  std::span<const std::byte> data() const;
  // The presented bytes for a caller that only hands them to system calls (save): a zero-copy
  // record of a mapping comes back without the populate data() does, after the same check that
  // the file still covers it — the save's SourcePrefetcher maps it on another core while write()
  // copies. Every other record goes through data().
  std::span<const std::byte> bytes_for_copy() const;

 private:
  // AccessMode::pread: copies the stored bytes out of the file into pread_copy.
  std::span<const std::byte> read_stored_with_pread() const;
};

namespace detail {
using tensorio::TensorRecord;
}  // namespace detail

}  // namespace tensorio
