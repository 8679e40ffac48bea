// The GGUF metadata value-type table and ggml's removed tensor types.
#include <array>

#include "gguf/gguf_parse.hpp"
#include "tensorio/gguf.hpp"

namespace tensorio {

namespace {

struct ValueTypeRow {
  std::string_view name;
  uint32_t size;
};

// Indexed by the on-disk enum value.
constexpr std::array<ValueTypeRow, detail::kGgufValueTypeCount> kValueTypes{{
    {"uint8", 1},
    {"int8", 1},
    {"uint16", 2},
    {"int16", 2},
    {"uint32", 4},
    {"int32", 4},
    {"float32", 4},
    {"bool", 1},
    {"string", 0},
    {"array", 0},
    {"uint64", 8},
    {"int64", 8},
    {"float64", 8},
}};

}  // namespace

std::string_view gguf_type_name(GgufType type) noexcept {
  auto i = static_cast<uint32_t>(type);
  return i < kValueTypes.size() ? kValueTypes[i].name : std::string_view("invalid");
}

uint32_t gguf_type_size(GgufType type) noexcept {
  auto i = static_cast<uint32_t>(type);
  return i < kValueTypes.size() ? kValueTypes[i].size : 0;
}

namespace detail {

std::string_view ggml_removed_type_name(uint64_t ggml_type) noexcept {
  // ggml keeps these enum slots with a block size of 0, so files using them cannot be sized.
  switch (ggml_type) {
    case 4: return "Q4_2";
    case 5: return "Q4_3";
    case 31: return "Q4_0_4_4";
    case 32: return "Q4_0_4_8";
    case 33: return "Q4_0_8_8";
    case 36: return "IQ4_NL_4_4";
    case 37: return "IQ4_NL_4_8";
    case 38: return "IQ4_NL_8_8";
    default: return "";
  }
}

}  // namespace detail

}  // namespace tensorio
