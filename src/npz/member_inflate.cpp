#include "npz/member_inflate.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <memory>

#include "tensorio/error.hpp"

namespace tensorio::npz {

namespace {

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const noexcept { libdeflate_free_decompressor(d); }
};

// One decompressor per thread: allocation is cheap but not free, and a decompressor must not
// be shared between threads.
libdeflate_decompressor* thread_decompressor() {
  thread_local std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> d(
      libdeflate_alloc_decompressor());
  if (!d) throw std::bad_alloc();
  return d.get();
}

[[noreturn]] void corrupt(const MemberRef& m, const std::string& detail) {
  throw Error(ErrorCode::bad_compressed_data, *m.path, m.data_offset,
              "member '" + std::string(m.name) + "': " + detail);
}

}  // namespace

void inflate_exact(std::span<const std::byte> compressed, std::span<std::byte> out,
                   const MemberRef& member) {
  size_t produced = 0;
  auto r = libdeflate_deflate_decompress(thread_decompressor(), compressed.data(),
                                         compressed.size(), out.data(), out.size(), &produced);
  switch (r) {
    case LIBDEFLATE_SUCCESS:
      if (produced != out.size()) {
        corrupt(member, "expected the DEFLATE stream to inflate to " + std::to_string(out.size()) +
                            " bytes as declared, found it ends after " + std::to_string(produced));
      }
      return;
    case LIBDEFLATE_INSUFFICIENT_SPACE:
      corrupt(member, "expected the DEFLATE stream to inflate to " + std::to_string(out.size()) +
                          " bytes as declared, found it expands past that (stopped there)");
    case LIBDEFLATE_SHORT_OUTPUT:
    case LIBDEFLATE_BAD_DATA:
    default: corrupt(member, "expected a valid DEFLATE stream, found corrupt data");
  }
}

uint32_t crc32(std::span<const std::byte> bytes, uint32_t crc) noexcept {
  return libdeflate_crc32(crc, bytes.data(), bytes.size());
}

}  // namespace tensorio::npz
