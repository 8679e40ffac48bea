#include "zip/deflate_source.hpp"

#include "tensorio/error.hpp"

namespace tensorio::zip {

void fail_deflate(const DeflateSource& source, size_t byte_pos, const std::string& detail) {
  throw Error(ErrorCode::bad_compressed_data, std::string(source.file),
              source.base_offset + byte_pos,
              source.label.empty() ? detail : std::string(source.label) + ": " + detail);
}

}  // namespace tensorio::zip
