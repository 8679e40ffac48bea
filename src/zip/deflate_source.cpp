#include "zip/deflate_source.hpp"

#include "tensorio/error.hpp"

namespace tensorio::zip {

void fail_deflate(const DeflateSource& source, size_t byte_pos, const std::string& detail) {
  throw Error(ErrorCode::bad_compressed_data, std::string(source.file),
              source.base_offset + byte_pos,
              source.label.empty() ? detail : std::string(source.label) + ": " + detail);
}

void fail_deflate_truncated(const DeflateSource& source, size_t input_size) {
  fail_deflate(source, input_size,
               "expected more compressed data, found the end of the input after " +
                   std::to_string(input_size) + " bytes (truncated stream)");
}

}  // namespace tensorio::zip
