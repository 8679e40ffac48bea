// TensorRecord — the immutable description of one tensor behind a TensorView, plus the
// once-only lazy materialization of its payload.
//
// Parsers build records at open (name, dtype, shape, where the stored bytes are) and attach a
// LazyPayload when the stored bytes cannot be handed out as they are. Nothing here touches the
// payload until the first data() call.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "core/aligned_buffer.hpp"
#include "core/dims.hpp"
#include "core/mapped_file.hpp"
#include "tensorio/dtype.hpp"

namespace tensorio::detail {

// A transform from stored bytes to presented bytes (byte swap, transpose, inflate, dequantize).
// materialize() runs at most once successfully per record, under the record's lock; the span it
// returns must stay valid for the LazyPayload's lifetime (it owns the buffer).
//
// `stored` is the record's stored payload as the core fetched it: the span of the mapping
// (AccessMode::mmap) or an owned copy read with pread (AccessMode::pread). A transform reads
// its input only from `stored`, never from a span it captured at open, so that pread mode
// never touches the mapping.
class LazyPayload {
 public:
  virtual ~LazyPayload() = default;
  virtual std::span<const std::byte> materialize(std::span<const std::byte> stored) = 0;
};

struct TensorRecord {
  std::string name;
  DType dtype = DType::uint8;
  Dims shape;  // C order
  uint64_t num_elements = 0;
  uint64_t nbytes = 0;       // bytes presented by data()
  uint64_t file_offset = 0;  // absolute offset of `stored` in the file
  std::shared_ptr<const MappedFile> file;
  std::span<const std::byte> stored;  // stored payload, inside file->bytes()
  bool big_endian = false;
  bool fortran_order = false;
  std::unique_ptr<LazyPayload> lazy;  // null: `stored` is the payload (zero-copy)

  // Lazy state. `ready` is published with release order after `result` is written, so a reader
  // that sees it set (acquire) sees the finished bytes without taking the lock.
  mutable std::mutex mutex;
  mutable std::atomic<bool> ready{false};
  mutable std::span<const std::byte> result;
  // AccessMode::pread: the stored bytes read with pread, owned by the record.
  mutable AlignedBuffer pread_copy;
  // How many times lazy->materialize() was entered (tests check that concurrent first
  // accesses run a transform once).
  mutable std::atomic<uint32_t> transform_runs{0};

  // Mapping ahead (OpenOptions::map_next_view): the first record after this one in its
  // archive that is worth mapping ahead (see worth_mapping_ahead()), set once while the archive
  // is built; and where the background thread is with this record's
  // stored span: queued (a first data() takes it back and maps it itself), being mapped (a
  // first data() waits for it), mapped (a first data() skips its own populate).
  mutable std::weak_ptr<const TensorRecord> next_in_file;
  static constexpr uint8_t kAheadNone = 0, kAheadQueued = 1, kAheadMapping = 2, kAheadMapped = 3;
  mutable std::atomic<uint8_t> ahead{kAheadNone};

  // Spans below this map in microseconds: not worth a trip through the background queue, and
  // not worth the madvise calls of a first data() either (see data()).
  static constexpr size_t kMinMapAheadBytes = size_t{1} << 20;
  // A zero-copy span of a mapping that wants mapping ahead, and large enough to be worth it.
  bool worth_mapping_ahead() const noexcept {
    return !lazy && file && file->map_next_view() && stored.size() >= kMinMapAheadBytes;
  }

  // Produces the presented bytes (see TensorView::data()).
  std::span<const std::byte> data() const;
  // The presented bytes for a caller that only hands them to system calls (save): a zero-copy
  // record of a mapping comes back without the populate data() does, after the same check that
  // the file still covers it — the save's SourcePrefetcher maps it on another core while write()
  // copies. Every other record goes through data().
  std::span<const std::byte> bytes_for_copy() const;
  // Maps the stored span now (advice and MADV_POPULATE_READ); the background thread's half of
  // mapping ahead. Never throws: a span it cannot map is left to data(), which reports it.
  void map_ahead_now() const noexcept;

 private:
  // AccessMode::pread: copies the stored bytes out of the file into pread_copy.
  std::span<const std::byte> read_stored_with_pread() const;
  // Queues the records after this one, up to a window of bytes, to be mapped in the background.
  void queue_next_ahead() const;
  // True when the background thread has mapped the stored span (waiting for it if it is at
  // work on it); false when the caller must map it.
  bool mapped_ahead() const;
};

}  // namespace tensorio::detail
