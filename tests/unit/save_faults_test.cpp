// Saves under injected faults: whatever fails, the target is the complete old file or the
// complete new one, and no temp file is left behind (or, after SIGKILL, one that is recognizably
// named and removed by the next save to the same path).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "io/atomic_writer.hpp"
#include "support/sample_files.hpp"
#include "support/temp_dir.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio {
namespace {

using testing::read_file;
using testing::TempDir;

constexpr std::string_view kTempMarker = ".tensorio-tmp-";

std::vector<std::byte> pattern(size_t n, uint8_t seed) {
  std::vector<std::byte> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>((i * 131 + seed) & 0xff);
  return out;
}

// The tensors one "version" of a checkpoint holds, in a format-appropriate amount: .npy holds
// one tensor, the other formats two.
std::vector<TensorRef> version(const std::string& extension, const std::vector<std::byte>& data) {
  std::vector<TensorRef> refs;
  uint64_t half = data.size() / 8;  // float32 elements in half the data
  refs.push_back({"a", DType::float32, {half}, std::span(data).first(half * 4)});
  if (extension != ".npy") {
    refs.push_back({"b", DType::float32, {half}, std::span(data).subspan(half * 4, half * 4)});
  }
  return refs;
}

// The formats whose writers are in this build.
std::vector<std::string> writable_extensions() { return {".npy", ".npz", ".safetensors", ".gguf"}; }

std::vector<std::string> temp_files(const TempDir& dir) {
  std::vector<std::string> out;
  for (const auto& name : dir.entries()) {
    if (name.find(kTempMarker) != std::string::npos) out.push_back(name);
  }
  return out;
}

class SaveFaults : public ::testing::TestWithParam<std::string> {
 protected:
  void TearDown() override { detail::set_write_fault_hook(nullptr); }
};

// Every write()/pwrite() call of a save fails in turn, with ENOSPC and with EIO.
TEST_P(SaveFaults, FailureAtEveryBufferBoundaryLeavesTheOldFile) {
  const std::string ext = GetParam();
  TempDir dir;
  auto target = dir / ("ckpt" + ext);
  auto old_data = pattern(64 << 10, 1);
  auto new_data = pattern(64 << 10, 2);
  SaveOptions options;
  options.buffer_bytes = 4096;  // many buffer boundaries in a 64 KiB file
  auto old_refs = version(ext, old_data);
  save(target, old_refs, options);
  const auto old_bytes = read_file(target);

  // Count the system calls a clean save makes.
  uint64_t calls = 0;
  detail::set_write_fault_hook([&](uint64_t, size_t) {
    ++calls;
    return 0;
  });
  TempDir probe;
  save(probe / ("probe" + ext), version(ext, new_data), options);
  uint64_t new_size = std::filesystem::file_size(probe / ("probe" + ext));
  ASSERT_GE(calls, new_size / 4096) << "expected a write call per 4 KiB buffer";

  for (int err : {ENOSPC, EIO}) {
    for (uint64_t failing = 0; failing < calls; ++failing) {
      detail::set_write_fault_hook(
          [&](uint64_t index, size_t) { return index == failing ? err : 0; });
      try {
        save(target, version(ext, new_data), options);
        ADD_FAILURE() << "save succeeded although write call " << failing << " failed";
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::io_error);
        EXPECT_NE(e.reason().find(std::strerror(err)), std::string::npos) << e.what();
      }
      EXPECT_EQ(read_file(target), old_bytes) << "call " << failing << ", errno " << err;
      EXPECT_TRUE(temp_files(dir).empty()) << "temp file left after call " << failing;
    }
  }
  detail::set_write_fault_hook(nullptr);
  save(target, version(ext, new_data), options);
  Archive a = load(target);
  EXPECT_EQ(a.tensors()[0].data()[5], new_data[5]);
}

// A real failure from the kernel: RLIMIT_FSIZE below the new file's size makes write() fail with
// EFBIG (SIGXFSZ ignored, as a server would), in a child process so the limit stays there.
TEST_P(SaveFaults, FileSizeLimitLeavesTheOldFile) {
  const std::string ext = GetParam();
  TempDir dir;
  auto target = dir / ("ckpt" + ext);
  auto old_data = pattern(8 << 10, 3);
  auto new_data = pattern(256 << 10, 4);
  save(target, version(ext, old_data));
  const auto old_bytes = read_file(target);

  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{};
    lim.rlim_cur = lim.rlim_max = 100 << 10;
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(3);
    SaveOptions options;
    options.buffer_bytes = 16 << 10;
    try {
      save(target, version(ext, new_data), options);
      ::_exit(1);
    } catch (const Error& e) {
      bool efbig = e.code() == ErrorCode::io_error &&
                   e.reason().find(std::strerror(EFBIG)) != std::string::npos;
      ::_exit(efbig ? 0 : 2);
    }
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child died of signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: save succeeded; 2: not an EFBIG io_error";
  EXPECT_EQ(read_file(target), old_bytes);
  EXPECT_TRUE(temp_files(dir).empty());
}

// A child saving in a loop (alternating two versions) is killed with SIGKILL at random moments.
// Each time the target must be one complete version; a temp file it left must carry the dead
// child's pid and be removed by the next save.
TEST_P(SaveFaults, SigkillDuringSaveLeavesOldOrNewAndTheNextSaveCleansUp) {
  const std::string ext = GetParam();
  TempDir dir;
  auto target = dir / ("ckpt" + ext);
  auto data_a = pattern(1 << 20, 5);
  auto data_b = pattern(1 << 20, 6);
  TempDir ref;
  save(ref / ("a" + ext), version(ext, data_a));
  save(ref / ("b" + ext), version(ext, data_b));
  const auto bytes_a = read_file(ref / ("a" + ext));
  const auto bytes_b = read_file(ref / ("b" + ext));
  save(target, version(ext, data_a));

  std::mt19937 rng(12345);
  int kills_mid_save = 0;
  constexpr int kRounds = 12;
  for (int round = 0; round < kRounds; ++round) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // Slow each write down so that a kill lands inside a save most of the time.
      detail::set_write_fault_hook([](uint64_t, size_t) {
        ::usleep(300);
        return 0;
      });
      SaveOptions options;
      options.buffer_bytes = 32 << 10;
      for (int i = 0;; ++i) save(target, version(ext, i % 2 ? data_a : data_b), options);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(2000 + rng() % 30000));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    auto now = read_file(target);
    EXPECT_TRUE(now == bytes_a || now == bytes_b) << "round " << round << ": torn target";
    auto temps = temp_files(dir);
    if (!temps.empty()) {
      ++kills_mid_save;
      for (const auto& t : temps) {
        std::string expected_prefix =
            "." + target.filename().string() + std::string(kTempMarker) + std::to_string(pid) + "-";
        EXPECT_EQ(t.rfind(expected_prefix, 0), 0u) << t;
      }
    }
    // The next save to the same path removes what the dead save left.
    save(target, version(ext, data_a));
    EXPECT_TRUE(temp_files(dir).empty()) << "round " << round;
    EXPECT_EQ(read_file(target), bytes_a);
  }
  // A save takes ~10 ms of slowed writes and the gap between saves is a rename, so nearly every
  // kill lands inside one.
  EXPECT_GT(kills_mid_save, 0) << "no kill landed inside a save; the test proved nothing";
  std::printf("%d of %d kills landed inside a save\n", kills_mid_save, kRounds);
}

INSTANTIATE_TEST_SUITE_P(Formats, SaveFaults, ::testing::ValuesIn(writable_extensions()),
                         [](const auto& info) { return info.param.substr(1); });

// remove_stale_temp_files removes temps of dead processes only, and only for its target.
TEST(StaleTempFiles, RemovesOnlyDeadProcessesTempsForTheTarget) {
  TempDir dir;
  auto target = dir / "model.npy";
  pid_t dead = ::fork();
  ASSERT_GE(dead, 0);
  if (dead == 0) ::_exit(0);
  ASSERT_EQ(::waitpid(dead, nullptr, 0), dead);
  auto touch = [&](const std::string& name) { testing::write_file(dir / name, {std::byte{1}}); };
  std::string prefix = ".model.npy" + std::string(kTempMarker);
  touch(prefix + std::to_string(dead) + "-0");        // dead process: removed
  touch(prefix + std::to_string(::getpid()) + "-7");  // live process: kept
  touch(".other.npy" + std::string(kTempMarker) + std::to_string(dead) + "-0");  // other target
  touch(prefix + "notapid-0");  // not our naming: kept
  EXPECT_EQ(detail::remove_stale_temp_files(target), 1u);
  auto left = dir.entries();
  EXPECT_EQ(left.size(), 3u);
  EXPECT_EQ(std::count(left.begin(), left.end(), prefix + std::to_string(dead) + "-0"), 0);
}

}  // namespace
}  // namespace tensorio
