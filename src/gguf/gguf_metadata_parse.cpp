// The key/value section: keys, the 13 value types, arrays (nested up to a depth limit) and
// general.alignment. Nothing is copied: values are recorded as spans of the mapping, and error
// text is only built when something fails (a vocabulary walk reads 150,000 strings).
#include <string>

#include "core/checked_math.hpp"
#include "gguf/gguf_parse.hpp"

namespace tensorio::detail {

namespace {

class MetadataParser {
 public:
  MetadataParser(ByteCursor& c, const Limits& limits, GgufFileState& state)
      : c_(c), limits_(limits), state_(state), base_(state.file->bytes().data()) {}

  [[noreturn]] void fail_at(uint64_t file_offset, ErrorCode code, std::string detail) const {
    throw Error(code, c_.file(), file_offset, std::move(detail));
  }

  // Throws Error(truncated) about `what` of `key` unless n more bytes are present.
  void need(uint64_t n, std::string_view key, std::string_view what) const {
    if (c_.can_read(n)) return;
    fail_at(c_.file_offset(), ErrorCode::truncated,
            (key.empty() ? std::string() : "key '" + std::string(key) + "': ") + std::string(what) +
                ": expected " + std::to_string(n) + " bytes, found " +
                std::to_string(c_.remaining()) + " before the end of the file");
  }

  // A length-prefixed string (a key when `key` is empty, else a string value of `key`).
  std::string_view read_string(std::string_view key, std::string_view what) {
    need(8, key, what);
    uint64_t at = c_.file_offset();
    uint64_t len = c_.read_le<uint64_t>(what);
    if (len > limits_.max_string_bytes) {
      fail_at(at, ErrorCode::limit_exceeded,
              (key.empty() ? std::string() : "key '" + std::string(key) + "': ") +
                  std::string(what) + ": expected a length of at most " +
                  std::to_string(limits_.max_string_bytes) +
                  " bytes (Limits::max_string_bytes), found " + std::to_string(len));
    }
    need(len, key, what);
    return c_.read_chars(len, what);
  }

  GgufType read_type(std::string_view key, std::string_view what) {
    need(4, key, what);
    uint64_t at = c_.file_offset();
    uint32_t t = c_.read_le<uint32_t>(what);
    if (t >= kGgufValueTypeCount) {
      fail_at(at, ErrorCode::bad_metadata,
              "key '" + std::string(key) + "': expected " + std::string(what) +
                  " between 0 and 12, found " + std::to_string(t));
    }
    return static_cast<GgufType>(t);
  }

  // Validates one value of type `type` at the cursor and returns its view. `depth` is the
  // number of arrays around it.
  GgufValueView parse_value(std::string_view key, GgufType type, uint32_t depth) {
    uint64_t at = c_.file_offset();
    if (type == GgufType::string) {
      auto s = read_string(key, "string value");
      return GgufAccess::scalar(&state_, key, type, reinterpret_cast<const std::byte*>(s.data()),
                                s.size(), at + 8);
    }
    if (type != GgufType::array) {
      uint32_t size = gguf_type_size(type);
      need(size, key, "value");
      auto b = c_.read_bytes(size, "value");
      if (type == GgufType::bool_) check_bools(key, b, at);
      return GgufAccess::scalar(&state_, key, type, b.data(), size, at);
    }
    if (depth + 1 > limits_.max_array_depth) {
      fail_at(at, ErrorCode::limit_exceeded,
              "key '" + std::string(key) + "': expected arrays nested at most " +
                  std::to_string(limits_.max_array_depth) +
                  " deep (Limits::max_array_depth), found deeper nesting");
    }
    GgufType element = read_type(key, "an array element type");
    need(8, key, "array count");
    uint64_t count = c_.read_le<uint64_t>("array count");
    if (count > limits_.max_array_elements) {
      fail_at(at + 4, ErrorCode::limit_exceeded,
              "key '" + std::string(key) + "': expected at most " +
                  std::to_string(limits_.max_array_elements) +
                  " array elements (Limits::max_array_elements), found " + std::to_string(count));
    }
    uint64_t start = c_.position();
    uint64_t start_offset = c_.file_offset();
    // The smallest encoding of one element: its fixed size, a string's length, an array's
    // type and count. Refusing counts the remaining bytes cannot hold keeps the walk below
    // (and any allocation a caller sizes from size()) proportional to the real file.
    uint32_t fixed = gguf_type_size(element);
    uint64_t min_element = fixed != 0 ? fixed : (element == GgufType::string ? 8 : 12);
    auto min_bytes = checked_mul(count, min_element);
    if (!min_bytes || *min_bytes > c_.remaining()) {
      fail_at(at + 4, ErrorCode::truncated,
              "key '" + std::string(key) + "': expected room for " + std::to_string(count) + " " +
                  std::string(gguf_type_name(element)) + " elements (at least " +
                  (min_bytes ? std::to_string(*min_bytes) : std::string("2^64 or more")) +
                  " bytes), found " + std::to_string(c_.remaining()) + " bytes left");
    }
    if (element == GgufType::bool_) {
      check_bools(key, c_.read_bytes(*min_bytes, "array elements"), start_offset);
    } else if (fixed != 0) {
      c_.skip(*min_bytes, "array elements");
    } else if (element == GgufType::string) {
      for (uint64_t i = 0; i < count; ++i) (void)read_string(key, "string array element");
    } else {
      for (uint64_t i = 0; i < count; ++i) (void)parse_value(key, GgufType::array, depth + 1);
    }
    const std::byte* data = base_ + start;
    uint64_t size = c_.position() - start;
    const GgufArrayIndex* index = nullptr;
    if (fixed == 0 && count > 0 && depth == 0) {
      state_.array_indexes.push_back(std::make_unique<GgufArrayIndex>(element, count, data));
      index = state_.array_indexes.back().get();
    }
    return GgufAccess::array(&state_, key, element, count, data, size, start, index);
  }

  // The spec's bools are 0 (false) and 1 (true), "anything else is invalid". ggml reads any
  // non-zero byte as true, so another byte would mean true there and be rewritten as 1.
  // `first` is the file offset of bytes[0].
  void check_bools(std::string_view key, std::span<const std::byte> bytes, uint64_t first) const {
    for (size_t i = 0; i < bytes.size(); ++i) {
      auto v = static_cast<uint8_t>(bytes[i]);
      if (v > 1) {
        fail_at(first + i, ErrorCode::bad_metadata,
                "key '" + std::string(key) + "': expected a bool of 0 or 1, found " +
                    std::to_string(v));
      }
    }
  }

 private:
  ByteCursor& c_;
  const Limits& limits_;
  GgufFileState& state_;
  const std::byte* base_;
};

void apply_alignment(const Limits& limits, GgufFileState& state) {
  auto it = state.key_index.find("general.alignment");
  if (it == state.key_index.end()) return;
  const GgufValueView& v = state.values[it->second];
  // ggml asserted (and aborted) on a non-UINT32 alignment until 2026, and gguflib silently
  // ignored it: refusing is the only reading that cannot disagree with a writer's layout.
  if (v.type() != GgufType::uint32) {
    throw Error(
        ErrorCode::bad_alignment, state.path, v.file_offset(),
        "general.alignment: expected type uint32, found " + std::string(gguf_type_name(v.type())));
  }
  uint32_t a = v.as<uint32_t>();
  if (a == 0 || (a & (a - 1)) != 0) {
    throw Error(ErrorCode::bad_alignment, state.path, v.file_offset(),
                "general.alignment: expected a non-zero power of two, found " + std::to_string(a));
  }
  if (a > limits.max_alignment) {
    throw Error(ErrorCode::limit_exceeded, state.path, v.file_offset(),
                "general.alignment: expected at most " + std::to_string(limits.max_alignment) +
                    " (Limits::max_alignment), found " + std::to_string(a));
  }
  state.alignment = a;
}

}  // namespace

void parse_gguf_metadata(ByteCursor& c, uint64_t kv_count, const Limits& limits,
                         uint64_t header_end_limit, GgufFileState& state) {
  MetadataParser p(c, limits, state);
  state.values.reserve(kv_count);  // bounded by the file size (checked with the header)
  state.key_index.reserve(kv_count);
  for (uint64_t i = 0; i < kv_count; ++i) {
    uint64_t entry_at = c.file_offset();
    std::string_view key = p.read_string({}, "metadata key");
    if (key.empty()) {
      p.fail_at(entry_at, ErrorCode::bad_metadata,
                "metadata key #" + std::to_string(i) + ": expected a non-empty key, found \"\"");
    }
    // ggml compares keys as C strings: "general.alignment\0x" would be general.alignment there
    // and another key here, and the two readers would lay the data section out differently.
    if (key.find('\0') != std::string_view::npos) {
      p.fail_at(entry_at, ErrorCode::bad_metadata,
                "metadata key #" + std::to_string(i) + " '" + std::string(key) +
                    "': expected a key without NUL bytes (the spec's keys are ASCII snake_case), "
                    "found one");
    }
    if (!state.key_index.emplace(key, state.values.size()).second) {
      p.fail_at(entry_at, ErrorCode::duplicate_name,
                "expected unique metadata keys, found '" + std::string(key) + "' twice");
    }
    GgufType type = p.read_type(key, "a value type");
    state.values.push_back(p.parse_value(key, type, 0));
    if (c.position() > header_end_limit) {
      p.fail_at(entry_at, ErrorCode::header_too_large,
                "expected a gguf header of at most " + std::to_string(header_end_limit) +
                    " bytes (Limits::max_header_bytes), found key/values reaching past it");
    }
  }
  apply_alignment(limits, state);
}

}  // namespace tensorio::detail
