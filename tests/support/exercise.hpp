// exercise_archive — does everything a caller may do with an opened archive, so that fuzzers and
// mutation sweeps reach the lazy paths (transforms, CRC checks, metadata rendering), and checks
// the invariants every successfully opened archive must satisfy.
//
// Returns normally or throws tensorio::Error; a broken invariant calls `on_violation` (the
// fuzzers abort there, so libFuzzer records the input; gtests record a failure).
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>

#include "tensorio/tensorio.hpp"

namespace tensorio::testing {

inline uint64_t touch_bytes(std::span<const std::byte> bytes) {
  uint64_t acc = 0;
  for (std::byte b : bytes) acc = acc * 31 + static_cast<uint8_t>(b);
  return acc;
}

using ViolationHandler = std::function<void(const std::string&)>;

inline void exercise_archive(const Archive& archive, const ViolationHandler& on_violation) {
  volatile uint64_t sink = 0;
  for (const TensorView& v : archive.tensors()) {
    auto elements = element_count(v.shape());
    if (!elements || *elements != v.num_elements()) {
      on_violation("tensor '" + v.name() + "': num_elements disagrees with its shape");
    }
    if (v.opaque()) {
      // Opaque: the element size comes from the descr, and numeric access is refused.
      if (v.descr().empty() || v.item_bytes() == 0 ||
          v.item_bytes() * v.num_elements() != v.nbytes() ||
          (v.num_elements() != 0 && v.nbytes() / v.num_elements() != v.item_bytes())) {
        on_violation("tensor '" + v.name() + "': opaque, but its descr or item size disagrees");
      }
      try {
        (void)v.as<uint8_t>();
        on_violation("tensor '" + v.name() + "': opaque, but as<uint8_t>() succeeded");
      } catch (const Error& e) {
        if (e.code() != ErrorCode::opaque_dtype) {
          on_violation("tensor '" + v.name() + "': as<T>() of an opaque view gave " +
                       std::string(error_code_name(e.code())));
        }
      }
    } else {
      auto bytes = byte_size(v.dtype(), v.num_elements());
      if (!bytes || *bytes != v.nbytes()) {
        on_violation("tensor '" + v.name() + "': nbytes disagrees with dtype x elements");
      }
      if (!v.descr().empty()) on_violation("tensor '" + v.name() + "': a descr, not opaque");
    }
    if (archive.find(v.name()) == nullptr) {
      on_violation("tensor '" + v.name() + "' is not found by its own name");
    }
    sink = sink + touch_bytes(v.stored_bytes());
    std::span<const std::byte> data;
    try {
      data = v.data();
    } catch (const Error&) {
      continue;  // a lazy transform may find the payload corrupt; the rest must still work
    }
    if (data.size() != v.nbytes()) {
      on_violation("tensor '" + v.name() + "': data() has " + std::to_string(data.size()) +
                   " bytes, nbytes() says " + std::to_string(v.nbytes()));
    }
    sink = sink + touch_bytes(data);
  }
  sink = sink + archive.metadata_json(false).size() + archive.metadata_json(true).size();
  for (const auto& note : archive.notes()) sink = sink + note.size();
  for (const auto& [k, val] : archive.string_metadata()) sink = sink + k.size() + val.size();
  (void)verify(archive);
}

}  // namespace tensorio::testing
