// Internals — the one door from internal code (formats, CLI, bench, tests) to the private parts
// of the public handles.
//
// The public headers declare TensorRecord and ArchiveState opaque and keep the constructors
// that take them private, naming this struct their friend; nothing outside src/ (or the
// project's own tests and tools, which see src/) can reach them.
#pragma once

#include <memory>
#include <utility>

#include "core/archive_state.hpp"
#include "core/tensor_record.hpp"
#include "tensorio/archive.hpp"
#include "tensorio/tensor_view.hpp"

namespace tensorio {

struct Internals {
  static TensorView make_view(std::shared_ptr<const TensorRecord> record) noexcept {
    return TensorView(std::move(record));
  }
  // The view's record; null for an empty view.
  static const TensorRecord* record(const TensorView& view) noexcept { return view.rec_.get(); }
  static const std::shared_ptr<const TensorRecord>& shared_record(const TensorView& view) noexcept {
    return view.rec_;
  }

  static Archive make_archive(std::shared_ptr<const ArchiveState> state) noexcept {
    return Archive(std::move(state));
  }
  static const ArchiveState& state(const Archive& archive) noexcept { return *archive.state_; }
};

namespace detail {
using tensorio::Internals;
}  // namespace detail

}  // namespace tensorio
