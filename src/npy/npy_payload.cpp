#include "npy/npy_payload.hpp"

#include <cstring>
#include <vector>

#include "core/aligned_buffer.hpp"
#include "core/endian.hpp"

namespace tensorio::detail {

namespace {

// Byte-swap width of one scalar: complex numbers swap each of their two components.
unsigned swap_width(DType dtype) {
  unsigned size = item_size(dtype);
  return dtype_info(dtype).kind == DTypeKind::complex ? size / 2 : size;
}

// Copies a Fortran-order array into C order. In memory a Fortran array of shape (d0..dn-1) is
// the C array of the reversed shape, so C order is the full axis reversal. The output is walked
// in C order with an odometer over the source strides; the innermost copy is one item of a
// compile-time size so it becomes a single load/store.
template <size_t kItem>
void transpose_items(const std::byte* src, std::byte* dst, const std::vector<uint64_t>& shape) {
  size_t nd = shape.size();
  std::vector<uint64_t> src_stride(nd);  // in items, Fortran strides
  uint64_t s = 1;
  for (size_t k = 0; k < nd; ++k) {
    src_stride[k] = s;
    s *= shape[k];
  }
  uint64_t total = s;
  if (total == 0) return;
  std::vector<uint64_t> idx(nd, 0);
  uint64_t last = shape[nd - 1];
  uint64_t last_stride = src_stride[nd - 1];
  uint64_t base = 0;  // source item index of idx with the last axis at 0
  for (uint64_t out = 0; out < total; out += last) {
    const std::byte* from = src + base * kItem;
    std::byte* to = dst + out * kItem;
    for (uint64_t j = 0; j < last; ++j)
      std::memcpy(to + j * kItem, from + j * last_stride * kItem, kItem);
    // Advance the odometer over axes nd-2 .. 0.
    for (size_t k = nd - 1; k-- > 0;) {
      if (++idx[k] < shape[k]) {
        base += src_stride[k];
        break;
      }
      base -= src_stride[k] * (shape[k] - 1);
      idx[k] = 0;
    }
  }
}

// transpose_items for an element size known only at run time (an opaque dtype's).
void transpose_any(const std::byte* src, std::byte* dst, const std::vector<uint64_t>& shape,
                   uint64_t item) {
  size_t nd = shape.size();
  std::vector<uint64_t> src_stride(nd);
  uint64_t s = 1;
  for (size_t k = 0; k < nd; ++k) {
    src_stride[k] = s;
    s *= shape[k];
  }
  uint64_t total = s;
  if (total == 0) return;
  std::vector<uint64_t> idx(nd, 0);
  uint64_t base = 0;
  for (uint64_t out = 0; out < total; ++out) {
    std::memcpy(dst + out * item, src + base * item, item);
    for (size_t k = nd; k-- > 0;) {
      if (++idx[k] < shape[k]) {
        base += src_stride[k];
        break;
      }
      base -= src_stride[k] * (shape[k] - 1);
      idx[k] = 0;
    }
  }
}

void transpose(const std::byte* src, std::byte* dst, const std::vector<uint64_t>& shape,
               uint64_t item) {
  switch (item) {
    case 1: transpose_items<1>(src, dst, shape); break;
    case 2: transpose_items<2>(src, dst, shape); break;
    case 4: transpose_items<4>(src, dst, shape); break;
    case 8: transpose_items<8>(src, dst, shape); break;
    case 16: transpose_items<16>(src, dst, shape); break;
    default: transpose_any(src, dst, shape, item); break;  // opaque elements: any size
  }
}

class NpyTransform final : public LazyPayload {
 public:
  explicit NpyTransform(const NpyHeader& header) : header_(header) {}

  std::span<const std::byte> materialize(std::span<const std::byte> stored) override {
    AlignedBuffer buf(stored.size());
    npy_to_native_c_order(header_, stored, buf.span());
    buffer_ = std::move(buf);
    return buffer_.span();
  }

 private:
  NpyHeader header_;
  AlignedBuffer buffer_;
};

}  // namespace

bool npy_needs_transform(const NpyHeader& header) noexcept {
  return header.big_endian || (header.fortran_order && header.shape.size() > 1);
}

void npy_to_native_c_order(const NpyHeader& header, std::span<const std::byte> stored,
                           std::span<std::byte> out) noexcept {
  uint64_t item = header.item_bytes;
  if (header.fortran_order && header.shape.size() > 1) {
    transpose(stored.data(), out.data(), header.shape, item);
    if (header.big_endian)
      byteswap_copy(out.data(), out.data(), out.size(), swap_width(header.dtype));
  } else if (header.big_endian) {
    byteswap_copy(stored.data(), out.data(), stored.size(), swap_width(header.dtype));
  } else {
    std::memcpy(out.data(), stored.data(), stored.size());
  }
}

std::shared_ptr<TensorRecord> make_npy_record(std::string name, const NpyHeader& header,
                                              std::shared_ptr<const MappedFile> file,
                                              std::span<const std::byte> stored,
                                              uint64_t file_offset) {
  auto rec = std::make_shared<TensorRecord>();
  rec->name = std::move(name);
  rec->dtype = header.dtype;
  rec->shape = header.shape;
  rec->num_elements = header.num_elements;
  rec->nbytes = header.payload_bytes;
  rec->file_offset = file_offset;
  rec->file = std::move(file);
  rec->stored = stored;
  rec->big_endian = header.big_endian;
  rec->fortran_order = header.fortran_order;
  if (header.dtype == DType::opaque) {
    rec->descr = header.descr;
    rec->item_bytes = header.item_bytes;
  }
  if (npy_needs_transform(header)) rec->lazy = std::make_unique<NpyTransform>(header);
  return rec;
}

}  // namespace tensorio::detail
