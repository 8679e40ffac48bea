// Strict JSON parsing in serde_json's dialect, the one the reference reader accepts.
//
// RapidJSON already matches serde_json on most points (no comments, NaN, trailing commas,
// leading zeros or raw control characters in strings; lone surrogate escapes rejected; integers
// past 2^64-1 become doubles). The differences are closed here:
//   - nesting: serde_json stops at depth 128 (127 levels parse); RapidJSON has no limit. We
//     count levels in the handler, which RapidJSON's recursive parser calls on entering each
//     array or object before descending: refusing level 128 there ends the parse, so the
//     recursion never goes deeper than that (a few KiB of stack). The recursive parser is
//     faster than RapidJSON's iterative one on real headers (bench/RESULTS.md).
//   - "-0": RapidJSON reports the integer 0; serde_json a float (so "-0" is no valid size).
//     We store it as the double -0.0, which every integer check then refuses.
//   - after the value only JSON whitespace (space, tab, LF, CR) may follow; NUL padding and a
//     second value are errors, as "trailing characters" are for serde_json.
// This file (with the other safetensors sources) is the only user of RapidJSON.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/error/error.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace tensorio::detail {

// serde_json's recursion limit: 128, decremented on entering an array or object and fatal at 0.
inline constexpr unsigned kMaxJsonDepth = 127;

// Counts array/object levels for a SAX handler: enter() is false past kMaxJsonDepth, which
// ends the parse (finish_strict_json then reports limit_exceeded).
class JsonDepth {
 public:
  bool enter() noexcept {
    if (++depth_ > kMaxJsonDepth) {
      too_deep_ = true;
      return false;
    }
    return true;
  }
  void leave() noexcept { --depth_; }
  bool too_deep() const noexcept { return too_deep_; }

 private:
  unsigned depth_ = 0;
  bool too_deep_ = false;
};

// After a SAX parse of `text` that stopped at `end`: throws Error(limit_exceeded) when `depth`
// refused a level, Error(bad_json) for a syntax error or anything but JSON whitespace after
// the value. Offsets in messages are `base_offset` + position.
void finish_strict_json(std::string_view text, const rapidjson::ParseResult& result, size_t end,
                        const JsonDepth& depth, const std::string& file, uint64_t base_offset,
                        std::string_view what);

// Parses `text` into `doc`. Throws Error(bad_json) with the absolute offset (`base_offset` +
// position) and RapidJSON's description, or Error(limit_exceeded) for nesting past
// kMaxJsonDepth. `what` names the text in messages ("safetensors header", "index").
void parse_strict_json(std::string_view text, rapidjson::Document& doc, const std::string& file,
                       uint64_t base_offset, std::string_view what);

// Short JSON type name of a value, for "expected X, found Y" messages.
std::string_view json_type_name(const rapidjson::Value& v) noexcept;

}  // namespace tensorio::detail
