// JsonWriter — a small streaming JSON emitter for `inspect --json` and metadata rendering.
//
// It tracks commas itself, escapes strings per RFC 8259 (quotes, backslashes, control
// characters as \u00XX; other bytes pass through, invalid UTF-8 is replaced by U+FFFD so the
// output is always valid JSON) and prints doubles with enough digits to round-trip.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tensorio::detail {

class JsonWriter {
 public:
  explicit JsonWriter(bool pretty = false) : pretty_(pretty) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(int64_t v);
  JsonWriter& value(uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(unsigned v) { return value(static_cast<uint64_t>(v)); }
  JsonWriter& value(double v);
  JsonWriter& null();
  // Inserts already-serialized JSON as one value.
  JsonWriter& raw(std::string_view json);

  const std::string& str() const noexcept { return out_; }

  // Appends `s` to `out` as a quoted, escaped JSON string.
  static void append_quoted(std::string& out, std::string_view s);

 private:
  void before_value();
  JsonWriter& end_container(char closer);
  void newline();

  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
  bool pretty_;
};

}  // namespace tensorio::detail
