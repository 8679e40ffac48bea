#include "io/source_prefetch.hpp"

#include <algorithm>

#include "core/page_range.hpp"

namespace tensorio::detail {

namespace {

// One populate call and one CRC pass per step: large enough that the system call is noise, small
// enough that the CRC reads the bytes while the populate's page-table walk left them in cache.
constexpr size_t kStep = size_t{8} << 20;

// Maps [p, p + n) into the page tables. False when the range cannot be populated — a file
// truncated under its mapping (EFAULT), memory that is not mapped or not readable (ENOMEM,
// EINVAL: the kernel has the advice, kernel_can_populate() said so) — and so must not be touched.
bool populate(const std::byte* p, size_t n) noexcept {
  return advise_pages(pages_touching({p, n}), MADV_POPULATE_READ) == 0;
}

}  // namespace

SourcePrefetcher::SourcePrefetcher(std::vector<std::span<const std::byte>> spans, Crc32Fn crc32,
                                   std::vector<uint32_t> crc_seeds, uint64_t lead_bytes)
    : spans_(std::move(spans)), crc32_(crc32), seeds_(std::move(crc_seeds)), lead_(lead_bytes) {
  uint64_t total = 0;
  for (const auto& s : spans_) total += s.size();
  // Without MADV_POPULATE_READ the helper could neither map ahead nor tell readable memory
  // from a hole before checksumming it: the writer does both itself, as it would on one core.
  if (!kernel_can_populate()) return;
  if (total < kMinBytes) {
    // Too little for a thread: map it all here, still cheaper than write() taking the faults
    // (a save of many small files, a folder of .npy, is a run of these).
    for (const auto& s : spans_) {
      if (!s.empty()) (void)populate(s.data(), s.size());
    }
    return;
  }
  if (std::thread::hardware_concurrency() < 2) return;
  crcs_ = std::make_unique<uint32_t[]>(spans_.size());
  crc_ok_ = std::make_unique<bool[]>(spans_.size());
  helper_ = Executor::instance().start([this] { run(); });
}

SourcePrefetcher::~SourcePrefetcher() {
  if (!helper_.running()) return;
  stop_.store(true, std::memory_order_relaxed);
  // Wake a helper waiting for the writer to move on.
  written_.store(UINT64_MAX, std::memory_order_release);
  written_.notify_all();
  helper_.join();
}

void SourcePrefetcher::advance(uint64_t written) noexcept {
  if (!helper_.running()) return;
  written_.store(written, std::memory_order_release);
  written_.notify_one();
}

std::optional<uint32_t> SourcePrefetcher::crc(size_t i) {
  if (!helper_.running() || !crc32_ || i >= spans_.size()) return std::nullopt;
  for (size_t done = spans_done_.load(std::memory_order_acquire); done <= i;
       done = spans_done_.load(std::memory_order_acquire)) {
    spans_done_.wait(done, std::memory_order_acquire);
  }
  if (!crc_ok_[i]) return std::nullopt;
  return crcs_[i];
}

void SourcePrefetcher::run() noexcept {
  uint64_t ahead = 0;  // source bytes handled so far, in write order
  for (size_t i = 0; i < spans_.size(); ++i) {
    std::span<const std::byte> span = spans_[i];
    uint32_t crc = seeds_.empty() ? 0 : seeds_[i];
    bool ok = true;
    for (size_t at = 0; at < span.size();) {
      if (stop_.load(std::memory_order_relaxed)) return;
      size_t n = std::min(kStep, span.size() - at);
      // Stay within the window: the writer has to catch up before the helper reads further.
      uint64_t written = written_.load(std::memory_order_acquire);
      if (ahead + n > written && ahead + n - written > lead_) {
        written_.wait(written, std::memory_order_acquire);
        continue;
      }
      if (!populate(span.data() + at, n)) {
        // Leave the span to the writer, whose write() reports EFAULT; count it as handled so
        // the window stays measured in the writer's bytes.
        ok = false;
        ahead += span.size() - at;
        break;
      }
      if (crc32_) crc = crc32_(span.subspan(at, n), crc);
      at += n;
      ahead += n;
    }
    if (crc_ok_) {
      crcs_[i] = crc;
      crc_ok_[i] = ok;
    }
    spans_done_.store(i + 1, std::memory_order_release);
    spans_done_.notify_all();
  }
}

}  // namespace tensorio::detail
