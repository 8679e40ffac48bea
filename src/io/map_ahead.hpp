// Mapping views ahead of a loop over them (OpenOptions::map_next_view).
//
// The first data() of a zero-copy view maps its span with MADV_POPULATE_READ before returning,
// so the caller's loop takes no page faults. That mapping costs a noticeable fraction of
// reading the bytes once, all of it on the caller's thread. MapAhead moves it off: when a view
// is first accessed, the spans after it in the file (up to a window) are mapped on the
// Executor's background lane while the caller reads the current one; when the caller reaches
// one, data() finds it mapped and skips its own populate.
//
// One MapAhead per mapped file, owned by the file (MappedFile::attach_prefetch), holding the
// state of each span worth mapping ahead: idle, queued (a first data() takes it back and maps
// it itself), being mapped (a first data() waits for it), mapped (a first data() skips its
// populate). Records carry none of it.
#pragma once

#include <cstdint>
#include <memory>

#include "core/archive_state.hpp"
#include "tensorio/archive.hpp"

namespace tensorio::detail {

// Attaches a MapAhead to every file of `state` that wants one (map_next_view, and views worth
// mapping ahead), then hands the state out as an Archive. Every opener finishes with this.
Archive publish_archive(std::shared_ptr<ArchiveState> state);

// Where mapping ahead stands with a view's span (for tests): untracked when its file maps
// nothing ahead or the span is not worth it (small, transformed, pread access).
enum class AheadState : uint8_t { idle = 0, queued = 1, mapping = 2, mapped = 3, untracked = 255 };
AheadState map_ahead_state(const TensorView& view) noexcept;

}  // namespace tensorio::detail
