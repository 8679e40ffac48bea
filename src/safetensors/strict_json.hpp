// Strict JSON parsing in serde_json's dialect, the one the reference reader accepts.
//
// RapidJSON already matches serde_json on most points (no comments, NaN, trailing commas,
// leading zeros, byte order marks; integers past 2^64-1 become doubles). The differences are
// closed here and in json_lexical.hpp (raw control bytes, lone low surrogates, numbers too big
// for a double):
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

#include "safetensors/json_lexical.hpp"

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

// Checks a SAX handler's strings and keys for lone low surrogates (see json_lexical.hpp):
// accept() is false for one, which ends the parse. Only texts with escapes need the check.
class JsonStrings {
 public:
  explicit JsonStrings(bool has_escapes) noexcept : active_(has_escapes) {}
  bool accept(const char* s, size_t n) noexcept {
    if (!active_ || !holds_surrogate(s, n)) return true;
    lone_surrogate_ = true;
    return false;
  }
  bool lone_surrogate() const noexcept { return lone_surrogate_; }

 private:
  bool active_;
  bool lone_surrogate_ = false;
};

// How a SAX parse of a text ended: RapidJSON's result, where the stream stopped, and what the
// handler's checks and the scan before the parse found.
struct JsonParseEnd {
  rapidjson::ParseResult result;
  size_t end = 0;
  const JsonDepth& depth;
  const JsonStrings& strings;
  const JsonTextScan& scan;
};

// True when the parse should be run again over neutralize_numbers()' rewrite of the text:
// RapidJSON refused a number only because a double cannot hold it.
[[nodiscard]] inline bool number_too_big(const rapidjson::ParseResult& result) noexcept {
  return result.Code() == rapidjson::kParseErrorNumberTooBig;
}

// After a SAX parse of `text`: throws Error(limit_exceeded) when the depth check refused a
// level, Error(bad_json) for the first lexical or syntax error in document order (a lone low
// surrogate, a raw control byte, anything RapidJSON found) or anything but JSON whitespace after
// the value. Offsets in messages are `base_offset` + position.
void finish_strict_json(std::string_view text, const JsonParseEnd& parse, const std::string& file,
                        uint64_t base_offset, std::string_view what);

// Parses `text` into `doc`. Throws Error(bad_json) with the absolute offset (`base_offset` +
// position) and RapidJSON's description, or Error(limit_exceeded) for nesting past
// kMaxJsonDepth. `what` names the text in messages ("safetensors header", "index").
void parse_strict_json(std::string_view text, rapidjson::Document& doc, const std::string& file,
                       uint64_t base_offset, std::string_view what);

// Short JSON type name of a value, for "expected X, found Y" messages.
std::string_view json_type_name(const rapidjson::Value& v) noexcept;

}  // namespace tensorio::detail
