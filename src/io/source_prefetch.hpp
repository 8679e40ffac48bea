// SourcePrefetcher — maps a save's source bytes into the page tables ahead of the writer, on one
// helper thread, and optionally checksums them there.
//
// Why: save() hands write() spans that usually lie in a file mapping nothing has touched yet (a
// view of the checkpoint being converted). write() then takes the page faults itself, inside the
// filesystem's write path, at about half the speed of writing resident memory, and mapping it
// first with MADV_POPULATE_READ on the writing thread only recovers part of that. Doing that
// mapping (and the CRC-32 a stored npz member needs, a noticeable share of a save) on a second
// core while write() copies the previous bytes takes both off the writer's path
// (bench/RESULTS.md, "Save").
//
// The helper walks the spans in the order the writer will write them, in 8 MiB steps, and stays
// at most `lead_bytes` ahead of the writer's reported position, so a cold source much larger than
// memory is read ahead by a bounded window rather than all at once; the writer drops the pages
// behind it from the page tables (AtomicWriter::attach), so the process maps about that window. It
// only reads the spans; a span it cannot map (a file truncated under its mapping: EFAULT) is left
// for the writer, whose write() reports the fault as an error instead of a SIGBUS.
//
// Lifetime: the spans must stay valid until the prefetcher is destroyed (save() borrows them for
// its whole call). The destructor stops the helper and joins it, so an exception unwinding
// through a save never leaves a thread reading freed memory. One writer thread drives it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "io/executor.hpp"

namespace tensorio::detail {

class SourcePrefetcher {
 public:
  using Crc32Fn = uint32_t (*)(std::span<const std::byte> bytes, uint32_t crc) noexcept;

  // Below this many source bytes in all, starting a thread costs more than it hides.
  static constexpr uint64_t kMinBytes = uint64_t{16} << 20;
  // How far ahead of the writer the helper maps: with the writer releasing the pages behind it,
  // about what a save holds of its source at once (a save's extra memory stays under 64 MiB);
  // mapping runs an order of magnitude faster than writing, so the helper keeps ahead.
  static constexpr uint64_t kDefaultLead = uint64_t{32} << 20;

  // Starts the helper unless the spans are too small (then it maps them all before returning)
  // or the machine has one core (then every call below is a no-op and crc() returns nullopt).
  // `crc32`: when set, each span's CRC-32 is computed on the helper, continuing from crc_seeds[i]
  // (0 when crc_seeds is empty), so a caller can fold in bytes it wrote before the span (an npz
  // member's npy header).
  SourcePrefetcher(std::vector<std::span<const std::byte>> spans, Crc32Fn crc32 = nullptr,
                   std::vector<uint32_t> crc_seeds = {}, uint64_t lead_bytes = kDefaultLead);
  ~SourcePrefetcher();
  SourcePrefetcher(const SourcePrefetcher&) = delete;
  SourcePrefetcher& operator=(const SourcePrefetcher&) = delete;

  bool active() const noexcept { return helper_.running(); }

  // The writer's progress in bytes written so far (any monotonic count at least the source bytes
  // consumed: the output file's position serves). Lets the helper move its window on.
  void advance(uint64_t written) noexcept;

  // Span i's CRC-32, waiting for the helper to reach it; nullopt when there is no helper, no
  // crc32 was given, or the helper could not map the span (compute it on the caller then).
  std::optional<uint32_t> crc(size_t i);

 private:
  void run() noexcept;

  std::vector<std::span<const std::byte>> spans_;
  Crc32Fn crc32_;
  std::vector<uint32_t> seeds_;
  uint64_t lead_;
  std::unique_ptr<uint32_t[]> crcs_;
  std::unique_ptr<bool[]> crc_ok_;
  std::atomic<uint64_t> written_{0};
  std::atomic<size_t> spans_done_{0};
  std::atomic<bool> stop_{false};
  Executor::Task helper_;
};

}  // namespace tensorio::detail
