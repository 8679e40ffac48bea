#include "npz/member_payload.hpp"

#include <vector>

#include "npy/npy_payload.hpp"
#include "npz/member_inflate.hpp"
#include "tensorio/error.hpp"

namespace tensorio::npz {

namespace {

void expect_crc(const MemberSource& src, uint32_t actual) {
  if (actual != src.crc32) {
    throw Error(ErrorCode::bad_checksum, src.path, src.data_offset,
                "member '" + src.name + "': expected CRC-32 " + std::to_string(src.crc32) +
                    " from the central directory, found " + std::to_string(actual));
  }
}

// Bytes [at, at + n) of the member: a span of the mapping, or read into `copy` from a file
// that is not read through its mapping (see MemberSource::file).
std::span<const std::byte> member_part(const MemberSource& src, uint64_t at, uint64_t n,
                                       std::vector<std::byte>& copy) {
  if (src.file == nullptr) return src.data.subspan(at, n);
  copy.resize(n);
  src.file->read_at(src.data_offset + at, copy);
  return copy;
}

}  // namespace

void check_member_crc(const MemberSource& src, std::span<const std::byte> bytes) {
  expect_crc(src, crc32(bytes));
}

// `stored` is the record's stored bytes as the core fetched them (the mapping, or a pread copy
// in AccessMode::pread): the compressed stream of a deflated member, the whole of a raw member,
// and only the array data of a stored npy member (its header was parsed at open).
std::span<const std::byte> MemberPayload::materialize(std::span<const std::byte> stored) {
  std::span<const std::byte> member = stored;
  detail::AlignedBuffer inflated;
  if (src_.deflated && src_.size == 0 && src_.data.empty()) {
    // Some writers store an empty member as a zero-length "deflated" stream: nothing to inflate.
    check_member_crc(src_, member);
  } else if (src_.deflated) {
    inflated = detail::AlignedBuffer(src_.size);
    inflate_exact(stored, inflated.span(), {&src_.path, src_.name, src_.data_offset});
    member = inflated.span();
    check_member_crc(src_, member);
  } else if (check_crc_ && npy_) {
    // The member is its npy header, the array data (`stored`) and any trailing bytes.
    std::vector<std::byte> copy;
    uint64_t trailer = npy_->data_offset + npy_->payload_bytes;
    uint32_t crc = crc32(member_part(src_, 0, npy_->data_offset, copy));
    crc = crc32(stored, crc);
    crc = crc32(member_part(src_, trailer, src_.data.size() - trailer, copy), crc);
    expect_crc(src_, crc);
  } else if (check_crc_) {
    check_member_crc(src_, stored);
  }
  std::span<const std::byte> payload = stored;
  if (src_.deflated) {
    payload = npy_ ? member.subspan(npy_->data_offset, npy_->payload_bytes) : member;
  }
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
