// Resource bounds: a small file whose header claims enormous counts or sizes fails at once,
// without allocating anything near its claims.
//
// This executable replaces the global operator new with one that records the largest single
// request, so each test can assert that opening a hostile 1 KiB file never asked for more than
// a few KiB at a time. A second check runs the same opens in a child process under a tight
// RLIMIT_AS (skipped under sanitizers, whose shadow memory needs terabytes of address space).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "core/mapped_file.hpp"
#include "support/guarded_input.hpp"
#include "support/sample_files.hpp"
#include "tensorio/tensorio.hpp"

namespace {
std::atomic<size_t> g_largest_request{0};

void note_request(size_t n) {
  size_t seen = g_largest_request.load(std::memory_order_relaxed);
  while (n > seen && !g_largest_request.compare_exchange_weak(seen, n)) {
  }
}
}  // namespace

// GCC sees malloc/free behind the replaced new/delete once inlined and warns of a mismatch; the
// pair is consistent (every allocation in this program comes from this new).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(size_t n) {
  note_request(n);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return ::operator new(n); }
// The nothrow forms too (std::stable_sort's temporary buffer uses them), so that every pointer
// the deletes below receive came from malloc.
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  note_request(n);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return ::operator new(n, t); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace tensorio {
namespace {

struct Hostile {
  std::string name;
  std::string extension;
  std::vector<std::byte> bytes;
  ErrorCode expected;  // ErrorCode{} (0): any code; the point is failing without allocating
};

std::vector<std::byte> pad_to_1k(std::vector<std::byte> bytes) {
  bytes.resize(std::max<size_t>(bytes.size(), 1024), std::byte{' '});
  return bytes;
}

std::vector<std::byte> as_bytes(const std::string& s) {
  std::vector<std::byte> out(s.size());
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}

std::vector<Hostile> hostile_files() {
  std::vector<Hostile> out;
  {
    // npy 2.0: a header length field of 2^32 - 1 in a 1 KiB file.
    std::string h = std::string("\x93NUMPY\x02\x00", 8) + std::string("\xff\xff\xff\xff", 4);
    out.push_back(
        {"npy_header_length_4GiB", ".npy", pad_to_1k(as_bytes(h)), ErrorCode::header_too_large});
  }
  {
    // A shape claiming 2^60 elements (2^62 bytes of float32) with a few hundred bytes present.
    auto b = testing::make_npy("<f4", false, {1ull << 30, 1ull << 30}, {});
    out.push_back({"npy_2pow60_elements", ".npy", pad_to_1k(b), ErrorCode::truncated});
  }
  {
    // A shape tuple of 300 dimensions: over the default cap of 64 before any vector grows.
    std::string dims;
    for (int i = 0; i < 300; ++i) dims += "1, ";
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    std::string h = std::string("\x93NUMPY\x01\x00", 8);
    h += static_cast<char>(dict.size() & 0xff);
    h += static_cast<char>(dict.size() >> 8);
    out.push_back(
        {"npy_300_dims", ".npy", pad_to_1k(as_bytes(h + dict)), ErrorCode::limit_exceeded});
  }
  {
    // npz: a zip64 end record claiming 2^40 members (and a central directory of 2^40 x 46
    // bytes) at the end of a 1 KiB file.
    std::string z64;
    auto le = [](std::string& s, uint64_t v, int n) {
      for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
    };
    const uint64_t members = 1ull << 40;
    const uint64_t eocd64_at = 1024 - 56 - 20 - 22;
    z64 += "PK\x06\x06";
    le(z64, 44, 8);            // size of the rest of the record
    le(z64, 45, 2);            // version made by
    le(z64, 45, 2);            // version needed
    le(z64, 0, 4);             // this disk
    le(z64, 0, 4);             // disk of the central directory
    le(z64, members, 8);       // entries on this disk
    le(z64, members, 8);       // entries in total
    le(z64, members * 46, 8);  // central directory size
    le(z64, 0, 8);             // central directory offset
    z64 += "PK\x06\x07";
    le(z64, 0, 4);
    le(z64, eocd64_at, 8);
    le(z64, 1, 4);
    z64 += "PK\x05\x06";
    le(z64, 0, 2);
    le(z64, 0, 2);
    le(z64, 0xffff, 2);
    le(z64, 0xffff, 2);
    le(z64, 0xffffffff, 4);
    le(z64, 0xffffffff, 4);
    le(z64, 0, 2);
    std::string file(eocd64_at, '\0');
    out.push_back({"npz_zip64_2pow40_members", ".npz", as_bytes(file + z64), ErrorCode{}});
  }
  {
    // npz: a classic end record claiming 65535 members in a 1 KiB file.
    std::string e = "PK\x05\x06";
    e += std::string("\0\0\0\0\xff\xff\xff\xff", 8);
    e += std::string("\xd2\xff\x2d\x00", 4);  // directory size 65535 x 46
    e += std::string("\0\0\0\0\0\0", 6);
    out.push_back(
        {"npz_65535_members", ".npz", as_bytes(std::string(1024 - 22, '\0') + e), ErrorCode{}});
  }
  {
    // safetensors: a header length of 2^60 bytes in a 1 KiB file.
    std::string h("\x00\x00\x00\x00\x00\x00\x00\x10", 8);
    out.push_back(
        {"safetensors_header_2pow60", ".safetensors", pad_to_1k(as_bytes(h + "{}")), ErrorCode{}});
  }
  {
    // safetensors: a tensor claiming 2^40 x 2^20 float32 elements whose offsets say 4 bytes.
    std::string json =
        R"({"w":{"dtype":"F32","shape":[1099511627776,1048576],"data_offsets":[0,4]}})";
    std::string h;
    for (int i = 0; i < 8; ++i) h += static_cast<char>((json.size() >> (8 * i)) & 0xff);
    out.push_back(
        {"safetensors_2pow60_elements", ".safetensors", as_bytes(h + json + "abcd"), ErrorCode{}});
  }
  {
    // gguf v3 claiming 2^40 tensors and no metadata, in 1 KiB.
    std::string h = "GGUF";
    h += std::string("\x03\x00\x00\x00", 4);
    h += std::string("\x00\x00\x00\x00\x00\x01\x00\x00", 8);  // 2^40 tensors
    h += std::string(8, '\0');                                // 0 key/values
    out.push_back({"gguf_2pow40_tensors", ".gguf", pad_to_1k(as_bytes(h)), ErrorCode{}});
  }
  {
    // gguf v3 whose first metadata key claims to be 2^60 bytes long.
    std::string h = "GGUF";
    h += std::string("\x03\x00\x00\x00", 4);
    h += std::string(8, '\0');                                // 0 tensors
    h += std::string("\x01\x00\x00\x00\x00\x00\x00\x00", 8);  // 1 key/value
    h += std::string("\x00\x00\x00\x00\x00\x00\x00\x10", 8);  // key length 2^60
    out.push_back({"gguf_2pow60_string", ".gguf", pad_to_1k(as_bytes(h)), ErrorCode{}});
  }
  return out;
}

class ResourceBounds : public ::testing::TestWithParam<Hostile> {};

TEST_P(ResourceBounds, FailsAtOnceWithoutAllocatingItsClaims) {
  const Hostile& h = GetParam();
  testing::GuardedInput input(h.bytes);
  detail::MemoryFile file("/bounds/" + h.name + h.extension, input.bytes());
  g_largest_request = 0;
  try {
    (void)load(file.path());
    ADD_FAILURE() << h.name << " loaded";
  } catch (const Error& e) {
    if (h.expected != ErrorCode{}) {
      EXPECT_EQ(e.code(), h.expected) << e.what();
    }
    std::printf("%s -> %s\n", h.name.c_str(), e.what());
  }
  // Error messages, names and the header dict itself are the only allocations: all tiny.
  EXPECT_LT(g_largest_request.load(), 64u << 10) << h.name;
}

INSTANTIATE_TEST_SUITE_P(Hostile, ResourceBounds, ::testing::ValuesIn(hostile_files()),
                         [](const auto& info) { return info.param.name; });

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// Current address-space size of this process, from /proc/self/statm (pages).
size_t address_space_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  if (f != nullptr) {
    if (std::fscanf(f, "%lu", &pages) != 1) pages = 0;
    std::fclose(f);
  }
  return pages * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

TEST(ResourceBoundsUnderRlimit, HostileFilesFailWithin64MiBOfAddressSpace) {
  if (kSanitized) GTEST_SKIP() << "sanitizer shadow memory needs an unlimited address space";
  auto files = hostile_files();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    rlimit lim{};
    lim.rlim_cur = lim.rlim_max = address_space_bytes() + (64u << 20);
    if (::setrlimit(RLIMIT_AS, &lim) != 0) ::_exit(3);
    for (const Hostile& h : files) {
      testing::GuardedInput input(h.bytes);
      detail::MemoryFile file("/bounds/" + h.name + h.extension, input.bytes());
      try {
        (void)load(file.path());
        ::_exit(1);  // loaded: wrong
      } catch (const Error&) {
      } catch (const std::bad_alloc&) {
        ::_exit(2);  // tried to allocate its claims
      }
    }
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child died of signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: a hostile file loaded; 2: bad_alloc; 3: setrlimit";
}

}  // namespace
}  // namespace tensorio
