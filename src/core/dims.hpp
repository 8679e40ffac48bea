// Dims — a tensor record's shape: up to kInline dimensions stored in place, more on the heap.
//
// Every checkpoint tensor has at most a handful of dimensions; a std::vector made one
// allocation per record at open (and one free at close), a tenth of opening a 1,000-tensor
// archive. NumPy allows 64 dimensions and the formats' limits are configurable, so longer
// shapes still work, through the vector. No member points into the object: the defaulted
// copies and moves are correct.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <span>
#include <vector>

namespace tensorio::detail {

class Dims {
 public:
  static constexpr size_t kInline = 8;

  Dims() = default;
  Dims(std::initializer_list<uint64_t> dims) { assign(dims.begin(), dims.end()); }

  Dims& operator=(std::initializer_list<uint64_t> dims) {
    assign(dims.begin(), dims.end());
    return *this;
  }
  Dims& operator=(std::span<const uint64_t> dims) {
    assign(dims.begin(), dims.end());
    return *this;
  }
  Dims& operator=(const std::vector<uint64_t>& dims) { return *this = std::span(dims); }

  template <typename Iterator>
  void assign(Iterator first, Iterator last) {
    auto n = static_cast<size_t>(std::distance(first, last));
    if (n <= kInline) {
      heap_.clear();
      std::copy(first, last, inline_);
    } else {
      heap_.assign(first, last);
    }
    size_ = n;
  }

  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const uint64_t* data() const noexcept { return size_ <= kInline ? inline_ : heap_.data(); }
  uint64_t* data() noexcept { return size_ <= kInline ? inline_ : heap_.data(); }
  const uint64_t* begin() const noexcept { return data(); }
  const uint64_t* end() const noexcept { return data() + size_; }
  uint64_t operator[](size_t i) const noexcept { return data()[i]; }
  uint64_t& operator[](size_t i) noexcept { return data()[i]; }
  uint64_t back() const noexcept { return data()[size_ - 1]; }
  uint64_t& back() noexcept { return data()[size_ - 1]; }

  operator std::span<const uint64_t>() const noexcept { return {data(), size_}; }

 private:
  uint64_t inline_[kInline] = {};
  std::vector<uint64_t> heap_;  // used when size_ > kInline
  size_t size_ = 0;
};

}  // namespace tensorio::detail
