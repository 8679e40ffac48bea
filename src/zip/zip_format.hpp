// The fixed parts of the ZIP format (PKWARE APPNOTE 6.3.x) that tensorio reads and writes:
// record signatures and sizes, general-purpose flag bits, methods, and the sentinels that mean
// "the real value is in the zip64 extra field / zip64 end record".
#pragma once

#include <cstdint>
#include <string>

namespace tensorio::zip {

inline constexpr uint32_t kLocalHeaderSig = 0x04034b50;      // PK\3\4
inline constexpr uint32_t kCentralHeaderSig = 0x02014b50;    // PK\1\2
inline constexpr uint32_t kEndOfCentralDirSig = 0x06054b50;  // PK\5\6
inline constexpr uint32_t kZip64EndRecordSig = 0x06064b50;   // PK\6\6
inline constexpr uint32_t kZip64EndLocatorSig = 0x07064b50;  // PK\6\7
inline constexpr uint32_t kDataDescriptorSig = 0x08074b50;   // PK\7\8

inline constexpr uint64_t kLocalHeaderSize = 30;      // without name and extra
inline constexpr uint64_t kCentralHeaderSize = 46;    // without name, extra and comment
inline constexpr uint64_t kEndOfCentralDirSize = 22;  // without the comment
inline constexpr uint64_t kZip64EndRecordSize = 56;   // without the extensible data
inline constexpr uint64_t kZip64EndLocatorSize = 20;
inline constexpr uint64_t kMaxCommentSize = 0xFFFF;

// A 32-bit size/offset field (16-bit count field) holding this value means "see zip64".
inline constexpr uint32_t kZip64Marker32 = 0xFFFFFFFF;
inline constexpr uint16_t kZip64Marker16 = 0xFFFF;

// Extra-field header IDs.
inline constexpr uint16_t kZip64ExtraId = 0x0001;
// Android zipalign's alignment block: id, length, u16 alignment, zero padding. Used to pad a
// local header so that the member's payload lands on an aligned file offset.
inline constexpr uint16_t kAlignmentExtraId = 0xD935;

// General-purpose flag bits.
inline constexpr uint16_t kFlagEncrypted = 1u << 0;
inline constexpr uint16_t kFlagDataDescriptor = 1u << 3;
inline constexpr uint16_t kFlagPatchedData = 1u << 5;
inline constexpr uint16_t kFlagStrongEncryption = 1u << 6;
inline constexpr uint16_t kFlagUtf8Name = 1u << 11;
inline constexpr uint16_t kFlagEncryptedDirectory = 1u << 13;

// Compression methods.
inline constexpr uint16_t kMethodStored = 0;
inline constexpr uint16_t kMethodDeflated = 8;

// "version needed to extract": 2.0 for deflate, 4.5 for zip64.
inline constexpr uint16_t kVersionDeflate = 20;
inline constexpr uint16_t kVersionZip64 = 45;

// Human name of a compression method for error messages ("bzip2 (12)").
std::string method_name(uint16_t method);

}  // namespace tensorio::zip
