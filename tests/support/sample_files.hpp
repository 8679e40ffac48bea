// Small valid files of every format in this build, built in memory, for the mutation sweeps,
// the pread and truncation tests and the concurrency tests. Each sample is tiny (a few hundred
// bytes) so a sweep can afford to mutate every byte.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace tensorio::testing {

struct SampleFile {
  std::string name;       // what it is, for test names and messages ("npy_be_fortran")
  std::string extension;  // ".npy"
  std::vector<std::byte> bytes;
};

// gtest prints parameters with this instead of a byte dump.
inline void PrintTo(const SampleFile& s, std::ostream* os) { *os << s.name; }

// Every sample of every format tensorio reads in this build.
std::vector<SampleFile> sample_files();

// An .npy file built byte by byte (not by tensorio's writer), so big-endian and Fortran-order
// payloads can be produced: `descr` like ">f8", `payload` already in the stored layout.
std::vector<std::byte> make_npy(const std::string& descr, bool fortran_order,
                                const std::vector<uint64_t>& shape,
                                const std::vector<std::byte>& payload);

std::vector<std::byte> read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::vector<std::byte>& bytes);

}  // namespace tensorio::testing
