// NameIndex — tensor name -> position in an archive, built once per open.
//
// An open-addressing table of (name view, hash, position) slots in one allocation: a 1,000-tensor
// checkpoint costs one allocation here instead of a hash-map node per tensor (the nodes and
// their frees were ~10 % of opening one). The views point into strings the caller keeps alive
// and in place (the tensor records' names, which are heap-allocated and never move).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace tensorio::detail {

class NameIndex {
 public:
  // Sizes the table for `count` names, so that inserting them never rehashes.
  void reserve(size_t count);

  // The hash insert() and find() use; a caller may compute it ahead (on another thread, say)
  // and pass it to insert_hashed().
  static size_t hash(std::string_view name) noexcept;

  // Adds name -> position; false (and nothing changes) when the name is already present.
  bool insert(std::string_view name, size_t position) {
    return insert_hashed(name, hash(name), position);
  }
  // insert() with `name_hash` == hash(name) already computed.
  bool insert_hashed(std::string_view name, size_t name_hash, size_t position);

  std::optional<size_t> find(std::string_view name) const noexcept;

  size_t size() const noexcept { return size_; }

 private:
  static constexpr size_t kEmpty = static_cast<size_t>(-1);
  // The name's hash is kept in its slot: a probe compares hashes and reads the name's bytes
  // only when they agree, so building the index reads no other name than the one inserted
  // (those bytes were often last written by another core: a cache miss per probe).
  struct Slot {
    std::string_view name;
    size_t hash = 0;
    size_t position = kEmpty;
  };

  void rehash(size_t capacity);

  std::vector<Slot> slots_;  // empty, or a power of two at least twice size_
  size_t size_ = 0;
};

}  // namespace tensorio::detail
