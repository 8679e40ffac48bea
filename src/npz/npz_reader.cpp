// Opening a .npz, one way through the layers: the zip index (zip/: the archive's structure,
// validated, with the first bytes of every member), then a pass of npz's own that decodes the
// npy header of every member, then one tensor per member (payload left in place, or left
// compressed until first access).
#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#include "core/archive_state.hpp"
#include "core/checked_math.hpp"
#include "core/endian.hpp"
#include "core/internals.hpp"
#include "core/mapped_file.hpp"
#include "core/record_block.hpp"
#include "io/map_ahead.hpp"
#include "io/open_file.hpp"
#include "io/parallel.hpp"
#include "npy/npy_header.hpp"
#include "npy/npy_payload.hpp"
#include "npz/member_inflate.hpp"
#include "npz/member_payload.hpp"
#include "npz/npz_extension.hpp"
#include "tensorio/npz.hpp"
#include "zip/deflate_prefix.hpp"
#include "zip/zip_format.hpp"
#include "zip/zip_index.hpp"

namespace tensorio {

namespace {

constexpr std::string_view kNpySuffix = ".npy";
constexpr size_t kMagicLen = 6;

// The first bytes of each member the zip index copies along with its local header
// (zip::DataHeadRequest). A stored member's npy preamble fits in kStoredHeadBytes (NumPy pads
// it to a multiple of 64: 128 bytes up to about ten dimensions); a longer one is read from the
// mapping. Not more: copying each read out of the page cache was the largest single cost of
// opening 1,000 stored members. A deflated member's first block opens with its code lengths
// (a few dozen bytes, a few hundred at worst) before the header's own compressed bytes, about
// 150 bytes in all for NumPy's and tensorio's archives: a member whose header needs more than
// kDeflatedHeadBytes is decoded from the mapping. Each cache line more in the read is a miss
// on a page the CPU has not seen, for every member.
constexpr uint64_t kStoredHeadBytes = 128;
constexpr uint64_t kDeflatedHeadBytes = 192;
// Inflated at open from a deflated member: NumPy's preamble is 128 bytes up to about ten
// dimensions; a longer one is inflated again to its declared length. Every byte inflated past
// the header is time spent at open for nothing.
constexpr size_t kPrefixBytes = 128;
// How far a deflated member whose header does not parse is decoded to see whether its stream
// is corrupt (check_stream_past_header).
constexpr uint64_t kStreamCheckBytes = 256;
// Opening a deflated member (its records, and its npy header through the prefix decoder, which
// reads its first block's code lengths and builds its tables) costs about this many stored
// members: the unit of detail::header_threads.
constexpr size_t kDeflatedWork = 4;
constexpr zip::DataHeadRequest kHeadRequest{kStoredHeadBytes, kDeflatedHeadBytes};
// A remote archive's first request, from its end: the end records and, for archives of up to a
// few thousand members, the central directory.
constexpr uint64_t kFirstWindow = uint64_t{256} << 10;
// A remote archive: what is fetched for each member beyond its local header's fixed part and
// name: the zip index's allowance for an extra field (96 bytes) and the data head, plus room
// for an npy header longer than the data head.
constexpr uint64_t kRemoteMemberSlack = 96 + 512;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool has_npy_magic(std::span<const std::byte> b) {
  static constexpr unsigned char kMagic[kMagicLen] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  return b.size() >= kMagicLen &&
         std::equal(kMagic, kMagic + kMagicLen, b.begin(), [](unsigned char a, std::byte c) {
           return a == static_cast<unsigned char>(c);
         });
}

// Bytes magic + version + length field + dict that the npy preamble at the start of `prefix`
// declares, or nullopt when the prefix is too short to tell.
std::optional<uint64_t> declared_preamble_size(std::span<const std::byte> prefix) {
  if (prefix.size() < 12) return std::nullopt;
  auto major = static_cast<uint8_t>(prefix[6]);
  if (major == 1) return 10 + uint64_t{load_le<uint16_t>(prefix.data() + 8)};
  return 12 + uint64_t{load_le<uint32_t>(prefix.data() + 8)};
}

// Inflates the start of a deflated member into `out`; returns the bytes produced. From the
// member's data head when it holds enough of the stream, else from the mapping (`data`),
// whose verdict on the stream stands.
size_t inflate_start(const zip::ZipMember& m, std::span<const std::byte> data,
                     const std::string& path, std::span<std::byte> out) {
  zip::DeflateSource source{path, m.layout.data_offset, {}};
  try {
    if (m.data_head.size() < data.size()) {
      try {
        return zip::inflate_prefix_into(m.data_head, out, source).produced;
      } catch (const Error&) {
        // The head ended before the prefix did (or the stream is bad): decode it whole below.
      }
    }
    return zip::inflate_prefix_into(data, out, source).produced;
  } catch (const Error& e) {
    throw Error(e.code(), e.file(), e.offset(),
                "member '" + std::string(m.entry.name) + "': " + e.reason());
  }
}

// A deflated member whose npy header does not parse: the header may be the garbage a corrupt
// stream decodes to. Decoding further (kStreamCheckBytes) throws the stream's own error when
// it is corrupt there, which names the cause; otherwise the header's error stands.
void check_stream_past_header(const zip::ZipMember& m, std::span<const std::byte> data,
                              const std::string& path) {
  std::vector<std::byte> more(std::min<uint64_t>(m.entry.uncompressed_size, kStreamCheckBytes));
  inflate_start(m, data, path, more);
}

// The first bytes of a member, enough to hold its npy preamble when it has one. For a stored
// member, the copy the zip index read along with the local header when it holds the whole
// npy preamble (so opening does not fault the member's page into the mapping), else the
// mapping itself. For a deflated one a bounded prefix (in `first`), inflated again to the npy
// header's declared length when that is longer (into `longer`, capped by the header limit and
// the member's size), so opening never inflates a payload.
std::span<const std::byte> member_head(const zip::ZipMember& m, std::span<const std::byte> data,
                                       const std::string& path, const Limits& limits,
                                       std::span<std::byte, kPrefixBytes> first,
                                       std::vector<std::byte>& longer) {
  uint64_t size = m.entry.uncompressed_size;
  if (m.entry.method != zip::kMethodDeflated) {
    auto need = declared_preamble_size(m.data_head);
    bool whole = m.data_head.size() == size || (need && *need <= m.data_head.size());
    return whole ? m.data_head : data;
  }
  auto head = first.first(
      inflate_start(m, data, path, first.first(std::min<uint64_t>(size, first.size()))));
  if (auto need = declared_preamble_size(head); need && has_npy_magic(head) &&
                                                *need > head.size() && *need <= size &&
                                                *need <= limits.max_header_bytes + 12) {
    longer.resize(*need);
    return std::span<const std::byte>(longer).first(inflate_start(m, data, path, longer));
  }
  return head;
}

// What decoding a member at open found: the part of opening that reads bytes and can fail,
// done for every member in parallel, before the records are built in order.
struct DecodedMember {
  enum class Kind { directory, npy, raw } kind = Kind::raw;
  // Kind::npy, when the record is not built here (deflated, or transformed or checked on
  // access). On the heap: the vector of results stays small (an inline header made 1,000 of
  // them large enough for a fresh mapping, and its page faults, at every open).
  std::unique_ptr<NpyHeader> header;
  uint64_t trailing = 0;  // Kind::npy: member bytes after the array
  // Kind::npy, stored, presented as stored (no CRC check on access, no byte swap or reorder):
  // the record itself, built on the worker in the open's RecordBlock, at the member's index
  // (its name and shape allocations run in parallel).
  bool in_block = false;
  size_t name_hash = 0;  // with `in_block`: NameIndex::hash of its name, computed here too
};

// A member's bytes in the mapping and its zip facts; the name's decoded copy, if it has one,
// is taken from the index entry, which is not used again.
npz::MemberInfo info_of(zip::ZipMember& m, const detail::MappedFile& file) {
  zip::CentralEntry& e = m.entry;
  npz::MemberInfo info;
  info.name = e.name;
  info.decoded_name = std::move(e.decoded_name);
  info.data = file.bytes().subspan(m.layout.data_offset, e.compressed_size);
  info.data_offset = m.layout.data_offset;
  info.size = e.uncompressed_size;
  info.compressed_size = e.compressed_size;
  info.crc32 = e.crc32;
  info.method = e.method;
  info.deflated = e.method == zip::kMethodDeflated;
  return info;
}

bool is_directory_entry(const zip::CentralEntry& e) {
  return ends_with(e.name, "/") && e.uncompressed_size == 0;
}

// Decodes one member's npy header (when it is named .npy or starts like one) and checks that
// the member holds the payload it declares. Throws Error naming the member.
// Returns what the member is; for Kind::npy fills `h`.
DecodedMember::Kind decode_member(const zip::ZipMember& m, const detail::MappedFile& file,
                                  const std::string& path, const Limits& limits, NpyHeader& h) {
  const zip::CentralEntry& e = m.entry;
  if (is_directory_entry(e)) return DecodedMember::Kind::directory;
  auto data = file.bytes().subspan(m.layout.data_offset, e.compressed_size);
  bool deflated = e.method == zip::kMethodDeflated;
  std::array<std::byte, kPrefixBytes> first;
  std::vector<std::byte> longer;
  auto head = member_head(m, data, path, limits, first, longer);
  if (!ends_with(e.name, kNpySuffix) && !has_npy_magic(head)) return DecodedMember::Kind::raw;
  // Offsets in messages: file offsets for stored members; for deflated ones, offsets into
  // the inflated member (the file name says so). The member is named only when there is an
  // error: building that string for each of thousands of valid members is measurable.
  try {
    detail::parse_npy_header_into(head, path, limits, deflated ? 0 : m.layout.data_offset, h);
  } catch (const Error& err) {
    if (deflated) check_stream_past_header(m, data, path);
    throw Error(err.code(),
                path + ": member '" + std::string(e.name) + (deflated ? "' (inflated)" : "'"),
                err.offset(), err.reason());
  }
  if (!span_fits(h.data_offset, h.payload_bytes, e.uncompressed_size)) {
    throw Error(ErrorCode::truncated, path, m.layout.data_offset,
                "member '" + std::string(e.name) + "': expected " +
                    std::to_string(h.payload_bytes) + " bytes of array data after its " +
                    std::to_string(h.data_offset) + "-byte npy header, found a member of " +
                    std::to_string(e.uncompressed_size) + " bytes");
  }
  return DecodedMember::Kind::npy;
}

// The tensor a member named NAME.npy (or NAME, when it is an npy without the suffix) becomes.
std::string tensor_name(std::string_view member) {
  bool named_npy = ends_with(member, kNpySuffix);
  return std::string(named_npy ? member.substr(0, member.size() - kNpySuffix.size()) : member);
}

// Decodes the npy header of every member of the zip index: in parallel, each member on its own
// (errors in directory order: the first bad member's is raised).
class Decoder {
 public:
  Decoder(std::shared_ptr<const detail::MappedFile> file, const OpenOptions& options)
      : file_(std::move(file)), options_(options) {}

  // On `threads` workers (at most one per member).
  void run(const std::vector<zip::ZipMember>& members, unsigned threads) {
    size_t count = members.size();
    decoded.resize(count);
    block = detail::RecordBlock::make(count);
    threads = static_cast<unsigned>(std::clamp<size_t>(threads, 1, std::max<size_t>(count, 1)));
    detail::parallel_for_in_order(count, threads, 16,
                                  [&](size_t i, unsigned) { member(i, members[i]); });
  }

  std::vector<DecodedMember> decoded;  // directory order
  // The plain stored members' records, at their members' indices. Their `file` is set by the
  // builder on the calling thread: from the workers, a thousand reference counts taken on the
  // one mapping's control block bounced its cache line between the cores.
  std::shared_ptr<detail::RecordBlock> block;

 private:
  void member(size_t i, const zip::ZipMember& m) {
    DecodedMember& d = decoded[i];
    // One header per thread, reused: its shape keeps its capacity from member to member (the
    // record copies the dimensions into its own inline storage).
    thread_local NpyHeader h;
    d.kind = decode_member(m, *file_, file_->path(), options_.limits, h);
    if (d.kind != DecodedMember::Kind::npy) return;
    // decode_member checked that the array fits in the member.
    d.trailing = m.entry.uncompressed_size - h.data_offset - h.payload_bytes;
    bool plain = m.entry.method != zip::kMethodDeflated && !options_.verify_crc_on_access &&
                 !detail::npy_needs_transform(h);
    if (plain) {
      detail::TensorRecord& rec = block->emplace(i);
      fill_stored_record(rec, m, h);
      d.in_block = true;
      d.name_hash = detail::NameIndex::hash(rec.name);
    } else {
      d.header = std::make_unique<NpyHeader>(std::move(h));
    }
  }

  // A zero-copy view of a stored member's array, all but its `file`.
  void fill_stored_record(detail::TensorRecord& rec, const zip::ZipMember& m, NpyHeader& h) {
    rec.name = tensor_name(m.entry.name);
    rec.dtype = h.dtype;
    rec.shape = h.shape;
    rec.num_elements = h.num_elements;
    rec.nbytes = h.payload_bytes;
    rec.big_endian = h.big_endian;
    rec.fortran_order = h.fortran_order;
    if (h.dtype == DType::opaque) {
      rec.descr = h.descr;
      rec.item_bytes = h.item_bytes;
    }
    rec.file_offset = m.layout.data_offset + h.data_offset;
    rec.stored = file_->bytes().subspan(rec.file_offset, h.payload_bytes);
  }

  std::shared_ptr<const detail::MappedFile> file_;
  const OpenOptions& options_;
};

struct Builder {
  const std::string& path;
  const OpenOptions& options;
  std::shared_ptr<const detail::MappedFile> file;
  detail::ArchiveState& state;
  const std::shared_ptr<detail::RecordBlock>& block;

  // Member `i` of the directory.
  void add_member(size_t i, zip::ZipMember& m, DecodedMember& d,
                  std::vector<npz::MemberInfo>& infos) {
    // The member's facts are kept once, naming no copies; a lazy payload gets its own copy
    // with the path (most stored members need none).
    infos.push_back(info_of(m, *file));
    const npz::MemberInfo& src = infos.back();
    switch (d.kind) {
      case DecodedMember::Kind::directory:
        state.notes.push_back("member '" + std::string(src.name) +
                              "' is a directory entry (skipped)");
        return;
      case DecodedMember::Kind::npy: add_npy(i, src, d); return;
      case DecodedMember::Kind::raw:
        state.notes.push_back("member '" + std::string(src.name) +
                              "' is not an .npy array; exposed as a uint8 tensor of its " +
                              std::to_string(src.size) + " bytes");
        add_raw(src);
        return;
    }
  }

  void add_npy(size_t i, const npz::MemberInfo& src, DecodedMember& d) {
    if (d.trailing > 0) {
      state.notes.push_back("member '" + std::string(src.name) +
                            "': " + std::to_string(d.trailing) +
                            " trailing bytes after the array (ignored, as NumPy does)");
    }
    if (d.in_block) {  // a plain stored member: its worker built the record, hashed its name
      std::shared_ptr<detail::TensorRecord> rec = detail::RecordBlock::share(block, i);
      rec->file = file;
      state.add(Internals::make_view(std::move(rec)), d.name_hash);
      return;
    }
    NpyHeader& h = *d.header;
    auto rec = std::make_shared<detail::TensorRecord>();
    rec->name = tensor_name(src.name);
    rec->dtype = h.dtype;
    bool check_crc = options.verify_crc_on_access && !src.deflated;
    bool lazy = src.deflated || check_crc || detail::npy_needs_transform(h);
    rec->shape = lazy ? h.shape : std::move(h.shape);  // the payload keeps its own header
    rec->num_elements = h.num_elements;
    rec->nbytes = h.payload_bytes;
    rec->file = file;
    rec->big_endian = h.big_endian;
    rec->fortran_order = h.fortran_order;
    if (h.dtype == DType::opaque) {
      rec->descr = h.descr;
      rec->item_bytes = h.item_bytes;
    }
    if (src.deflated) {
      rec->stored = src.data;
      rec->file_offset = src.data_offset;
    } else {
      rec->stored = src.data.subspan(h.data_offset, h.payload_bytes);
      rec->file_offset = src.data_offset + h.data_offset;
    }
    if (lazy) {
      rec->lazy = std::make_unique<npz::MemberPayload>(source_of(src), std::move(h), check_crc);
    }
    state.add(Internals::make_view(std::move(rec)));
  }

  // The member as its lazy payload names and reads it.
  npz::MemberSource source_of(const npz::MemberInfo& src) const {
    npz::MemberSource out = src.source(path);
    if (file->access() == AccessMode::pread) out.file = file.get();
    return out;
  }

  void add_raw(const npz::MemberInfo& src) {
    auto rec = std::make_shared<detail::TensorRecord>();
    rec->name = std::string(src.name);
    rec->dtype = DType::uint8;
    rec->shape = {src.size};
    rec->num_elements = src.size;
    rec->nbytes = src.size;
    rec->file = file;
    rec->stored = src.data;
    rec->file_offset = src.data_offset;
    bool check_crc = options.verify_crc_on_access && !src.deflated;
    if (src.deflated || check_crc) {
      rec->lazy = std::make_unique<npz::MemberPayload>(source_of(src), std::nullopt, check_crc);
    }
    state.add(Internals::make_view(std::move(rec)));
  }
};

// The threads the whole open is worth, chosen once from the directory (see open_npz).
unsigned open_threads(const zip::ZipDirectory& directory, const OpenOptions& options) {
  size_t work = 0;
  for (const zip::CentralHeaderStart& h : directory.headers)
    work += h.method == zip::kMethodDeflated ? kDeflatedWork : 1;
  return detail::header_threads(options.open_threads, work);
}

Archive build_archive(const std::shared_ptr<const detail::MappedFile>& file,
                      const OpenOptions& options, zip::ZipIndex& index, Decoder& decoder) {
  const std::string& name = file->path();
  std::vector<DecodedMember>& decoded = decoder.decoded;

  auto state = std::make_shared<detail::ArchiveState>();
  state->format = Format::npz;
  state->path = name;
  state->file_size = file->size();
  state->files.push_back(file);
  state->tensors.reserve(index.members.size());
  state->index.reserve(index.members.size());
  if (index.end.prefix > 0) {
    state->notes.push_back(std::to_string(index.end.prefix) +
                           " bytes precede the zip archive (a prefix; offsets shifted)");
  }
  std::vector<npz::MemberInfo> infos;
  infos.reserve(index.members.size());  // never reallocates: Builder keeps references into it
  Builder builder{name, options, file, *state, decoder.block};
  for (size_t i = 0; i < index.members.size(); ++i) {
    builder.add_member(i, index.members[i], decoded[i], infos);
  }
  state->extension = std::make_shared<npz::NpzExtension>(file, index.end.comment, std::move(infos));
  return detail::publish_archive(std::move(state));
}

// A remote archive, read from its end: the first request (kFirstWindow) brings the end records
// and, for most archives, the central directory; a larger directory is one more request. Then
// every member's local header and first bytes (what read_zip_index and the npy decoder read)
// in one batch of parallel ranges, neighbours merged. Each step runs through
// detail::parse_fetched, which fetches whatever a step read beyond these plans and runs it again.
Archive open_remote_npz(const std::shared_ptr<const detail::MappedFile>& file,
                        const OpenOptions& options) {
  const std::string& name = file->path();
  auto bytes = file->bytes();
  zip::ZipDirectory directory;
  directory.end = detail::parse_fetched(
      *file, [&] { return zip::read_end_of_central_directory(bytes, name, options.limits); });
  const zip::EndOfCentralDirectory& end = directory.end;
  if (span_fits(end.directory_start, end.directory_size, bytes.size())) {
    detail::fetch_ranges(*file, {{end.directory_start, end.directory_start + end.directory_size}});
  }
  directory.headers = detail::parse_fetched(
      *file, [&] { return zip::locate_central_headers(bytes, directory.end, name); });
  std::vector<detail::ByteRange> heads;
  heads.reserve(directory.headers.size());
  for (const zip::CentralHeaderStart& h : directory.headers) {
    try {
      zip::CentralEntry e = zip::read_central_entry(bytes, end, h.offset, name);
      uint64_t head = h.method == zip::kMethodDeflated ? kDeflatedHeadBytes : kStoredHeadBytes;
      uint64_t len = zip::kLocalHeaderSize + e.raw_name.size() + kRemoteMemberSlack + head;
      uint64_t at = e.local_header_offset;
      heads.push_back({at, checked_add(at, len).value_or(UINT64_MAX)});
    } catch (const Error&) {
      break;  // the index reports it, in directory order
    }
  }
  detail::fetch_remote_ranges(*file, heads);
  unsigned threads = open_threads(directory, options);
  zip::ZipIndex index = detail::parse_fetched(*file, [&] {
    return zip::read_zip_index(bytes, name, options.limits, directory, file.get(), threads,
                               kHeadRequest);
  });
  std::optional<Decoder> decoder;
  detail::parse_fetched(*file, [&] {
    decoder.emplace(file, options);
    decoder->run(index.members, threads);
  });
  return build_archive(file, options, index, *decoder);
}

}  // namespace

Archive open_npz(const std::filesystem::path& path, const OpenOptions& options) {
  auto file = detail::open_file(path.string(), options, {false, kFirstWindow});
  if (detail::is_remote(*file)) return open_remote_npz(file, options);
  const std::string& name = file->path();
  // First the zip structure, whole and validated (a broken archive is reported as one), with
  // the first bytes of each member; then the npy header of each member, whose errors come in
  // directory order. Both passes run on the threads the whole open is worth, chosen once from
  // the directory: helpers woken for the first are still at hand for the second, where waking
  // them twice would cost what the first pass gains.
  zip::ZipDirectory directory = zip::locate_zip_directory(file->bytes(), name, options.limits);
  unsigned threads = open_threads(directory, options);
  zip::ZipIndex index = zip::read_zip_index(
      file->bytes(), name, options.limits, std::move(directory), file.get(), threads, kHeadRequest);
  Decoder decoder(file, options);
  decoder.run(index.members, threads);
  return build_archive(file, options, index, decoder);
}

}  // namespace tensorio
