#include "npz/member_inflate.hpp"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
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
              "member '" + *m.name + "': " + detail);
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

std::vector<std::byte> inflate_prefix(std::span<const std::byte> compressed, size_t limit,
                                      const MemberRef& member) {
  limit = std::min<size_t>(limit, UINT_MAX);
  std::vector<std::byte> out(limit);
  z_stream zs{};
  if (inflateInit2(&zs, -15) != Z_OK) throw std::bad_alloc();
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
  // zlib counts in 32-bit units; a prefix never needs more input than that.
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(std::min<size_t>(compressed.size(), UINT_MAX));
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(limit);
  while (zs.avail_out > 0) {
    int rc = inflate(&zs, Z_SYNC_FLUSH);
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR) break;  // input exhausted: the caller sees a short prefix
    if (rc != Z_OK) {
      corrupt(member, std::string("expected a valid DEFLATE stream, found corrupt data (") +
                          (zs.msg ? zs.msg : "zlib error") + ")");
    }
  }
  out.resize(limit - zs.avail_out);
  return out;
}

uint32_t crc32(std::span<const std::byte> bytes, uint32_t crc) noexcept {
  return libdeflate_crc32(crc, bytes.data(), bytes.size());
}

}  // namespace tensorio::npz
