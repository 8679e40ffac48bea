// SparseWindow — the address range that stands for a whole remote file, filled in only where
// bytes were fetched.
//
// Parsers read a remote file exactly as they read a mapping: through one span of the whole
// file. The span is anonymous memory reserved for the file's full length (MAP_NORESERVE: no
// memory is committed until a page is written), into which the opener's range requests write
// the header bytes the format needs. Payloads are never written here; they are fetched into
// the views' own buffers or the caller's.
//
// A parser reading a byte that was never fetched would see a zero. That can only happen when
// the opener's plan of the ranges a format reads falls short (a hostile or unusual file), and
// it is caught after the fact: reading an untouched anonymous page maps the shared zero page,
// which mincore() reports as resident, so stray_reads() lists every page that was read but
// never filled. The opener then fetches those pages and parses again (io/open_file.hpp), so a
// parse is only ever accepted when every byte it read came from the server. Transparent huge
// pages are turned off for the range, so a read maps one 4 KiB zero page, not 2 MiB of them.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace tensorio::detail {

// Bytes [begin, end) of a file.
struct ByteRange {
  uint64_t begin = 0;
  uint64_t end = 0;
  uint64_t size() const noexcept { return end - begin; }
};

class SparseWindow {
 public:
  // The largest file a window stands for. stray_reads() costs a status byte per page of the
  // file; a server declaring a larger file is refused rather than trusted with that cost.
  static constexpr uint64_t kMaxSize = uint64_t{1} << 42;

  // Reserves `size` bytes of address space; throws Error(io_error) naming `name` when `size`
  // is over kMaxSize or the system refuses.
  SparseWindow(uint64_t size, const std::string& name);
  ~SparseWindow();
  SparseWindow(const SparseWindow&) = delete;
  SparseWindow& operator=(const SparseWindow&) = delete;

  uint64_t size() const noexcept { return size_; }
  std::span<std::byte> bytes() const noexcept { return {data_, static_cast<size_t>(size_)}; }

  // `r` rounded out to whole pages (clamped to the file), minus what is filled: the ranges a
  // fetch must bring, in file order.
  std::vector<ByteRange> missing(ByteRange r) const;
  // True when every byte of `r` was filled.
  bool filled(ByteRange r) const;
  // Records that bytes `r` were written. Only whole pages count (and the file's last, partial
  // page): a page partly written is still "not filled".
  void mark_filled(ByteRange r);
  uint64_t filled_bytes() const;

  // Runs of pages that were read but never filled, in file order (see the header comment).
  std::vector<ByteRange> stray_reads() const;

 private:
  std::byte* data_ = nullptr;
  uint64_t size_ = 0;
  uint64_t mapped_ = 0;  // the reservation's length (size_ rounded up to pages)
  mutable std::mutex mutex_;
  std::map<uint64_t, uint64_t> filled_;  // begin -> end, disjoint and not adjacent
};

}  // namespace tensorio::detail
