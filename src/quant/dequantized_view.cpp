// dequantized(): a TensorView whose payload is another view's values converted to floats,
// produced once, on first access, by the record's LazyPayload machinery.
#include <string>

#include "core/aligned_buffer.hpp"
#include "core/internals.hpp"
#include "core/tensor_record.hpp"
#include "tensorio/dequantize.hpp"
#include "tensorio/error.hpp"

namespace tensorio {

namespace {

class DequantizedPayload final : public detail::LazyPayload {
 public:
  DequantizedPayload(TensorView source, DType to, uint64_t out_bytes)
      : source_(std::move(source)), to_(to), out_bytes_(out_bytes) {}

  std::span<const std::byte> materialize(std::span<const std::byte> stored) override {
    // `stored` is the source's stored payload as the core fetched it (the mapping, or a pread
    // copy in AccessMode::pread). A source with a transform of its own is read through its
    // data() instead, which is thread-safe and runs once.
    std::span<const std::byte> in = Internals::record(source_)->lazy ? source_.data() : stored;
    detail::AlignedBuffer buf(static_cast<size_t>(out_bytes_));
    dequantize(source_.dtype(), in, to_, buf.span());
    buffer_ = std::move(buf);
    return buffer_.span();
  }

 private:
  TensorView source_;  // keeps the source record (and its mapping) alive
  DType to_;
  uint64_t out_bytes_;
  detail::AlignedBuffer buffer_;
};

}  // namespace

TensorView dequantized(const TensorView& view, DType to) {
  const std::string& path = view.file_path();
  if (!view.valid()) {
    throw Error(ErrorCode::invalid_argument, "", no_offset, "dequantized() of an empty view");
  }
  if (view.opaque()) detail::throw_opaque(view, "dequantized()");
  if (!can_dequantize(view.dtype()) || !is_dequantize_output(to)) {
    throw Error(ErrorCode::unsupported_dtype, path, no_offset,
                "tensor '" + view.name() + "': expected a dequantizable dtype to float32, " +
                    "float16 or bfloat16, found " + std::string(dtype_name(view.dtype())) + " to " +
                    std::string(dtype_name(to)));
  }
  const auto out_bytes = byte_size(to, view.num_elements());
  if (!out_bytes || *out_bytes > SIZE_MAX) {
    throw Error(ErrorCode::size_overflow, path, no_offset,
                "tensor '" + view.name() + "': " + std::to_string(view.num_elements()) +
                    " elements do not fit in memory as " + std::string(dtype_name(to)));
  }
  const detail::TensorRecord* src = Internals::record(view);
  auto rec = std::make_shared<detail::TensorRecord>();
  rec->name = src->name;
  rec->dtype = to;
  rec->shape = src->shape;
  rec->num_elements = src->num_elements;
  rec->nbytes = *out_bytes;
  rec->file_offset = src->file_offset;
  rec->file = src->file;
  rec->stored = src->stored;
  rec->big_endian = src->big_endian;
  rec->fortran_order = src->fortran_order;
  rec->lazy = std::make_unique<DequantizedPayload>(view, to, *out_bytes);
  return Internals::make_view(std::move(rec));
}

}  // namespace tensorio
