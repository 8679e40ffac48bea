#include "npz/member_payload.hpp"

#include "npy/npy_payload.hpp"
#include "npz/member_inflate.hpp"

namespace tensorio::npz {

void check_member_crc(const MemberSource& src, std::span<const std::byte> bytes) {
  uint32_t actual = crc32(bytes);
  if (actual != src.crc32) {
    throw Error(ErrorCode::bad_checksum, src.path, src.data_offset,
                "member '" + src.name + "': expected CRC-32 " + std::to_string(src.crc32) +
                    " from the central directory, found " + std::to_string(actual));
  }
}

std::span<const std::byte> MemberPayload::materialize() {
  std::span<const std::byte> member = src_.data;
  detail::AlignedBuffer inflated;
  if (src_.deflated && src_.size == 0 && src_.data.empty()) {
    // Some writers store an empty member as a zero-length "deflated" stream: nothing to inflate.
    check_member_crc(src_, member);
  } else if (src_.deflated) {
    inflated = detail::AlignedBuffer(src_.size);
    inflate_exact(src_.data, inflated.span(), {&src_.path, &src_.name, src_.data_offset});
    member = inflated.span();
    check_member_crc(src_, member);
  } else if (check_crc_) {
    check_member_crc(src_, member);
  }
  std::span<const std::byte> payload =
      npy_ ? member.subspan(npy_->data_offset, npy_->payload_bytes) : member;
  if (npy_ && detail::npy_needs_transform(*npy_)) {
    detail::AlignedBuffer native(payload.size());
    detail::npy_to_native_c_order(*npy_, payload, native.span());
    buffer_ = std::move(native);  // the inflated copy (if any) is released on return
    return buffer_.span();
  }
  if (src_.deflated) buffer_ = std::move(inflated);  // payload points into it; it keeps its address
  return payload;
}

}  // namespace tensorio::npz
