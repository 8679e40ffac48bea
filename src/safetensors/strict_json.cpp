#include "safetensors/strict_json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <string>

#include "tensorio/error.hpp"

namespace tensorio::detail {

namespace {

// Forwards SAX events to the document while enforcing the rules RapidJSON lacks.
class StrictHandler {
 public:
  StrictHandler(rapidjson::Document& doc, bool has_escapes) : doc_(doc), strings_(has_escapes) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  // A negative integer callback with value 0 can only come from "-0".
  bool Int(int i) { return i == 0 ? doc_.Double(-0.0) : doc_.Int(i); }
  bool Int64(int64_t i) { return i == 0 ? doc_.Double(-0.0) : doc_.Int64(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return doc_.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return strings_.accept(s, n) && doc_.String(s, n, copy);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    return strings_.accept(s, n) && doc_.Key(s, n, copy);
  }
  bool StartObject() { return depth_.enter() && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) {
    depth_.leave();
    return doc_.EndObject(n);
  }
  bool StartArray() { return depth_.enter() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    depth_.leave();
    return doc_.EndArray(n);
  }

  const JsonDepth& depth() const noexcept { return depth_; }
  const JsonStrings& strings() const noexcept { return strings_; }

 private:
  rapidjson::Document& doc_;
  JsonDepth depth_;
  JsonStrings strings_;
};

bool is_json_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string hex_byte(unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("0x") + kHex[c >> 4] + kHex[c & 15];
}

std::string describe_control_byte(unsigned char c) {
  return "the raw control byte " + hex_byte(c) +
         " (RFC 8259 allows only tab, LF and CR below 0x20, and only between tokens: strings must "
         "escape them)";
}

}  // namespace

std::string_view json_type_name(const rapidjson::Value& v) noexcept {
  switch (v.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "a boolean";
    case rapidjson::kObjectType: return "an object";
    case rapidjson::kArrayType: return "an array";
    case rapidjson::kStringType: return "a string";
    case rapidjson::kNumberType:
      if (v.IsUint64()) return "an integer";
      if (v.IsInt64()) return "a negative integer";
      return "a non-integer number";
  }
  return "a value";
}

void parse_strict_json(std::string_view text, rapidjson::Document& doc, const std::string& file,
                       uint64_t base_offset, std::string_view what) {
  const JsonTextScan scan = scan_json_text(text);
  // The parse stops at the first raw control byte, so that any error before it is reported
  // first (RapidJSON reads the end of a MemoryStream as a NUL, which ends every token).
  auto attempt = [&](std::string_view source) {
    rapidjson::MemoryStream stream(source.data(), scan.parse_end);
    rapidjson::Reader reader;
    StrictHandler handler(doc, scan.has_escapes);
    rapidjson::ParseResult result;
    // Document::Populate moves the single parsed root into the document when the generator
    // reports success; on failure the partial stack is discarded.
    auto generate = [&](rapidjson::Document&) {
      constexpr unsigned kFlags = rapidjson::kParseStopWhenDoneFlag;
      result = reader.Parse<kFlags>(stream, handler);
      return !result.IsError();
    };
    doc.Populate(generate);
    if (source.data() == text.data() && number_too_big(result)) return false;
    finish_strict_json(text, {result, stream.Tell(), handler.depth(), handler.strings(), scan},
                       file, base_offset, what);
    return true;
  };
  if (attempt(text)) return;
  std::string rewritten(text);
  neutralize_numbers(std::span<char>(rewritten.data(), scan.parse_end));
  attempt(rewritten);
}

void finish_strict_json(std::string_view text, const JsonParseEnd& parse, const std::string& file,
                        uint64_t base_offset, std::string_view what) {
  const rapidjson::ParseResult& result = parse.result;
  if (parse.depth.too_deep()) {
    throw Error(ErrorCode::limit_exceeded, file, base_offset + result.Offset(),
                std::string(what) + ": expected JSON nested at most " +
                    std::to_string(kMaxJsonDepth) + " levels deep (serde_json's limit), found " +
                    "deeper nesting");
  }
  if (parse.strings.lone_surrogate()) {
    // The parse stopped right after the string holding it: every escape before is sound.
    size_t at = find_lone_low_surrogate(text).value_or(result.Offset());
    throw Error(ErrorCode::bad_json, file, base_offset + at,
                std::string(what) + ": expected valid JSON, found the escape " +
                    std::string(text.substr(at, 6)) +
                    ", a low surrogate without a high surrogate before it (not a character; "
                    "serde_json refuses it too)");
  }
  const size_t control = parse.scan.parse_end;  // the text's size when it has no control byte
  if (result.IsError() && (result.Offset() < control || control == text.size())) {
    throw Error(ErrorCode::bad_json, file, base_offset + result.Offset(),
                std::string(what) + ": expected valid JSON, found an error: " +
                    rapidjson::GetParseError_En(result.Code()));
  }
  if (result.IsError()) {  // the parse ran into the cut at the control byte
    throw Error(ErrorCode::bad_json, file, base_offset + control,
                std::string(what) + ": expected valid JSON, found " +
                    describe_control_byte(static_cast<unsigned char>(text[control])));
  }
  for (size_t i = parse.end; i < text.size(); ++i) {
    if (is_json_whitespace(text[i])) continue;
    auto c = static_cast<unsigned char>(text[i]);
    std::string found = c == 0      ? "a NUL byte (headers may be padded with spaces only)"
                        : c < 0x20  ? describe_control_byte(c)
                        : c >= 0x80 ? "the byte " + hex_byte(c)
                                    : "'" + std::string(1, text[i]) + "'";
    throw Error(
        ErrorCode::bad_json, file, base_offset + i,
        std::string(what) + ": expected only whitespace after the JSON value, found " + found);
  }
}

}  // namespace tensorio::detail
