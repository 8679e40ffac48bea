// PayloadPrefetch — the seam between a view's first access (core) and the component that maps
// payloads ahead of it (io/map_ahead.hpp).
//
// A mapping that wants its views mapped ahead (OpenOptions::map_next_view) carries one, attached
// by the opener before any view is handed out; TensorRecord::data() asks it before mapping a
// span itself and tells it afterwards. All the state of mapping ahead lives behind this
// interface; a record holds none of it.
#pragma once

#include <memory>
#include <span>

namespace tensorio::detail {

class MappedFile;

class PayloadPrefetch {
 public:
  virtual ~PayloadPrefetch() = default;
  // Called by the first data() of a zero-copy view before it maps `stored` itself: true when
  // the span is already mapped (waiting while a background task maps it), false when the
  // caller must map it (a queued span is taken back: mapping it now beats waiting for it).
  virtual bool claim(std::span<const std::byte> stored) const noexcept = 0;
  // Called after the first data() of any view of the file: queues the spans after `stored`
  // in the file, up to a window, to be mapped in the background. `file` is this object's
  // owner; the queued work holds it so that neither goes away under it.
  virtual void accessed(std::span<const std::byte> stored,
                        const std::shared_ptr<const MappedFile>& file) const noexcept = 0;
};

}  // namespace tensorio::detail
