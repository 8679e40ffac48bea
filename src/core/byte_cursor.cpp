#include "core/byte_cursor.hpp"

namespace tensorio {

void ByteCursor::seek(uint64_t pos, std::string_view what) {
  if (pos > data_.size()) {
    throw Error(ErrorCode::out_of_bounds, file_, base_ + pos_,
                std::string(what) + ": expected a position within " + std::to_string(data_.size()) +
                    " bytes, found " + std::to_string(pos));
  }
  pos_ = pos;
}

void ByteCursor::fail(ErrorCode code, std::string detail) const {
  throw Error(code, file_, base_ + pos_, std::move(detail));
}

void ByteCursor::fail_truncated(uint64_t n, std::string_view what) const {
  throw Error(ErrorCode::truncated, file_, base_ + pos_,
              std::string(what) + ": expected " + std::to_string(n) + " bytes, found " +
                  std::to_string(remaining()) + " before the end");
}

}  // namespace tensorio
