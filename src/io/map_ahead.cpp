#include "io/map_ahead.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/internals.hpp"
#include "core/mapped_file.hpp"
#include "core/payload_prefetch.hpp"
#include "core/tensor_record.hpp"
#include "io/executor.hpp"

namespace tensorio::detail {

namespace {

class MapAhead final : public PayloadPrefetch {
 public:
  // `spans` are the file's zero-copy payloads of at least TensorRecord::kMinPopulateBytes.
  explicit MapAhead(const MappedFile& file, std::vector<std::span<const std::byte>> spans)
      : file_(file), slots_(spans.size()) {
    std::sort(spans.begin(), spans.end(),
              [](const auto& a, const auto& b) { return a.data() < b.data(); });
    for (size_t i = 0; i < spans.size(); ++i) slots_[i].span = spans[i];
  }

  bool claim(std::span<const std::byte> stored) const noexcept override {
    Slot* slot = find(stored);
    if (!slot) return false;
    uint8_t state = slot->state.load(std::memory_order_acquire);
    for (;;) {
      switch (state) {
        case kMapped: return true;
        case kIdle:
        case kQueued:
          // The caller maps it now (a queued span is taken back: mapping it here beats waiting
          // behind the spans queued before it), and nobody need map it ahead again.
          if (slot->state.compare_exchange_weak(state, kMapped, std::memory_order_acq_rel)) {
            return false;
          }
          break;
        default:  // kMapping: the lane is at work on it; two mappers would only contend
          slot->state.wait(state, std::memory_order_acquire);
          state = slot->state.load(std::memory_order_acquire);
          break;
      }
    }
  }

  void accessed(std::span<const std::byte> stored,
                const std::shared_ptr<const MappedFile>& file) const noexcept override {
    // How far ahead of the view just opened the lane works. A window of several views, not
    // one: waking an idle thread can take longer than reading a view of a few MiB, so a thread
    // handed one view at a time arrives after the caller.
    constexpr uint64_t kWindowBytes = uint64_t{64} << 20;
    constexpr size_t kMaxSpans = 64;
    auto first =
        std::upper_bound(slots_.begin(), slots_.end(), stored.data(),
                         [](const std::byte* p, const Slot& s) { return p < s.span.data(); });
    std::vector<Slot*> batch;
    uint64_t window = 0;
    for (auto it = first;
         it != slots_.end() && window < kWindowBytes && static_cast<size_t>(it - first) < kMaxSpans;
         ++it) {
      window += it->span.size();
      uint8_t expected = kIdle;
      if (it->state.compare_exchange_strong(expected, kQueued, std::memory_order_acq_rel)) {
        batch.push_back(const_cast<Slot*>(&*it));
      }
    }
    if (batch.empty()) return;
    try {
      // `file` owns this object: the task keeps both alive until it has run.
      Executor::instance().post([file, batch = std::move(batch)] {
        const auto& self = static_cast<const MapAhead&>(*file->prefetch());
        for (Slot* slot : batch) self.map_now(*slot);
      });
    } catch (...) {
      // Out of memory for the task: the spans stay queued and each first data() takes its own
      // back. Mapping ahead is only ever ahead of need.
    }
  }

  AheadState state_of(std::span<const std::byte> stored) const noexcept {
    const Slot* slot = find(stored);
    return slot ? static_cast<AheadState>(slot->state.load(std::memory_order_acquire))
                : AheadState::untracked;
  }

 private:
  static constexpr auto kIdle = static_cast<uint8_t>(AheadState::idle);
  static constexpr auto kQueued = static_cast<uint8_t>(AheadState::queued);
  static constexpr auto kMapping = static_cast<uint8_t>(AheadState::mapping);
  static constexpr auto kMapped = static_cast<uint8_t>(AheadState::mapped);

  struct Slot {
    std::span<const std::byte> span;
    mutable std::atomic<uint8_t> state{kIdle};
  };

  Slot* find(std::span<const std::byte> stored) const noexcept {
    if (stored.size() < TensorRecord::kMinPopulateBytes) return nullptr;
    auto it = std::lower_bound(slots_.begin(), slots_.end(), stored.data(),
                               [](const Slot& s, const std::byte* p) { return s.span.data() < p; });
    if (it == slots_.end() || it->span.data() != stored.data() ||
        it->span.size() != stored.size()) {
      return nullptr;
    }
    return const_cast<Slot*>(&*it);
  }

  // Maps one queued span (advice and MADV_POPULATE_READ). Never throws: a span it cannot map
  // is left to data(), which reports the problem on the caller's thread.
  void map_now(Slot& slot) const noexcept {
    uint8_t expected = kQueued;
    if (!slot.state.compare_exchange_strong(expected, kMapping, std::memory_order_acq_rel)) {
      return;  // a caller took it back
    }
    uint8_t outcome = kMapped;
    try {
      auto whole = file_.bytes();
      file_.check_still_covers(static_cast<uint64_t>(slot.span.data() - whole.data()) +
                               slot.span.size());
      file_.advise_sequential(slot.span);
      file_.advise_willneed(slot.span);
      file_.populate(slot.span);
    } catch (...) {
      outcome = kIdle;  // data() maps it again and reports the problem on its own thread
    }
    slot.state.store(outcome, std::memory_order_release);
    slot.state.notify_all();
  }

  const MappedFile& file_;   // the owner
  std::vector<Slot> slots_;  // by address in the mapping, i.e. by file offset
};

}  // namespace

Archive publish_archive(std::shared_ptr<ArchiveState> state) {
  // One pass over the tensors, however many files (shards) the archive maps.
  std::unordered_map<const MappedFile*, std::vector<std::span<const std::byte>>> spans;
  for (const TensorView& view : state->tensors) {
    const TensorRecord* r = Internals::record(view);
    if (!r || r->lazy || !r->file || r->stored.size() < TensorRecord::kMinPopulateBytes) continue;
    const MappedFile& file = *r->file;
    if (!file.map_next_view() || file.access() != AccessMode::mmap || file.prefetch()) continue;
    spans[&file].push_back(r->stored);
  }
  for (auto& [file, file_spans] : spans) {
    file->attach_prefetch(std::make_unique<MapAhead>(*file, std::move(file_spans)));
  }
  return Internals::make_archive(std::move(state));
}

AheadState map_ahead_state(const TensorView& view) noexcept {
  const TensorRecord* r = Internals::record(view);
  if (!r || !r->file || r->lazy) return AheadState::untracked;
  const auto* ahead = dynamic_cast<const MapAhead*>(r->file->prefetch());
  return ahead ? ahead->state_of(r->stored) : AheadState::untracked;
}

}  // namespace tensorio::detail
