// The tensor-info section: name, dimensions (ggml `ne` order), ggml type and offset of every
// tensor, with ggml's checks on each (name length and uniqueness, dimension count, negative
// dimensions, known type, whole blocks per row, element count and byte size overflow).
#include <string>
#include <unordered_set>

#include "core/checked_math.hpp"
#include "gguf/gguf_parse.hpp"

namespace tensorio::detail {

namespace {

// ggml reads dimensions and element counts as int64_t.
constexpr uint64_t kInt64Max = static_cast<uint64_t>(INT64_MAX);

class TensorInfoParser {
 public:
  TensorInfoParser(ByteCursor& c, const Limits& limits) : c_(c), limits_(limits) {}

  [[noreturn]] void fail_at(uint64_t at, ErrorCode code, std::string detail) const {
    throw Error(code, c_.file(), at, std::move(detail));
  }

  GgufTensorInfo parse(uint64_t alignment) {
    GgufTensorInfo t;
    t.info_offset = c_.file_offset();
    uint64_t len = c_.read_le<uint64_t>("tensor name length");
    if (len > limits_.max_gguf_name_bytes) {
      fail_at(t.info_offset, ErrorCode::limit_exceeded,
              "tensor name: expected at most " + std::to_string(limits_.max_gguf_name_bytes) +
                  " bytes (Limits::max_gguf_name_bytes; ggml's GGML_MAX_NAME is 64 with the NUL), "
                  "found " +
                  std::to_string(len));
    }
    t.name = c_.read_chars(len, "tensor name");
    // Built only when a check fails: the happy path allocates nothing per tensor but `ne`.
    auto who = [&t] { return "tensor '" + std::string(t.name) + "'"; };
    // ggml keeps names as C strings: names that differ only after a NUL are one name there.
    if (t.name.find('\0') != std::string_view::npos) {
      fail_at(t.info_offset, ErrorCode::bad_header,
              who() +
                  ": expected a name without NUL bytes (ggml reads names as C strings, "
                  "which would end it early), found one");
    }
    uint64_t dims_at = c_.file_offset();
    uint32_t n_dims = c_.read_le<uint32_t>("tensor n_dims");
    if (n_dims > limits_.max_gguf_dims) {
      fail_at(dims_at, ErrorCode::bad_shape,
              who() + ": expected at most " + std::to_string(limits_.max_gguf_dims) +
                  " dimensions (Limits::max_gguf_dims, ggml's GGML_MAX_DIMS), found " +
                  std::to_string(n_dims));
    }
    c_.require(uint64_t{n_dims} * 8, "tensor dimensions");
    t.ne.resize(n_dims);
    // ggml's rule: a zero dimension makes the tensor empty (0 elements, 0 bytes) whatever the
    // other dimensions; otherwise the product must fit an int64. Counting it so keeps the result
    // independent of the order the dimensions are multiplied in.
    uint64_t elements = 1;
    bool overflow = false;
    bool empty = false;
    for (uint32_t j = 0; j < n_dims; ++j) {
      uint64_t d = c_.read_le<uint64_t>("tensor dimension");
      if (d > kInt64Max) {
        fail_at(c_.file_offset() - 8, ErrorCode::bad_shape,
                who() + ": expected dimensions below 2^63 (ggml reads them as int64), found ne[" +
                    std::to_string(j) + "] = " + std::to_string(d));
      }
      t.ne[j] = d;
      if (d == 0) empty = true;
      auto next = checked_mul(elements, d);
      if (!next || *next > kInt64Max) overflow = true;
      elements = next.value_or(0);
    }
    if (empty) {
      elements = 0;
    } else if (overflow) {
      fail_at(dims_at, ErrorCode::size_overflow,
              who() +
                  ": expected an element count below 2^63, found dimensions whose product "
                  "overflows");
    }
    uint64_t type_at = c_.file_offset();
    uint32_t type = c_.read_le<uint32_t>("tensor type");
    t.ggml_type = type;
    auto dtype = dtype_from_ggml(type);
    if (!dtype) {
      std::string_view removed = ggml_removed_type_name(type);
      if (!removed.empty()) {
        fail_at(type_at, ErrorCode::unsupported_dtype,
                who() + ": expected a ggml type in use, found " + std::to_string(type) + " (" +
                    std::string(removed) + ", removed from ggml; its blocks cannot be sized)");
      }
      fail_at(type_at, ErrorCode::unknown_dtype,
              who() + ": expected a ggml type below 43, found " + std::to_string(type));
    }
    t.dtype = *dtype;
    const DTypeInfo& info = dtype_info(t.dtype);
    uint64_t row = n_dims > 0 ? t.ne[0] : 1;
    if (row % info.block_elements != 0) {
      fail_at(dims_at, ErrorCode::bad_shape,
              who() + ": expected a row length (ne[0]) that is a multiple of " +
                  std::string(info.name) + "'s block of " + std::to_string(info.block_elements) +
                  ", found " + std::to_string(row));
    }
    auto bytes = byte_size(t.dtype, elements);
    // Padding is part of what the data section must hold; a size within `alignment` of 2^64
    // would wrap to a tiny padded size (the GGML_PAD bypass of CVE-2025-53630's fix).
    auto padded = bytes ? checked_align_up(*bytes, alignment) : std::nullopt;
    if (!padded) {
      fail_at(dims_at, ErrorCode::size_overflow,
              who() + ": expected a byte size (padded to " + std::to_string(alignment) +
                  ") that fits in 64 bits, found " + std::to_string(elements) + " elements of " +
                  std::string(info.name) + " that overflow");
    }
    t.nbytes = *bytes;
    t.offset = c_.read_le<uint64_t>("tensor offset");
    return t;
  }

 private:
  ByteCursor& c_;
  const Limits& limits_;
};

}  // namespace

void parse_gguf_tensor_infos(ByteCursor& c, uint64_t tensor_count, const Limits& limits,
                             uint64_t header_end_limit, GgufFileState& state) {
  TensorInfoParser p(c, limits);
  state.tensors.reserve(tensor_count);  // bounded by the file size (checked with the header)
  std::unordered_set<std::string_view> names;
  names.reserve(tensor_count);
  for (uint64_t i = 0; i < tensor_count; ++i) {
    GgufTensorInfo t = p.parse(state.alignment);
    if (!names.insert(t.name).second) {
      p.fail_at(t.info_offset, ErrorCode::duplicate_name,
                "expected unique tensor names, found '" + std::string(t.name) + "' twice");
    }
    if (c.position() > header_end_limit) {
      p.fail_at(t.info_offset, ErrorCode::header_too_large,
                "expected a gguf header of at most " + std::to_string(header_end_limit) +
                    " bytes (Limits::max_header_bytes), found tensor infos reaching past it");
    }
    state.tensors.push_back(std::move(t));
  }
}

}  // namespace tensorio::detail
