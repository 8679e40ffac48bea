#include "tensorio/tensor_view.hpp"
#include "core/internals.hpp"

#include <vector>

#include "core/checked_math.hpp"
#include "core/tensor_record.hpp"
#include "tensorio/error.hpp"

namespace tensorio {

std::span<const std::byte> TensorRecord::data() const {
  // Fast path: after the first call every caller sees `ready` and returns without locking.
  if (ready.load(std::memory_order_acquire)) return result;
  std::lock_guard<std::mutex> lock(mutex);
  if (ready.load(std::memory_order_relaxed)) return result;
  // A file truncated under a live mapping raises SIGBUS on touch; check once, here, before the
  // first touch of the stored bytes.
  if (file && !stored.empty()) file->check_still_covers(file_offset + stored.size());
  std::span<const std::byte> source = stored;
  if (file && !stored.empty()) {
    if (file->access() == AccessMode::pread) {
      source = read_stored_with_pread();
    } else if (!lazy && stored.size() >= kMinPopulateBytes &&
               !(file->prefetch() && file->prefetch()->claim(stored))) {
      // Read the span ahead as one sequential stream, then map it in bulk: one madvise per
      // chunk costs far less than a page fault per 64 KiB, and a truncated file surfaces
      // here as Error(file_changed) rather than as SIGBUS in the caller's loop. (Skipped when
      // the background lane already mapped it: see io/map_ahead.hpp.) A smaller span is left
      // to the kernel's fault-around: its three madvise calls cost more than the faults they
      // save (bench/RESULTS.md, small views). The fstat above has just checked the file
      // still covers it.
      file->advise_sequential(stored);
      file->advise_willneed(stored);
      file->populate(stored);
    }
  }
  std::span<const std::byte> out = source;
  if (lazy) {
    transform_runs.fetch_add(1, std::memory_order_relaxed);
    out = lazy->materialize(source);
    // A transform that copies owns its output, and the pread copy of its input can go; one
    // that only checks its input (the CRC-32 of a stored npz member) returns that very copy.
    auto at = reinterpret_cast<uintptr_t>(out.data());
    auto lo = reinterpret_cast<uintptr_t>(pread_copy.data());
    bool out_in_copy = !out.empty() && at >= lo && at - lo < pread_copy.size();
    if (!out_in_copy) pread_copy = AlignedBuffer();
  }
  result = out;
  ready.store(true, std::memory_order_release);
  if (file && file->prefetch()) file->prefetch()->accessed(stored, file);
  return result;
}

std::span<const std::byte> TensorRecord::bytes_for_copy() const {
  if (ready.load(std::memory_order_acquire) || lazy || !file || stored.empty() ||
      file->access() == AccessMode::pread) {
    return data();
  }
  file->check_still_covers(file_offset + stored.size());
  return stored;
}

std::span<const std::byte> TensorRecord::read_stored_with_pread() const {
  // The stored span lies inside the mapping; its distance from the mapping's start is its file
  // offset (file_offset may name another position for formats that describe a member by its
  // header, so the pointer is the authority).
  auto whole = file->bytes();
  auto at = reinterpret_cast<uintptr_t>(stored.data());
  auto lo = reinterpret_cast<uintptr_t>(whole.data());
  if (at < lo || !span_fits(at - lo, stored.size(), whole.size())) return stored;  // not mapped
  uint64_t begin = at - lo;
  AlignedBuffer copy(stored.size());
  file->read_at(begin, copy.span());
  pread_copy = std::move(copy);
  return pread_copy.span();
}

namespace {
const std::string kEmpty;
}

const std::string& TensorView::name() const noexcept { return rec_ ? rec_->name : kEmpty; }
DType TensorView::dtype() const noexcept { return rec_ ? rec_->dtype : DType::uint8; }
std::span<const uint64_t> TensorView::shape() const noexcept {
  if (!rec_) return {};
  return rec_->shape;
}
uint64_t TensorView::num_elements() const noexcept { return rec_ ? rec_->num_elements : 0; }
uint64_t TensorView::nbytes() const noexcept { return rec_ ? rec_->nbytes : 0; }
const std::string& TensorView::descr() const noexcept { return rec_ ? rec_->descr : kEmpty; }
uint64_t TensorView::item_bytes() const noexcept {
  if (!rec_) return 0;
  return rec_->dtype == DType::opaque ? rec_->item_bytes : item_size(rec_->dtype);
}
uint64_t TensorView::file_offset() const noexcept { return rec_ ? rec_->file_offset : 0; }
const std::string& TensorView::file_path() const noexcept {
  return rec_ && rec_->file ? rec_->file->path() : kEmpty;
}

std::span<const std::byte> TensorView::data() const {
  if (!rec_) throw Error(ErrorCode::invalid_argument, "", no_offset, "data() on an empty view");
  return rec_->data();
}

std::span<const std::byte> TensorView::stored_bytes() const noexcept {
  return rec_ ? rec_->stored : std::span<const std::byte>{};
}

bool TensorView::zero_copy() const noexcept {
  return rec_ && !rec_->lazy && !(rec_->file && rec_->file->access() == AccessMode::pread);
}
bool TensorView::stored_big_endian() const noexcept { return rec_ && rec_->big_endian; }
bool TensorView::stored_fortran_order() const noexcept { return rec_ && rec_->fortran_order; }
bool TensorView::materialized() const noexcept {
  return rec_ && rec_->ready.load(std::memory_order_acquire);
}

bool TensorView::aligned() const noexcept {
  if (!rec_) return false;
  // Transformed and pread payloads live in page-aligned buffers; zero-copy ones are where the
  // file put them.
  if (!zero_copy()) return true;
  auto addr = reinterpret_cast<uintptr_t>(rec_->stored.data());
  return addr % dtype_info(rec_->dtype).alignment == 0;
}

TensorView TensorView::rows(uint64_t begin, uint64_t end) const {
  if (!rec_) throw Error(ErrorCode::invalid_argument, "", no_offset, "rows() on an empty view");
  const std::string& path = file_path();
  if (rec_->shape.empty()) {
    throw Error(ErrorCode::invalid_argument, path, no_offset,
                "rows() of tensor '" + rec_->name + "': expected at least 1 dimension, found 0-d");
  }
  uint64_t outer = rec_->shape[0];
  if (begin > end || end > outer) {
    throw Error(ErrorCode::invalid_argument, path, no_offset,
                "rows() of tensor '" + rec_->name +
                    "': expected 0 <= begin <= end <= " + std::to_string(outer) + ", found [" +
                    std::to_string(begin) + ", " + std::to_string(end) + ")");
  }
  if (rec_->lazy) {
    throw Error(ErrorCode::invalid_argument, path, no_offset,
                "rows() of tensor '" + rec_->name +
                    "': expected a zero-copy view, found one that needs a transform (use a copy)");
  }
  uint64_t inner = 1;
  for (size_t i = 1; i < rec_->shape.size(); ++i) inner *= rec_->shape[i];  // validated at open
  auto row_bytes = rec_->dtype == DType::opaque ? checked_mul(inner, rec_->item_bytes)
                                                : byte_size(rec_->dtype, inner);
  auto count = checked_mul(inner, end - begin);
  if (!row_bytes || !count) {
    throw Error(ErrorCode::invalid_argument, path, no_offset,
                "rows() of tensor '" + rec_->name +
                    "': expected rows of whole storage blocks, found a row of " +
                    std::to_string(inner) + " elements of " + std::string(dtype_name(rec_->dtype)));
  }
  auto sub = std::make_shared<TensorRecord>();
  sub->name = rec_->name;
  sub->dtype = rec_->dtype;
  sub->descr = rec_->descr;
  sub->item_bytes = rec_->item_bytes;
  sub->shape = rec_->shape;
  sub->shape[0] = end - begin;
  sub->num_elements = *count;
  sub->nbytes = *row_bytes * (end - begin);
  sub->file_offset = rec_->file_offset + *row_bytes * begin;
  sub->file = rec_->file;
  sub->stored = rec_->stored.subspan(*row_bytes * begin, sub->nbytes);
  return Internals::make_view(std::move(sub));
}

void detail::throw_opaque(const TensorView& view, std::string_view access) {
  throw Error(ErrorCode::opaque_dtype, view.file_path(), no_offset,
              "tensor '" + view.name() + "': expected a numeric dtype for " + std::string(access) +
                  ", found the opaque NumPy dtype '" + view.descr().substr(0, 256) +
                  "' (its bytes are kept as stored: read them with data())");
}

void TensorView::check_typed_access(size_t size, size_t align) const {
  if (!rec_) throw Error(ErrorCode::invalid_argument, "", no_offset, "as<T>() on an empty view");
  if (rec_->dtype == DType::opaque) detail::throw_opaque(*this, "as<T>()");
  if (item_size(rec_->dtype) != size) {
    throw Error(ErrorCode::type_mismatch, file_path(), no_offset,
                "tensor '" + rec_->name + "': expected an element of " + std::to_string(size) +
                    " bytes, found " + std::string(dtype_name(rec_->dtype)));
  }
  auto addr = reinterpret_cast<uintptr_t>(data().data());
  if (addr % align != 0) {
    throw Error(ErrorCode::bad_alignment, file_path(), rec_->file_offset,
                "tensor '" + rec_->name + "': expected data aligned to " + std::to_string(align) +
                    " bytes, found an unaligned payload (copy it first)");
  }
}

}  // namespace tensorio
