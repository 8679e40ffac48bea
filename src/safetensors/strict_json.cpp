#include "safetensors/strict_json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "tensorio/error.hpp"

namespace tensorio::detail {

namespace {

// Forwards SAX events to the document while enforcing the two rules RapidJSON lacks.
class StrictHandler {
 public:
  explicit StrictHandler(rapidjson::Document& doc) : doc_(doc) {}

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
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
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

 private:
  rapidjson::Document& doc_;
  JsonDepth depth_;
};

bool is_json_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

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
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::Reader reader;
  StrictHandler handler(doc);
  rapidjson::ParseResult result;
  // Document::Populate moves the single parsed root into the document when the generator
  // reports success; on failure the partial stack is discarded.
  auto generate = [&](rapidjson::Document&) {
    constexpr unsigned kFlags = rapidjson::kParseStopWhenDoneFlag;
    result = reader.Parse<kFlags>(stream, handler);
    return !result.IsError();
  };
  doc.Populate(generate);
  finish_strict_json(text, result, stream.Tell(), handler.depth(), file, base_offset, what);
}

void finish_strict_json(std::string_view text, const rapidjson::ParseResult& result, size_t end,
                        const JsonDepth& depth, const std::string& file, uint64_t base_offset,
                        std::string_view what) {
  if (depth.too_deep()) {
    throw Error(ErrorCode::limit_exceeded, file, base_offset + result.Offset(),
                std::string(what) + ": expected JSON nested at most " +
                    std::to_string(kMaxJsonDepth) + " levels deep (serde_json's limit), found " +
                    "deeper nesting");
  }
  if (result.IsError()) {
    throw Error(ErrorCode::bad_json, file, base_offset + result.Offset(),
                std::string(what) + ": expected valid JSON, found an error: " +
                    rapidjson::GetParseError_En(result.Code()));
  }
  for (size_t i = end; i < text.size(); ++i) {
    if (is_json_whitespace(text[i])) continue;
    std::string found = text[i] == '\0' ? "a NUL byte (headers may be padded with spaces only)"
                                        : "'" + std::string(1, text[i]) + "'";
    throw Error(
        ErrorCode::bad_json, file, base_offset + i,
        std::string(what) + ": expected only whitespace after the JSON value, found " + found);
  }
}

}  // namespace tensorio::detail
