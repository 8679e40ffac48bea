#include "core/name_index.hpp"

#include <algorithm>
#include <bit>
#include <functional>

namespace tensorio::detail {

size_t NameIndex::hash(std::string_view name) noexcept {
  return std::hash<std::string_view>{}(name);
}

void NameIndex::reserve(size_t count) {
  // At most half full: linear probing stays short (about 1.5 probes per hit).
  size_t want = std::bit_ceil(std::max<size_t>(count, 4) * 2);
  if (want > slots_.size()) rehash(want);
}

void NameIndex::rehash(size_t capacity) {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(capacity, Slot{});
  for (const Slot& s : old) {
    if (s.position == kEmpty) continue;
    size_t i = s.hash & (capacity - 1);
    while (slots_[i].position != kEmpty) i = (i + 1) & (capacity - 1);
    slots_[i] = s;
  }
}

bool NameIndex::insert_hashed(std::string_view name, size_t name_hash, size_t position) {
  if ((size_ + 1) * 2 > slots_.size()) rehash(std::max<size_t>(8, slots_.size() * 2));
  size_t mask = slots_.size() - 1;
  for (size_t i = name_hash & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.position == kEmpty) {
      s = {name, name_hash, position};
      ++size_;
      return true;
    }
    if (s.hash == name_hash && s.name == name) return false;
  }
}

std::optional<size_t> NameIndex::find(std::string_view name) const noexcept {
  if (slots_.empty()) return std::nullopt;
  size_t mask = slots_.size() - 1;
  size_t name_hash = hash(name);
  for (size_t i = name_hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.position == kEmpty) return std::nullopt;
    if (s.hash == name_hash && s.name == name) return s.position;
  }
}

}  // namespace tensorio::detail
