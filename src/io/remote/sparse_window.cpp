#include "io/remote/sparse_window.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/page_range.hpp"
#include "tensorio/error.hpp"

namespace tensorio::detail {

namespace {

uint64_t round_down(uint64_t v, uint64_t page) { return v / page * page; }
uint64_t round_up(uint64_t v, uint64_t page) { return (v + page - 1) / page * page; }

// mincore() over at most this much at a time: one status byte per page.
constexpr uint64_t kScanChunk = uint64_t{1} << 30;

}  // namespace

SparseWindow::SparseWindow(uint64_t size, const std::string& name) : size_(size) {
  if (size == 0) return;
  uint64_t page = page_size();
  if (size > kMaxSize) {
    throw Error(ErrorCode::io_error, name, no_offset,
                "expected a remote file of at most " + std::to_string(kMaxSize) +
                    " bytes (4 TiB), found the server declaring " + std::to_string(size));
  }
  mapped_ = round_up(size, page);
  void* p = ::mmap(nullptr, static_cast<size_t>(mapped_), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    throw Error(ErrorCode::io_error, name, no_offset,
                "expected to reserve " + std::to_string(size) +
                    " bytes of address space for the remote file, found: " + std::strerror(errno));
  }
  data_ = static_cast<std::byte*>(p);
  // Advice: without it a read could map a 2 MiB huge zero page, which stray_reads() would
  // report as 512 pages read.
  (void)::madvise(p, static_cast<size_t>(mapped_), MADV_NOHUGEPAGE);
}

SparseWindow::~SparseWindow() {
  if (data_) ::munmap(data_, static_cast<size_t>(mapped_));
}

std::vector<ByteRange> SparseWindow::missing(ByteRange r) const {
  uint64_t page = page_size();
  uint64_t begin = round_down(std::min(r.begin, size_), page);
  uint64_t end = std::min(round_up(std::min(r.end, size_), page), size_);
  std::vector<ByteRange> out;
  std::lock_guard<std::mutex> lock(mutex_);
  uint64_t at = begin;
  auto it = filled_.upper_bound(at);
  if (it != filled_.begin()) --it;
  for (; at < end && it != filled_.end(); ++it) {
    if (it->second <= at) continue;
    if (it->first >= end) break;
    if (it->first > at) out.push_back({at, it->first});
    at = std::max(at, it->second);
  }
  if (at < end) out.push_back({at, end});
  return out;
}

bool SparseWindow::filled(ByteRange r) const {
  if (r.begin >= r.end) return true;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = filled_.upper_bound(r.begin);
  if (it == filled_.begin()) return false;
  --it;
  return it->first <= r.begin && it->second >= r.end;
}

void SparseWindow::mark_filled(ByteRange r) {
  uint64_t page = page_size();
  uint64_t begin = round_up(r.begin, page);
  uint64_t end = r.end >= size_ ? size_ : round_down(r.end, page);
  if (begin >= end) return;
  std::lock_guard<std::mutex> lock(mutex_);
  // Merge with every interval that overlaps or touches [begin, end).
  auto it = filled_.upper_bound(begin);
  if (it != filled_.begin() && std::prev(it)->second >= begin) --it;
  while (it != filled_.end() && it->first <= end) {
    begin = std::min(begin, it->first);
    end = std::max(end, it->second);
    it = filled_.erase(it);
  }
  filled_.emplace(begin, end);
}

uint64_t SparseWindow::filled_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  uint64_t total = 0;
  for (const auto& [b, e] : filled_) total += e - b;
  return total;
}

std::vector<ByteRange> SparseWindow::stray_reads() const {
  std::vector<ByteRange> out;
  if (data_ == nullptr) return out;
  uint64_t page = page_size();
  // The gaps between filled intervals, in whole pages (a filled interval ends on a page
  // boundary, or at the end of the file, which is inside the last page).
  std::vector<ByteRange> gaps;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    uint64_t at = 0;
    for (const auto& [b, e] : filled_) {
      if (b > at) gaps.push_back({at, b});
      at = round_up(e, page);
    }
    if (at < mapped_) gaps.push_back({at, mapped_});
  }
  std::vector<unsigned char> status;
  for (const ByteRange& gap : gaps) {
    for (uint64_t chunk = gap.begin; chunk < gap.end; chunk += kScanChunk) {
      uint64_t len = std::min(kScanChunk, gap.end - chunk);
      status.assign(static_cast<size_t>(len / page), 0);
      if (::mincore(data_ + chunk, static_cast<size_t>(len), status.data()) != 0) {
        // Cannot tell: count the whole chunk as read, so it is fetched rather than trusted.
        std::fill(status.begin(), status.end(), 1);
      }
      for (size_t i = 0; i < status.size(); ++i) {
        if ((status[i] & 1) == 0) continue;
        uint64_t b = chunk + i * page;
        uint64_t e = std::min(b + page, size_);
        if (!out.empty() && out.back().end == b) {
          out.back().end = e;
        } else {
          out.push_back({b, e});
        }
      }
    }
  }
  return out;
}

}  // namespace tensorio::detail
