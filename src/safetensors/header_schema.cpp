#include "safetensors/header_schema.hpp"

#include <rapidjson/reader.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <unordered_set>
#include <vector>

#include "core/name_index.hpp"
#include "safetensors/strict_json.hpp"
#include "tensorio/error.hpp"

namespace tensorio::detail {

namespace {

constexpr std::string_view kMetadataKey = "__metadata__";

// What a JSON value is, in the words of json_type_name (the DOM-based readers' messages).
enum class Kind { null, boolean, object, array, string, integer, negative, number };

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::null: return "null";
    case Kind::boolean: return "a boolean";
    case Kind::object: return "an object";
    case Kind::array: return "an array";
    case Kind::string: return "a string";
    case Kind::integer: return "an integer";
    case Kind::negative: return "a negative integer";
    case Kind::number: return "a non-integer number";
  }
  return "a value";
}

std::string tag(std::string_view name) { return "tensor '" + std::string(name) + "'"; }

struct Failure {
  ErrorCode code = ErrorCode::bad_header;
  uint64_t offset = 0;  // in the JSON text
  std::string message;
};

// One JSON value as the SAX events deliver it.
struct Value {
  explicit Value(Kind k, uint64_t n = 0, std::string_view t = {}) : kind(k), number(n), text(t) {}
  Kind kind;
  uint64_t number;        // Kind::integer
  std::string_view text;  // Kind::string
  bool container() const noexcept { return kind == Kind::object || kind == Kind::array; }
};

// Where the pass is: which value the next event belongs to.
enum class Context { root_value, root, metadata, tensor, shape, offsets, done };
enum class Field { dtype, shape, offsets, other };

class SchemaHandler {
 public:
  SchemaHandler(const rapidjson::InsituStringStream& stream, size_t text_size, const Limits& limits,
                bool has_escapes)
      : stream_(stream), limits_(limits), strings_(has_escapes) {
    // An entry takes at least ~50 bytes of JSON: reserving for that many (capped) saves the
    // vectors' regrowth, whose large copies and frees were a tenth of a 1,000-tensor open.
    size_t expected = std::min<size_t>(text_size / 64, size_t{1} << 16);
    entries_.reserve(expected);
    keys_.reserve(expected);
  }

  // --- RapidJSON SAX events ---
  bool Null() { return value(Value(Kind::null)); }
  bool Bool(bool) { return value(Value(Kind::boolean)); }
  // A negative-integer event with value 0 can only come from "-0": serde_json's float.
  bool Int(int i) { return value(Value(i == 0 ? Kind::number : Kind::negative)); }
  bool Int64(int64_t i) { return value(Value(i == 0 ? Kind::number : Kind::negative)); }
  bool Uint(unsigned u) { return value(Value(Kind::integer, u)); }
  bool Uint64(uint64_t u) { return value(Value(Kind::integer, u)); }
  bool Double(double) { return value(Value(Kind::number)); }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return value(Value(Kind::number)); }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return strings_.accept(s, n) && value(Value(Kind::string, 0, std::string_view(s, n)));
  }
  bool StartObject() { return depth_.enter() && value(Value(Kind::object)); }
  bool StartArray() { return depth_.enter() && value(Value(Kind::array)); }
  bool EndObject(rapidjson::SizeType) { return end(); }
  bool EndArray(rapidjson::SizeType) { return end(); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (!strings_.accept(s, n)) return false;
    if (skip_ == 0) key({s, n});
    return true;
  }

  const JsonDepth& depth() const noexcept { return depth_; }
  const JsonStrings& strings() const noexcept { return strings_; }

  // After a successful parse: the first error in the reference's order, or the entries.
  void finish(const std::string& file, uint64_t base, SafetensorsHeader& out) {
    auto raise = [&](const Failure& f) { throw Error(f.code, file, base + f.offset, f.message); };
    if (root_failure_) raise(*root_failure_);
    if (root_count_ > limits_.max_tensors) {
      raise({ErrorCode::limit_exceeded, limit_offset_,
             "safetensors header: expected at most " + std::to_string(limits_.max_tensors) +
                 " tensors (Limits::max_tensors), found " + std::to_string(root_count_) +
                 " entries"});
    }
    auto dup = first_duplicate_key();
    if (dup && (!key_failure_ || keys_[*dup].root_index < key_failure_root_index_)) {
      const SafetensorsEntry& e = entries_[*dup];
      raise({ErrorCode::duplicate_name, keys_[*dup].offset,
             "safetensors header: expected unique keys, found '" + e.name +
                 "' twice (the reference would silently keep the last one)"});
    }
    if (key_failure_) raise(*key_failure_);
    if (tensor_failure_) raise(*tensor_failure_);
    out.tensors = std::move(entries_);
    out.metadata = std::move(metadata_);
  }

 private:
  // InsituStringStream::Tell() is not const; it is this difference.
  uint64_t here() const noexcept { return static_cast<uint64_t>(stream_.src_ - stream_.head_); }

  // A value starts (a scalar, or an array or object being opened).
  bool value(const Value& v) {
    if (skip_ > 0) {
      if (v.container()) ++skip_;
      return true;
    }
    switch (context_) {
      case Context::root_value: root_value(v); break;
      case Context::root: member_value(v); break;
      case Context::metadata: metadata_value(v); break;
      case Context::tensor: field_value(v); break;
      case Context::shape:
      case Context::offsets: element(v); break;
      case Context::done: break;  // unreachable: the parser stops after the root value
    }
    return true;
  }

  // An array or object ends.
  bool end() {
    depth_.leave();
    if (skip_ > 0) {
      --skip_;
      return true;
    }
    switch (context_) {
      case Context::root: context_ = Context::done; break;
      case Context::metadata: context_ = Context::root; break;
      case Context::tensor:
        end_tensor();
        context_ = Context::root;
        break;
      case Context::shape:
      case Context::offsets:
        end_array();
        context_ = Context::tensor;
        break;
      case Context::root_value:
      case Context::done: break;
    }
    return true;
  }

  // Consumes a value this pass does not look into: a container is skipped to its end.
  void ignore(const Value& v) {
    if (v.container()) skip_ = 1;
  }

  // --- the root object ---

  void root_value(const Value& v) {
    if (v.kind == Kind::object) {
      context_ = Context::root;
      return;
    }
    root_failure_ = Failure{
        ErrorCode::bad_header, here(),
        "safetensors header: expected a JSON object, found " + std::string(kind_name(v.kind))};
    context_ = Context::done;
    ignore(v);
  }

  void key(std::string_view k) {
    switch (context_) {
      case Context::root: root_key(k); break;
      case Context::metadata: metadata_key(k); break;
      case Context::tensor: field_key(k); break;
      default: break;  // keys only occur inside objects
    }
  }

  void root_key(std::string_view k) {
    uint64_t index = root_count_++;
    if (root_count_ > limits_.max_tensors) {
      // The count is all that matters now: stop keeping entries (memory stays bounded by the
      // limit), but go on so that a syntax error later still wins, as in the reference.
      if (root_count_ == limits_.max_tensors + 1) limit_offset_ = here();
      member_ = Member::ignored;
      return;
    }
    if (k == kMetadataKey) {
      member_ = Member::metadata;
      metadata_index_ = index;
      if (++metadata_keys_ > 1) {
        key_fail(index, {ErrorCode::duplicate_name, here(),
                         "safetensors header: expected unique keys, found '__metadata__' twice "
                         "(the reference would silently keep the last one)"});
      }
      return;
    }
    member_ = Member::tensor;
    entries_.emplace_back().name = std::string(k);
    keys_.push_back({here(), index});
  }

  void member_value(const Value& v) {
    switch (member_) {
      case Member::ignored: ignore(v); return;
      case Member::metadata:
        if (v.kind == Kind::object) {
          context_ = Context::metadata;
          metadata_seen_.clear();
          metadata_.clear();  // a repeated __metadata__ is an error; keep the last either way
          return;
        }
        if (v.kind != Kind::null) {  // null: accepted and treated as absent, as by the reference
          key_fail(metadata_index_, {ErrorCode::bad_metadata, here(),
                                     "__metadata__: expected null or an object of strings, found " +
                                         std::string(kind_name(v.kind))});
        }
        ignore(v);
        return;
      case Member::tensor:
        if (v.kind == Kind::object) {
          start_tensor();
          return;
        }
        tensor_fail({ErrorCode::bad_header, here(),
                     tag(entries_.back().name) +
                         ": expected an object with dtype, shape and data_offsets, found " +
                         std::string(kind_name(v.kind))});
        ignore(v);
        return;
    }
  }

  // Duplicate root keys (one tensor name twice) are found after the pass, when the names no
  // longer move, in one pass over a flat hash table (a set of 1,000 names cost a node each).
  // Returns the first entry whose name an earlier one had, or nothing.
  std::optional<size_t> first_duplicate_key() const {
    NameIndex seen;
    seen.reserve(entries_.size());
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (!seen.insert(entries_[i].name, i)) return i;
    }
    return std::nullopt;
  }

  // Keeps the root-level error (a __metadata__ problem or a repeated __metadata__ key) with the
  // lowest root position; duplicate tensor names are compared against it in finish().
  void key_fail(uint64_t root_index, Failure f) {
    if (key_failure_ && key_failure_root_index_ <= root_index) return;
    key_failure_ = std::move(f);
    key_failure_root_index_ = root_index;
  }

  // --- __metadata__ ---

  void metadata_key(std::string_view k) {
    metadata_key_ = std::string(k);
    metadata_key_offset_ = here();
  }

  void metadata_value(const Value& v) {
    if (v.kind != Kind::string) {
      key_fail(metadata_index_,
               {ErrorCode::bad_metadata, metadata_key_offset_,
                "__metadata__ key '" + metadata_key_ + "': expected a string value, found " +
                    std::string(kind_name(v.kind))});
      ignore(v);
      return;
    }
    if (!metadata_seen_.insert(metadata_key_).second) {
      key_fail(metadata_index_,
               {ErrorCode::duplicate_name, metadata_key_offset_,
                "__metadata__: expected unique keys, found '" + metadata_key_ + "' twice"});
      return;
    }
    metadata_.emplace_back(metadata_key_, std::string(v.text));
  }

  // --- one tensor entry ---

  void start_tensor() {
    context_ = Context::tensor;
    has_dtype_ = has_shape_ = has_offsets_ = false;
    extra_fields_.clear();
  }

  // Once a tensor has failed, later tensors cannot change the outcome: their contents are only
  // parsed (their names still count for duplicate keys).
  bool tensor_settled() const noexcept { return tensor_failure_.has_value(); }

  void tensor_fail(Failure f) {
    if (!tensor_failure_) tensor_failure_ = std::move(f);
  }

  void field_key(std::string_view k) {
    if (tensor_settled()) return;
    auto duplicate = [&] {
      tensor_fail({ErrorCode::duplicate_name, here(),
                   tag(entries_.back().name) + ": expected unique fields, found '" +
                       std::string(k) + "' twice"});
    };
    if (k == "dtype") {
      field_ = Field::dtype;
      if (has_dtype_) duplicate();
      has_dtype_ = true;
    } else if (k == "shape") {
      field_ = Field::shape;
      if (has_shape_) duplicate();
      has_shape_ = true;
    } else if (k == "data_offsets") {
      field_ = Field::offsets;
      if (has_offsets_) duplicate();
      has_offsets_ = true;
    } else {
      // Unknown fields are ignored, as by the reference, but not twice.
      field_ = Field::other;
      if (!extra_fields_.insert(std::string(k)).second) duplicate();
    }
  }

  void field_value(const Value& v) {
    if (tensor_settled()) return ignore(v);
    SafetensorsEntry& e = entries_.back();
    switch (field_) {
      case Field::dtype: {
        if (v.kind != Kind::string) {
          tensor_fail({ErrorCode::bad_header, here(),
                       tag(e.name) + ": expected dtype to be a string, found " +
                           std::string(kind_name(v.kind))});
          return ignore(v);
        }
        auto dtype = dtype_from_safetensors(v.text);
        if (!dtype) {
          tensor_fail({ErrorCode::unknown_dtype, here(),
                       tag(e.name) +
                           ": expected a safetensors dtype (BOOL, F4, F6_E2M3, F6_E3M2, U8, I8, "
                           "F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ, I16, U16, F16, "
                           "BF16, I32, U32, F32, C64, F64, I64, U64), found '" +
                           std::string(v.text) + "'"});
          return;
        }
        e.dtype = *dtype;
        return;
      }
      case Field::shape:
        if (v.kind != Kind::array) {
          tensor_fail({ErrorCode::bad_shape, here(),
                       tag(e.name) +
                           ": expected shape to be an array of non-negative integers, found " +
                           std::string(kind_name(v.kind))});
          return ignore(v);
        }
        start_array(Context::shape);
        return;
      case Field::offsets:
        if (v.kind != Kind::array) {
          tensor_fail({ErrorCode::bad_offsets, here(),
                       tag(e.name) + ": expected data_offsets to be [begin, end], found " +
                           std::string(kind_name(v.kind))});
          return ignore(v);
        }
        start_array(Context::offsets);
        return;
      case Field::other: return ignore(v);
    }
  }

  void end_tensor() {
    if (tensor_settled()) return;
    const char* missing = !has_dtype_     ? "dtype"
                          : !has_shape_   ? "shape"
                          : !has_offsets_ ? "data_offsets"
                                          : nullptr;
    if (missing) {
      tensor_fail({ErrorCode::bad_header, here(),
                   tag(entries_.back().name) + ": expected a field '" + missing + "', found none"});
    }
  }

  // --- shape and data_offsets arrays ---

  void start_array(Context which) {
    context_ = which;
    elements_ = 0;
    element_failure_.reset();
  }

  void element(const Value& v) {
    uint64_t i = elements_++;
    SafetensorsEntry& e = entries_.back();
    if (v.kind == Kind::integer) {
      if (context_ == Context::shape && i < limits_.max_dims) e.shape.push_back(v.number);
      if (context_ == Context::offsets && i < 2) (i == 0 ? e.begin : e.end) = v.number;
      return;
    }
    ignore(v);
    if (element_failure_) return;
    // The array's length is judged first (at its end), as the reference reads the whole array
    // before its elements; so only the first bad element is kept until then.
    bool shape = context_ == Context::shape;
    element_failure_ = Failure{
        shape ? ErrorCode::bad_shape : ErrorCode::bad_offsets, here(),
        tag(e.name) + ": expected " + (shape ? "shape[" : "data_offsets[") + std::to_string(i) +
            "] to be a non-negative integer below 2^64, found " + std::string(kind_name(v.kind))};
  }

  void end_array() {
    const SafetensorsEntry& e = entries_.back();
    if (context_ == Context::shape && elements_ > limits_.max_dims) {
      return tensor_fail({ErrorCode::limit_exceeded, here(),
                          tag(e.name) + ": expected at most " + std::to_string(limits_.max_dims) +
                              " dimensions (Limits::max_dims), found " +
                              std::to_string(elements_)});
    }
    if (context_ == Context::offsets && elements_ != 2) {
      return tensor_fail({ErrorCode::bad_offsets, here(),
                          tag(e.name) +
                              ": expected data_offsets to be [begin, end], found an array of " +
                              std::to_string(elements_) + " elements"});
    }
    if (element_failure_) tensor_fail(std::move(*element_failure_));
  }

  enum class Member { tensor, metadata, ignored };

  const rapidjson::InsituStringStream& stream_;
  const Limits& limits_;
  JsonDepth depth_;
  JsonStrings strings_;
  Context context_ = Context::root_value;
  unsigned skip_ = 0;  // open containers being skipped

  uint64_t root_count_ = 0;  // keys of the root object, __metadata__ included
  uint64_t limit_offset_ = 0;
  Member member_ = Member::tensor;
  std::vector<SafetensorsEntry> entries_;  // every tensor key, in document order
  struct KeyPosition {
    uint64_t offset;      // where the key ends in the text
    uint64_t root_index;  // its position among the root keys
  };
  std::vector<KeyPosition> keys_;  // per entry

  uint64_t metadata_index_ = 0;
  unsigned metadata_keys_ = 0;
  std::string metadata_key_;
  uint64_t metadata_key_offset_ = 0;
  std::unordered_set<std::string> metadata_seen_;
  StringPairs metadata_;

  bool has_dtype_ = false, has_shape_ = false, has_offsets_ = false;
  Field field_ = Field::other;
  std::unordered_set<std::string> extra_fields_;  // rare: unknown fields of the current tensor
  uint64_t elements_ = 0;
  std::optional<Failure> element_failure_;

  std::optional<Failure> root_failure_;
  std::optional<Failure> key_failure_;
  uint64_t key_failure_root_index_ = 0;
  std::optional<Failure> tensor_failure_;
};

}  // namespace

void parse_safetensors_json(std::string_view text, uint64_t base_offset, const std::string& file,
                            const Limits& limits, SafetensorsHeader& out) {
  // RapidJSON scans strings and whitespace 16 bytes at a time (SSE2; NEON in releases after
  // Debian's 1.1.0; switched on in the top-level meson.build) only in a NUL-terminated stream
  // parsed in place, so the pass runs on a copy of the text: the copy costs a memcpy (made in the
  // same pass as the lexical scan), the byte-at-a-time scan cost a third of the parse. The
  // scanners' aligned 16-byte loads may reach 15 bytes past the terminator: the zeroed padding
  // keeps them inside the allocation. The copy ends at the first raw control byte (RapidJSON
  // treats a NUL as the end), so that an error before it wins and the byte is reported
  // otherwise (json_lexical.hpp).
  constexpr size_t kPadding = 32;
  auto copy = std::make_unique_for_overwrite<char[]>(text.size() + kPadding);
  const JsonTextScan scan = copy_json_text(text, copy.get());
  auto attempt = [&](bool rewrite_numbers) {
    if (rewrite_numbers) {  // the first parse decoded strings in place: start from the text
      if (!text.empty()) std::memcpy(copy.get(), text.data(), text.size());
      neutralize_numbers(std::span<char>(copy.get(), scan.parse_end));
    }
    std::memset(copy.get() + scan.parse_end, 0, text.size() - scan.parse_end + kPadding);
    rapidjson::InsituStringStream stream(copy.get());
    rapidjson::Reader reader;
    SchemaHandler handler(stream, text.size(), limits, scan.has_escapes);
    constexpr unsigned kFlags = rapidjson::kParseInsituFlag | rapidjson::kParseStopWhenDoneFlag;
    rapidjson::ParseResult result = reader.Parse<kFlags>(stream, handler);
    if (!rewrite_numbers && number_too_big(result)) return false;
    finish_strict_json(text, {result, stream.Tell(), handler.depth(), handler.strings(), scan},
                       file, base_offset, "safetensors header");
    handler.finish(file, base_offset, out);
    return true;
  };
  if (!attempt(false)) attempt(true);
}

}  // namespace tensorio::detail
