// tensorio/npz.hpp — NumPy .npz archives: zip files whose members are .npy files.
//
// Reading (open_npz, or load() on a *.npz path)
//  - The zip structure is read by tensorio's own reader over the mapping: the end-of-central-
//    directory record (an archive comment may follow it; a prefix such as a self-extractor stub
//    may precede the archive), the zip64 locator and end record, the central directory with its
//    zip64 extra fields, and each member's local header, which is cross-checked against the
//    central directory (name, method, CRC, sizes). Archives streamed to a pipe (general-purpose
//    bit 3, sizes in data descriptors) are read like any other. Every count, size and offset is
//    checked against the file; members whose bytes overlap each other or the central directory,
//    encrypted members (Error(encrypted)) and methods other than stored and deflate
//    (Error(unsupported_compression), naming the method) are refused at open.
//  - Member `name.npy` becomes tensor `name` (names may contain '/' and '.'); tensors appear in
//    central-directory order. A member named *.npy must hold an .npy (else Error(bad_magic)
//    naming it). A member with another name holding .npy bytes is read as an array under its
//    full name, as NumPy does; any other member (NumPy returns it as raw bytes) becomes a 1-D
//    uint8 tensor of its bytes under its full name, and Archive::notes() says so. Directory
//    entries ("dir/") are skipped with a note.
//  - STORED members are zero-copy views into the mapping; nothing is read at open but the
//    headers. Archives written by save_npz place each payload at a 64-byte file offset, so their
//    views are aligned; NumPy's own archives place payloads anywhere (TensorView::aligned()).
//  - DEFLATED members are inflated with libdeflate on first data(), once, thread-safely, into a
//    buffer of exactly the declared size: a stream that would expand past it (a zip bomb) or
//    ends short is Error(bad_compressed_data), and its CRC-32 is checked (Error(bad_checksum)).
//    At open, only the first bytes of each deflated member are inflated (a bounded prefix: 4 KiB,
//    or the npy header's declared length when longer, never more than the member) to decode its
//    npy header, so `inspect` never inflates whole payloads. prefetch() (tensorio/read.hpp)
//    inflates all members in parallel. A declared size above
//    Limits::max_member_bytes, above what DEFLATE can produce from the compressed size (1032:1),
//    or members adding up to more than Limits::max_total_inflated_bytes are refused at open.
//  - CRC-32 of STORED members is checked by verify() and, with
//    OpenOptions::verify_crc_on_access, on first data() (the view then reports zero_copy()
//    false, though data() still points into the mapping).
//  - TensorView::file_offset() is the payload's offset in the file for stored members, and the
//    offset of the compressed stream for deflated ones. Archive::metadata_json() lists the zip
//    comment and every member (name, method, sizes, CRC, data offset).
//
// Writing (save_npz, savez, savez_compressed, or save() on a *.npz path)
//  - Each tensor becomes member `name.npy` holding exactly the bytes save_npy writes. Atomic
//    (temp file + rename). Timestamps are fixed at 1980-01-01 00:00 as NumPy writes them, so the
//    same tensors give the same bytes.
//  - STORED (default): each local header carries an alignment extra block (id 0xD935, as
//    Android's zipalign writes it) sized so the .npy payload inside starts at a 64-byte file
//    offset; the .npy header itself is never padded (NumPy refuses headers over 10,000 bytes).
//    NumPy, CPython's zipfile and unzip read such archives. The CRC-32 is computed while the
//    data is written and patched into the local header.
//  - Compressed (SaveOptions::compress, level SaveOptions::compression_level 0..12, default 6):
//    DEFLATE with libdeflate, one member per task on SaveOptions::threads workers (0: all
//    cores); members are written in order as soon as each is ready, and at most threads + 1
//    members are held in memory at a time (each as its input plus its compressed bytes).
//  - zip64 records are written only where needed: a member of 4 GiB or more, a local header at
//    or past 4 GiB, a central directory past 4 GiB, or 65535 members or more.
#pragma once

#include <filesystem>
#include <span>

#include "tensorio/archive.hpp"
#include "tensorio/export.h"
#include "tensorio/options.hpp"
#include "tensorio/tensor_ref.hpp"

namespace tensorio {

// Opens a .npz archive (see above).
[[nodiscard]] TENSORIO_API Archive open_npz(const std::filesystem::path& path,
                                            const OpenOptions& options = {});

// Saves `tensors` as members `NAME.npy`, in order; stored unless options.compress. Throws
// Error(duplicate_name) when two tensors share a name, Error(unrepresentable) for a dtype NumPy
// cannot name (quantized gguf types).
TENSORIO_API void save_npz(const std::filesystem::path& path, std::span<const TensorRef> tensors,
                           const SaveOptions& options = {});

// numpy.savez: `named` keep their names, `positional` are named arr_0, arr_1, ... (their own
// names are ignored) and, as in NumPy, follow the named ones in the archive. A named tensor
// called arr_N that clashes with a positional one is Error(duplicate_name), as NumPy and MLX
// refuse it. Stored members (options.compress is honoured).
TENSORIO_API void savez(const std::filesystem::path& path, std::span<const TensorRef> positional,
                        std::span<const TensorRef> named = {}, const SaveOptions& options = {});

// numpy.savez_compressed: savez with options.compress forced on.
TENSORIO_API void savez_compressed(const std::filesystem::path& path,
                                   std::span<const TensorRef> positional,
                                   std::span<const TensorRef> named = {}, SaveOptions options = {});

}  // namespace tensorio
