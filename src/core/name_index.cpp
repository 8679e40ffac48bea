#include "core/name_index.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>

namespace tensorio::detail {

namespace {

// A 64 x 64 -> 128-bit product folded back to 64 bits: every input bit reaches every output
// bit in one multiply, which is what makes the word-at-a-time loop below a good hash.
inline uint64_t fold_multiply(uint64_t a, uint64_t b) noexcept {
  unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(p) ^ static_cast<uint64_t>(p >> 64);
}

// Names come from the files being opened: with a fixed hash, a hostile archive could pick
// names that all land in one probe chain and make building the index quadratic. The seed is
// drawn once per process, so no file can know it.
uint64_t process_seed() noexcept {
  static const uint64_t seed = [] {
    uint64_t s = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    s ^= reinterpret_cast<uintptr_t>(&s);  // the stack's address, randomized by the loader
    try {
      std::random_device device;
      s ^= (uint64_t{device()} << 32) ^ device();
    } catch (...) {
      // No entropy source: the clock and the address above stay the seed.
    }
    return s | 1;
  }();
  return seed;
}

constexpr uint64_t kWordMultiplier = 0x9E3779B97F4A7C15u;   // 2^64 / golden ratio, odd
constexpr uint64_t kFinalMultiplier = 0xD6E8FEB86659FD93u;  // an odd 64-bit constant

}  // namespace

// Eight bytes per step (a 40-byte checkpoint name is five multiplies), the last word read
// overlapping the one before instead of byte by byte; names shorter than a word are read in
// two overlapping halves (or three single bytes). About 60 instructions for a 30-40 byte name
// against std::hash's 85 (callgrind), and an open hashes every name of an archive twice (its
// zip member name and its tensor name).
size_t NameIndex::hash(std::string_view name) noexcept {
  const char* p = name.data();
  const size_t n = name.size();
  uint64_t h = process_seed() ^ (uint64_t{n} * kWordMultiplier);
  auto load = [](const char* at, auto word) {
    std::memcpy(&word, at, sizeof word);
    return uint64_t{word};
  };
  uint64_t last;  // with the length mixed in above, overlapping reads still tell names apart
  if (n > 8) {
    const char* end = p + n;
    for (; end - p > 8; p += 8) h = fold_multiply(h ^ load(p, uint64_t{}), kWordMultiplier);
    last = load(end - 8, uint64_t{});
  } else if (n >= 4) {
    last = load(p, uint32_t{}) | (load(p + n - 4, uint32_t{}) << 32);
  } else if (n > 0) {
    last = uint64_t{static_cast<unsigned char>(p[0])} |
           (uint64_t{static_cast<unsigned char>(p[n / 2])} << 8) |
           (uint64_t{static_cast<unsigned char>(p[n - 1])} << 16);
  } else {
    last = 0;
  }
  h = fold_multiply(h ^ last, kWordMultiplier);
  return static_cast<size_t>(fold_multiply(h, kFinalMultiplier));
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
