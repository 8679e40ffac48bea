#include "zip/data_descriptor.hpp"

#include "core/checked_math.hpp"
#include "core/endian.hpp"
#include "tensorio/error.hpp"
#include "zip/zip_format.hpp"

namespace tensorio::zip {

uint64_t read_data_descriptor(std::span<const std::byte> file, uint64_t offset,
                              const CentralEntry& entry, const std::string& path) {
  // Try the longest plausible form first, so that a 4-byte form never matches a prefix of an
  // 8-byte one by accident (the CRC and csize would have to agree anyway).
  for (bool with_sig : {true, false}) {
    for (unsigned width : {8u, 4u}) {
      uint64_t size = (with_sig ? 4 : 0) + 4 + 2 * width;
      if (!span_fits(offset, size, file.size())) continue;
      const std::byte* p = file.data() + offset;
      if (with_sig) {
        if (load_le<uint32_t>(p) != kDataDescriptorSig) continue;
        p += 4;
      }
      uint32_t crc = load_le<uint32_t>(p);
      uint64_t csize = width == 8 ? load_le<uint64_t>(p + 4) : load_le<uint32_t>(p + 4);
      uint64_t usize = width == 8 ? load_le<uint64_t>(p + 12) : load_le<uint32_t>(p + 8);
      if (crc == entry.crc32 && csize == entry.compressed_size &&
          usize == entry.uncompressed_size) {
        return offset + size;
      }
    }
  }
  if (!span_fits(offset, 12, file.size())) {
    throw Error(ErrorCode::truncated, path, offset,
                "member '" + std::string(entry.name) +
                    "': expected a data descriptor after its data (bit 3 is set), found the end "
                    "of the file");
  }
  throw Error(ErrorCode::bad_header, path, offset,
              "member '" + std::string(entry.name) + "': expected a data descriptor with CRC " +
                  std::to_string(entry.crc32) + ", compressed size " +
                  std::to_string(entry.compressed_size) + " and size " +
                  std::to_string(entry.uncompressed_size) +
                  " as in the central directory, found one that disagrees");
}

}  // namespace tensorio::zip
