// Reading metadata values in place: exact-typed access, array elements, lookup by key, and
// the lazily built index of string (and nested-array) arrays.
#include <mutex>
#include <string>

#include "core/endian.hpp"
#include "gguf/gguf_state.hpp"

namespace tensorio {

uint64_t gguf_encoded_size(GgufType element, const std::byte* p) noexcept {
  if (element == GgufType::string) return 8 + load_le<uint64_t>(p);
  if (element != GgufType::array) return gguf_type_size(element);
  auto inner = static_cast<GgufType>(load_le<uint32_t>(p));
  uint64_t count = load_le<uint64_t>(p + 4);
  uint64_t size = 12;
  if (uint32_t fixed = gguf_type_size(inner); fixed != 0) return size + count * fixed;
  for (uint64_t i = 0; i < count; ++i) size += gguf_encoded_size(inner, p + size);
  return size;
}

uint64_t GgufArrayIndex::offset_of(uint64_t i) const {
  std::call_once(once_, [this] {
    offsets_.resize(count_);
    uint64_t at = 0;
    for (uint64_t k = 0; k < count_; ++k) {
      offsets_[k] = at;
      at += gguf_encoded_size(element_, data_ + at);
    }
  });
  return offsets_[i];
}

GgufValueView GgufAccess::scalar(const GgufFileState* file, std::string_view key, GgufType type,
                                 const std::byte* data, uint64_t size, uint64_t file_offset) {
  GgufValueView v;
  v.type_ = type;
  v.data_ = data;
  v.size_ = size;
  v.file_offset_ = file_offset;
  v.file_ = file;
  v.key_ = key;
  return v;
}

GgufValueView GgufAccess::array(const GgufFileState* file, std::string_view key, GgufType element,
                                uint64_t count, const std::byte* data, uint64_t size,
                                uint64_t file_offset, const GgufArrayIndex* index) {
  GgufValueView v = scalar(file, key, GgufType::array, data, size, file_offset);
  v.element_type_ = element;
  v.count_ = count;
  v.index_ = index;
  return v;
}

GgufValueView GgufAccess::element_at(const GgufValueView& array, uint64_t at) {
  GgufType et = array.element_type_;
  const std::byte* p = array.data_ + at;
  uint64_t off = array.file_offset_ + at;
  if (et == GgufType::string) {
    return scalar(array.file_, array.key_, et, p + 8, load_le<uint64_t>(p), off + 8);
  }
  if (et == GgufType::array) {
    auto inner = static_cast<GgufType>(load_le<uint32_t>(p));
    uint64_t count = load_le<uint64_t>(p + 4);
    uint64_t size = gguf_encoded_size(et, p) - 12;
    return GgufAccess::array(array.file_, array.key_, inner, count, p + 12, size, off + 12,
                             nullptr);
  }
  return scalar(array.file_, array.key_, et, p, gguf_type_size(et), off);
}

namespace {

const std::string& path_of(const detail::GgufFileState* file) {
  static const std::string kNone;
  return file ? file->path : kNone;
}

}  // namespace

void GgufValueView::require(GgufType want) const {
  if (type_ == want) return;
  throw Error(ErrorCode::type_mismatch, path_of(file_), file_offset_,
              "key '" + std::string(key_) + "': expected a value of type " +
                  std::string(gguf_type_name(want)) + ", found " +
                  std::string(gguf_type_name(type_)));
}

std::string_view GgufValueView::as_string() const {
  require(GgufType::string);
  return {reinterpret_cast<const char*>(data_), size_};
}

GgufArrayView GgufValueView::array() const {
  require(GgufType::array);
  return GgufArrayView(*this);
}

void GgufArrayView::require_element(GgufType want) const {
  if (value_.element_type_ == want) return;
  throw Error(ErrorCode::type_mismatch, path_of(value_.file_), value_.file_offset_,
              "key '" + std::string(value_.key_) + "': expected an array of " +
                  std::string(gguf_type_name(want)) + ", found an array of " +
                  std::string(gguf_type_name(value_.element_type_)));
}

GgufValueView GgufArrayView::element(uint64_t i) const {
  if (i >= value_.count_) {
    throw Error(ErrorCode::invalid_argument, path_of(value_.file_), value_.file_offset_,
                "key '" + std::string(value_.key_) + "': expected an element index below " +
                    std::to_string(value_.count_) + ", found " + std::to_string(i));
  }
  GgufType et = value_.element_type_;
  uint64_t at = 0;
  if (uint32_t fixed = gguf_type_size(et); fixed != 0) {
    at = i * fixed;
  } else if (value_.index_ != nullptr) {
    at = value_.index_->offset_of(i);
  } else {
    // A nested array has no index of its own: walk to the element.
    for (uint64_t k = 0; k < i; ++k) at += detail::gguf_encoded_size(et, value_.data_ + at);
  }
  return detail::GgufAccess::element_at(value_, at);
}

size_t GgufMetadata::size() const noexcept { return state_->values.size(); }

std::string_view GgufMetadata::key(size_t i) const { return value(i).key(); }

GgufValueView GgufMetadata::value(size_t i) const {
  if (i >= state_->values.size()) {
    throw Error(ErrorCode::invalid_argument, state_->path, no_offset,
                "metadata index: expected one below " + std::to_string(state_->values.size()) +
                    ", found " + std::to_string(i));
  }
  return state_->values[i];
}

std::optional<GgufValueView> GgufMetadata::find(std::string_view key) const noexcept {
  auto it = state_->key_index.find(key);
  if (it == state_->key_index.end()) return std::nullopt;
  return state_->values[it->second];
}

GgufValueView GgufMetadata::at(std::string_view key) const {
  if (auto v = find(key)) return *v;
  throw Error(ErrorCode::not_found, state_->path, no_offset,
              "expected a metadata key '" + std::string(key) + "', found none");
}

}  // namespace tensorio
