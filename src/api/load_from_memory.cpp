// load_from_memory(): a caller's buffer opened through the format openers by way of the
// memory-file seam, so it gets exactly the validation a file on disk gets.
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include "core/mapped_file.hpp"
#include "tensorio/gguf.hpp"
#include "tensorio/npy.hpp"
#include "tensorio/npz.hpp"
#include "tensorio/safetensors.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio {

namespace {

// The registry is keyed by path, so each call needs a name no other live registration has: the
// buffer's address tells a reader which buffer an error is about, the counter keeps two opens of
// the same buffer (on two threads) apart.
std::string synthetic_path(std::span<const std::byte> bytes) {
  static std::atomic<uint64_t> next{0};
  char name[64];
  std::snprintf(name, sizeof name, "memory:%p:%llu", static_cast<const void*>(bytes.data()),
                static_cast<unsigned long long>(next.fetch_add(1, std::memory_order_relaxed)));
  return name;
}

}  // namespace

Archive load_from_memory(std::span<const std::byte> bytes, Format format,
                         const OpenOptions& options) {
  return load_from_memory(nullptr, bytes, format, options);
}

Archive load_from_memory(std::shared_ptr<const void> owner, std::span<const std::byte> bytes,
                         Format format, const OpenOptions& options) {
  // The registration only has to last through the opener: the MappedFile it returns points at
  // the caller's bytes directly (holding `owner`) and never looks the path up again.
  detail::MemoryFile registration(synthetic_path(bytes), bytes, std::move(owner));
  const std::string& path = registration.path();
  switch (format) {
    case Format::npy: return open_npy(path, options);
    case Format::npz: return open_npz(path, options);
    case Format::safetensors: return open_safetensors(path, options);
    case Format::gguf: return open_gguf(path, options);
  }
  throw Error(ErrorCode::invalid_argument, path, no_offset,
              "expected the format npy, npz, safetensors or gguf, found value " +
                  std::to_string(static_cast<int>(format)));
}

}  // namespace tensorio
