// tensorio/read.hpp — getting payload bytes at the speed of the machine: copies into a caller's
// buffer, and whole-archive prefetch / read_all. Format-neutral: works on any Archive.
//
// Three ways to reach the bytes, fastest first depending on where they are:
//
//   view.data()        zero-copy pointer into the mapping. On first access a span of 1 MiB or
//                      more is hinted (MADV_SEQUENTIAL + MADV_WILLNEED) and its page tables are
//                      populated in chunks with MADV_POPULATE_READ where the kernel has it
//                      (Linux >= 5.14), so the bytes are resident when data() returns and
//                      touching them costs no page faults; a smaller span is left to the
//                      kernel's fault-around, cheaper than the system calls at that size. A file
//                      truncated under the mapping makes data() throw Error(file_changed)
//                      instead of raising SIGBUS on touch.
//   prefetch(archive)  does the same for every tensor on N threads (and runs every lazy
//                      transform), reporting progress.
//   read_into(view, dst)  copies (part of) a tensor into memory the caller owns — the path an
//                      inference server uses to fill a staging buffer. Large reads are split into
//                      blocks copied by several threads. Blocks already in the page cache are
//                      mapped in bulk and copied with non-temporal stores (memory speed); the
//                      others are read with parallel buffered pread(), which on the reference
//                      VM reads a cold file faster than ReadPath::direct and level with
//                      faulting it in through a plain mapping: both run at the virtual disk's
//                      limit (bench/RESULTS.md). ReadPath::direct reads
//                      with O_DIRECT into aligned buffers instead, for storage where that wins;
//                      where the filesystem refuses O_DIRECT it falls back to buffered pread() —
//                      same bytes, reported in ReadStats.
//
// Views that need a transform (a big-endian or Fortran-order npy, a deflated npz member) are
// materialized once (as data() does) and copied from there: read_into always gives exactly the
// bytes data() presents.
//
// Thread-safety: all functions may be called concurrently, on the same or different views.
// Errors: tensorio::Error — invalid_argument for a bad range or destination, file_changed when
// the file shrank since it was opened, io_error when the OS fails a read; a failed transform
// throws what data() throws. The destination's contents are unspecified after an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "tensorio/archive.hpp"
#include "tensorio/export.h"
#include "tensorio/tensor_view.hpp"

namespace tensorio {

// How read_into() moves bytes from the file into the destination.
enum class ReadPath : uint8_t {
  automatic,  // per block: when the block is in the page cache, mapped in bulk and copied at
              // memory speed; otherwise buffered pread() (several threads in flight)
  mmap,       // memcpy out of the mapping (page faults on a cold file)
  pread,      // buffered pread() through the page cache
  direct,     // O_DIRECT into aligned buffers; buffered pread where the filesystem refuses it
};
// An archive opened with AccessMode::pread is never read through its mapping: automatic and
// mmap read it with pread() there. A remote file (an http:// or https:// URL) ignores the path:
// each block is one range request, fetched straight into the destination, the blocks in
// parallel over several connections.

// Progress of a multi-block operation: bytes finished so far and the total. Calls are
// serialized (never two at once) but may come from worker threads; the last call has
// done == total. Must not throw.
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

struct TENSORIO_API ReadOptions {
  ReadPath path = ReadPath::automatic;
  // Reader threads; 0 picks max(4, hardware concurrency): reads from storage want a queue of
  // several requests in flight even on few cores. Reads under two blocks run on the caller.
  unsigned threads = 0;
  // Bytes per pread() request (rounded up to 4 KiB); large blocks amortize the system calls.
  size_t block_bytes = size_t{8} << 20;
  ProgressFn progress;
};

// What a read did: bytes by the path that delivered them.
struct TENSORIO_API ReadStats {
  uint64_t cached_bytes = 0;       // through the page cache (copied from cached pages, or pread)
  uint64_t direct_bytes = 0;       // read with O_DIRECT
  uint64_t mapped_bytes = 0;       // copied out of the mapping
  uint64_t transformed_bytes = 0;  // copied from a materialized transform
  uint64_t network_bytes = 0;      // fetched from a remote file with HTTP range requests
  bool direct_refused = false;     // O_DIRECT was wanted but the filesystem refused it

  uint64_t total() const noexcept {
    return cached_bytes + direct_bytes + mapped_bytes + transformed_bytes + network_bytes;
  }
  ReadStats& operator+=(const ReadStats& o) noexcept;
};

// Copies bytes [offset, offset + dst.size()) of view.data() into dst. Throws
// Error(invalid_argument) naming the tensor when the range is not inside the tensor.
TENSORIO_API ReadStats read_into(const TensorView& view, std::span<std::byte> dst,
                                 uint64_t offset = 0, const ReadOptions& options = {});

// Reads every tensor of `archive` into its own destination: dsts[i] receives tensor i (file
// order) and must be exactly its nbytes() long. All blocks of all tensors share one pool of
// threads, so many small tensors read as fast as one large one.
TENSORIO_API ReadStats read_all(const Archive& archive, std::span<const std::span<std::byte>> dsts,
                                const ReadOptions& options = {});

struct TENSORIO_API PrefetchOptions {
  unsigned threads = 0;  // 0: max(4, hardware concurrency)
  // Bytes populated per step; smaller steps give finer progress and earlier cancellation.
  size_t chunk_bytes = size_t{64} << 20;
  ProgressFn progress;
};

// Makes every payload of `archive` resident: zero-copy views are read into the page cache and
// mapped (the work data() does on first access, spread over threads); views with a transform
// are materialized. Afterwards data() on any view returns without I/O.
TENSORIO_API void prefetch(const Archive& archive, const PrefetchOptions& options = {});

}  // namespace tensorio
