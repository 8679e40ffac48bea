// Mutation sweeps: every sample file of every format, truncated at every byte offset and with
// every byte replaced by several values, is opened in process and exercised. Each outcome must be
// a correct load (the invariants in support/exercise.hpp hold) or a tensorio::Error: never a
// crash, an out-of-bounds read (the input ends at a PROT_NONE page, and ASan watches in CI), a
// hang (meson's timeout), a leak (LeakSanitizer in CI) or another exception type.
//
// The samples are a few hundred bytes, so "every offset of the header and the first payload
// bytes" is simply every offset of the file.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/mapped_file.hpp"
#include "support/exercise.hpp"
#include "support/guarded_input.hpp"
#include "support/sample_files.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio {
namespace {

using testing::SampleFile;

struct Tally {
  size_t loaded = 0;
  size_t rejected = 0;
};

// Opens `bytes` as a file of `sample`'s format and exercises it. Records a gtest failure for any
// outcome other than a clean load or a tensorio::Error.
void try_variant(const SampleFile& sample, std::span<const std::byte> bytes, AccessMode access,
                 const std::string& what, Tally& tally) {
  testing::GuardedInput input(bytes);
  detail::MemoryFile file("/sweep/" + sample.name + sample.extension, input.bytes());
  OpenOptions options;
  options.access = access;
  try {
    Archive a = load(file.path(), options);
    testing::exercise_archive(a, [&](const std::string& v) {
      ADD_FAILURE() << sample.name << ", " << what << ": " << v;
    });
    ++tally.loaded;
  } catch (const Error& e) {
    // The error must name the file it concerns (npz errors add the member after the path), or
    // be an argument error without a file.
    EXPECT_TRUE(e.file().empty() || e.file().rfind(file.path(), 0) == 0)
        << what << ": " << e.what();
    ++tally.rejected;
  } catch (const std::exception& e) {
    ADD_FAILURE() << sample.name << ", " << what
                  << ": escaped with a non-tensorio exception: " << e.what();
  }
}

class MutationSweep : public ::testing::TestWithParam<SampleFile> {};

TEST_P(MutationSweep, EveryTruncationLoadsOrFailsCleanly) {
  const SampleFile& s = GetParam();
  Tally tally;
  for (size_t len = 0; len < s.bytes.size(); ++len) {
    for (AccessMode access : {AccessMode::mmap, AccessMode::pread}) {
      try_variant(s, std::span(s.bytes).first(len), access,
                  "truncated to " + std::to_string(len) + " bytes", tally);
    }
  }
  // A file cut short loses its payload or its directory: none of the strict cuts may load as
  // the complete file would, and at least the empty file must be rejected.
  EXPECT_GT(tally.rejected, 0u);
  // The intact file itself loads.
  Tally whole;
  try_variant(s, s.bytes, AccessMode::mmap, "unmodified", whole);
  EXPECT_EQ(whole.loaded, 1u) << s.name << " does not load unmodified";
}

TEST_P(MutationSweep, EveryByteFlipLoadsOrFailsCleanly) {
  const SampleFile& s = GetParam();
  Tally tally;
  std::vector<std::byte> mutated = s.bytes;
  for (size_t i = 0; i < mutated.size(); ++i) {
    const auto original = static_cast<uint8_t>(s.bytes[i]);
    const uint8_t values[] = {0x00,
                              0xff,
                              static_cast<uint8_t>(original ^ 0x01),
                              static_cast<uint8_t>(original ^ 0x80),
                              static_cast<uint8_t>(original + 1),
                              static_cast<uint8_t>(original - 1),
                              0x7f,
                              static_cast<uint8_t>('9')};
    for (uint8_t v : values) {
      if (v == original) continue;
      mutated[i] = static_cast<std::byte>(v);
      try_variant(s, mutated, AccessMode::mmap,
                  "byte " + std::to_string(i) + " set to " + std::to_string(v), tally);
    }
    mutated[i] = s.bytes[i];
  }
  // Changing the magic alone must be refused, so some variants are rejected; changing payload
  // bytes alone keeps the file valid, so some load.
  EXPECT_GT(tally.rejected, 0u);
  EXPECT_GT(tally.loaded, 0u);
}

INSTANTIATE_TEST_SUITE_P(AllFormats, MutationSweep, ::testing::ValuesIn(testing::sample_files()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace tensorio

namespace tensorio {
namespace {

// The sweeps rely on the guard page: reading one byte past the input must fault in every build.
TEST(GuardedInputDeathTest, OneByteOverReadFaults) {
  const char text[] = "abc";
  testing::GuardedInput input(text, 3);
  auto bytes = input.bytes();
  EXPECT_EQ(static_cast<char>(bytes[2]), 'c');
  EXPECT_DEATH(
      {
        volatile const std::byte* p = bytes.data();
        volatile std::byte past = p[3];
        (void)past;
      },
      "");
}

}  // namespace
}  // namespace tensorio
