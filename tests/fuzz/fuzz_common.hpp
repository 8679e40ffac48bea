// Shared body of the format fuzz targets: the input is a whole file of one format, placed before
// a guard page and opened through load() as a memory file, then exercised like a caller would.
//
// Outcomes: a clean open or a tensorio::Error are both fine. Anything else is a finding: a
// crash or over-read (guard page, ASan), a non-tensorio exception (std::terminate -> abort), or
// a broken invariant of an opened archive (abort with a message).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/mapped_file.hpp"
#include "support/exercise.hpp"
#include "support/guarded_input.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio::fuzz {

[[noreturn]] inline void violation(const std::string& what) {
  std::fprintf(stderr, "invariant violated: %s\n", what.c_str());
  std::abort();
}

// `extension` includes the dot (".npy"); it picks the format in load().
inline int fuzz_one_file(const uint8_t* data, size_t size, const char* extension) {
  testing::GuardedInput input(data, size);
  detail::MemoryFile file(std::string("/tensorio-fuzz/input") + extension, input.bytes());
  try {
    Archive archive = load(file.path());
    testing::exercise_archive(archive, violation);
  } catch (const Error&) {
    // Rejected with a proper error: the expected outcome for most inputs.
  }
  return 0;
}

}  // namespace tensorio::fuzz
