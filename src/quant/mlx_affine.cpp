// mlx_affine_views(): ggml q4_0 / q4_1 / q8_0 blocks in MLX's affine layout (see
// tensorio/dequantize.hpp for the layout and the exactness argument). Each of the three parts
// is its own lazy record over the same stored blocks, so a user who only needs the scales never
// repacks the weights.
#include <string>

#include "core/aligned_buffer.hpp"
#include "core/endian.hpp"
#include "core/internals.hpp"
#include "core/tensor_record.hpp"
#include "quant/half.hpp"
#include "tensorio/dequantize.hpp"
#include "tensorio/error.hpp"

namespace tensorio {

namespace {

constexpr uint64_t kGroup = 32;  // elements per ggml block = per MLX group

enum class Part : uint8_t { weights, scales, biases };

// Bytes of one part for one block: 4-bit codes pack 32 elements into 16 bytes, 8-bit into 32;
// a scale or bias is one float16.
uint64_t part_bytes_per_block(DType t, Part p) {
  if (p != Part::weights) return 2;
  return t == DType::q8_0 ? 32 : 16;
}

// One block's part, written to `out` (part_bytes_per_block bytes).
void convert_block(DType t, Part p, const std::byte* blk, std::byte* out) {
  const uint16_t d = load_le<uint16_t>(blk);
  if (p == Part::scales) {
    store_le<uint16_t>(out, d);
    return;
  }
  if (p == Part::biases) {
    uint16_t bias = 0;
    if (t == DType::q4_1) {
      bias = load_le<uint16_t>(blk + 2);  // m: already the offset
    } else {
      // q4_0 codes are q − 8, q8_0 codes are q − 128 once made unsigned: bias = −offset · d.
      const float offset = t == DType::q4_0 ? 8.0f : 128.0f;
      bias = detail::float_to_half(-offset * detail::half_to_float(d));
    }
    store_le<uint16_t>(out, bias);
    return;
  }
  if (t == DType::q8_0) {
    for (size_t j = 0; j < kGroup; ++j) out[j] = blk[2 + j] ^ std::byte{0x80};
    return;
  }
  // 4-bit: ggml byte j holds elements j (low) and j+16 (high); MLX byte k holds elements 2k
  // (low) and 2k+1 (high). Bytes 0..7 take low nibbles, bytes 8..15 the high ones.
  const std::byte* qs = blk + (t == DType::q4_1 ? 4 : 2);
  for (size_t k = 0; k < 8; ++k) {
    const uint8_t a = std::to_integer<uint8_t>(qs[2 * k]);
    const uint8_t b = std::to_integer<uint8_t>(qs[2 * k + 1]);
    out[k] = static_cast<std::byte>((a & 0x0F) | ((b & 0x0F) << 4));
    out[k + 8] = static_cast<std::byte>((a >> 4) | (b & 0xF0));
  }
}

class MlxAffinePayload final : public detail::LazyPayload {
 public:
  MlxAffinePayload(TensorView source, Part part, uint64_t out_bytes)
      : source_(std::move(source)), part_(part), out_bytes_(out_bytes) {}

  std::span<const std::byte> materialize(std::span<const std::byte> /*stored*/) override {
    // Read through the source view: its data() honours the access mode (mapping or pread) and
    // is thread-safe, so the quantized blocks are fetched once however many parts ask.
    const std::span<const std::byte> in = source_.data();
    const DType t = source_.dtype();
    const uint64_t block_bytes = dtype_info(t).block_bytes;
    const uint64_t step = part_bytes_per_block(t, part_);
    detail::AlignedBuffer buf(static_cast<size_t>(out_bytes_));
    const uint64_t blocks = in.size() / block_bytes;  // == out_bytes_ / step (checked at creation)
    for (uint64_t b = 0; b < blocks; ++b) {
      convert_block(t, part_, in.data() + b * block_bytes, buf.data() + b * step);
    }
    buffer_ = std::move(buf);
    return buffer_.span();
  }

 private:
  TensorView source_;
  Part part_;
  uint64_t out_bytes_;
  detail::AlignedBuffer buffer_;
};

TensorView make_part(const TensorView& source, Part part, std::string name) {
  const detail::TensorRecord* src = Internals::record(source);
  const DType t = source.dtype();
  const uint64_t blocks = source.num_elements() / kGroup;  // whole blocks (validated at open)
  auto rec = std::make_shared<detail::TensorRecord>();
  rec->name = std::move(name);
  rec->dtype = part == Part::weights ? DType::uint32 : DType::float16;
  rec->shape = src->shape;
  const uint64_t last = rec->shape.back();
  if (part == Part::weights) {
    rec->shape.back() = last * (t == DType::q8_0 ? 8 : 4) / 32;  // last is a multiple of 32
  } else {
    rec->shape.back() = last / kGroup;
  }
  rec->num_elements = *element_count(rec->shape);  // smaller than the source's count
  rec->nbytes = blocks * part_bytes_per_block(t, part);
  rec->file_offset = src->file_offset;
  rec->file = src->file;
  rec->stored = src->stored;
  rec->lazy = std::make_unique<MlxAffinePayload>(source, part, rec->nbytes);
  return Internals::make_view(std::move(rec));
}

}  // namespace

bool is_mlx_affine_dtype(DType dtype) noexcept {
  return dtype == DType::q4_0 || dtype == DType::q4_1 || dtype == DType::q8_0;
}

MlxAffineViews mlx_affine_views(const TensorView& quantized) {
  if (!quantized.valid()) {
    throw Error(ErrorCode::invalid_argument, "", no_offset, "mlx_affine_views() of an empty view");
  }
  const std::string& path = quantized.file_path();
  const std::string& name = quantized.name();
  if (quantized.opaque()) detail::throw_opaque(quantized, "mlx_affine_views()");
  if (!is_mlx_affine_dtype(quantized.dtype())) {
    throw Error(ErrorCode::unsupported_dtype, path, no_offset,
                "tensor '" + name + "': expected q4_0, q4_1 or q8_0 for MLX's affine form, found " +
                    std::string(dtype_name(quantized.dtype())));
  }
  if (quantized.shape().empty() || quantized.shape().back() % kGroup != 0) {
    throw Error(ErrorCode::bad_shape, path, no_offset,
                "tensor '" + name +
                    "': expected a last dimension that is a multiple of 32, found " +
                    (quantized.shape().empty() ? std::string("a 0-d tensor")
                                               : std::to_string(quantized.shape().back())));
  }
  // MLX: name.substr(0, size - 7) — with an unsigned wrap for short names, i.e. the whole name.
  const std::string prefix = name.size() >= 7 ? name.substr(0, name.size() - 7) : name;
  return {make_part(quantized, Part::weights, name),
          make_part(quantized, Part::scales, prefix + ".scales"),
          make_part(quantized, Part::biases, prefix + ".biases")};
}

}  // namespace tensorio
