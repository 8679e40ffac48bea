// RecordBlock — the records of one archive's tensors, in one allocation.
//
// An open that made each record with make_shared made one allocation per tensor, and closing
// freed them one by one; those thousand small frees also made the next open's first large
// allocation merge them back (glibc consolidates its small-chunk bins then). A block holds
// `capacity` record slots in one array. Each slot is constructed by the thread that fills it
// (an open's worker) and handed out as a shared_ptr that shares the block's ownership: a view
// keeps the whole block, and so every record of its archive, alive (records are small beside
// the mapping a view keeps anyway).
//
// Thread safety: emplace() on distinct slots may run on different threads at once; share()
// and destruction run after those threads have been joined.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <vector>

#include "core/tensor_record.hpp"

namespace tensorio::detail {

class RecordBlock {
 public:
  static std::shared_ptr<RecordBlock> make(size_t capacity) {
    return std::shared_ptr<RecordBlock>(new RecordBlock(capacity));
  }

  RecordBlock(const RecordBlock&) = delete;
  RecordBlock& operator=(const RecordBlock&) = delete;

  ~RecordBlock() {
    for (size_t i = 0; i < capacity_; ++i) {
      if (constructed_[i]) slots_[i].~TensorRecord();
    }
    std::allocator<TensorRecord>().deallocate(slots_, capacity_);
  }

  // Constructs slot `i` (once; i < capacity) and returns it.
  TensorRecord& emplace(size_t i) {
    TensorRecord* rec = new (&slots_[i]) TensorRecord();
    constructed_[i] = 1;
    return *rec;
  }

  // Slot `i` (constructed by emplace), owned through `self`: no allocation, one reference
  // count taken on the block.
  static std::shared_ptr<TensorRecord> share(const std::shared_ptr<RecordBlock>& self, size_t i) {
    return std::shared_ptr<TensorRecord>(self, &self->slots_[i]);
  }

 private:
  explicit RecordBlock(size_t capacity)
      : capacity_(capacity),
        // One byte per slot, not vector<bool>: workers set neighbouring flags concurrently.
        constructed_(capacity, 0),
        slots_(std::allocator<TensorRecord>().allocate(capacity)) {}

  size_t capacity_;
  std::vector<unsigned char> constructed_;  // before slots_: freed if allocating those throws
  TensorRecord* slots_;
};

}  // namespace tensorio::detail
