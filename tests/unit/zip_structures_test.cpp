// Unit tests of the zip structures: end records (comment, prefix, zip64), extra fields, names,
// and the writer's zip64 decisions read back by the reader — including a member declared larger
// than 4 GiB, in a sparse file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "core/archive_state.hpp"
#include "core/internals.hpp"
#include "npz/member_inflate.hpp"
#include "npz_test_util.hpp"
#include "tensorio/npy.hpp"
#include "tensorio/npz.hpp"
#include "zip/central_directory.hpp"
#include "zip/end_of_central_directory.hpp"
#include "zip/extra_field.hpp"
#include "zip/member_name.hpp"
#include "zip/zip_format.hpp"
#include "zip/zip_index.hpp"
#include "zip/zip_writer.hpp"

using namespace tensorio;
using namespace npz_test;

namespace {

std::vector<std::byte> small_archive() {
  std::vector<float> a, b;
  TensorRef refs[] = {f32("a", a, 10), f32("b", b, 3)};
  auto p = temp_path("small.npz");
  save_npz(p, refs);
  return read_all(p);
}

std::span<const std::byte> span_of(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

ErrorCode open_error(const std::vector<std::byte>& bytes, const std::string& name) {
  auto p = temp_path(name);
  write_all(p, bytes);
  try {
    Archive a = open_npz(p);
    auto problems = verify(a);
    return problems.empty() ? ErrorCode::count_ : ErrorCode::bad_checksum;
  } catch (const Error& e) {
    return e.code();
  }
}

}  // namespace

TEST(ZipEnd, FindsRecordBehindACommentContainingASignature) {
  auto bytes = small_archive();
  std::string comment = "note PK\x05\x06 fake record inside the comment";
  size_t eocd = rfind_sig(bytes, zip::kEndOfCentralDirSig);
  uint16_t len = static_cast<uint16_t>(comment.size());
  std::memcpy(bytes.data() + eocd + 20, &len, 2);
  for (char c : comment) bytes.push_back(static_cast<std::byte>(c));
  auto end = zip::read_end_of_central_directory(bytes, "c.npz", {});
  EXPECT_EQ(end.record_offset, eocd);
  EXPECT_EQ(end.comment, comment);
  EXPECT_EQ(end.entries, 2u);
  auto p = temp_path("comment.npz");
  write_all(p, bytes);
  EXPECT_EQ(open_npz(p).size(), 2u);
}

TEST(ZipEnd, MissingRecordIsBadMagicOrTruncated) {
  auto bytes = small_archive();
  std::vector<std::byte> cut(bytes.begin(), bytes.end() - 10);
  EXPECT_EQ(open_error(cut, "cut.npz"), ErrorCode::truncated);
  std::vector<std::byte> junk(100, std::byte{'x'});
  EXPECT_EQ(open_error(junk, "junk.npz"), ErrorCode::bad_magic);
  EXPECT_EQ(open_error({}, "zero.npz"), ErrorCode::bad_magic);
}

TEST(ZipEnd, PrefixShiftsEveryOffset) {
  auto bytes = small_archive();
  // Built by resize + copy: GCC 12 warns falsely (-Warray-bounds) on vector::insert here.
  std::vector<std::byte> prefixed(123 + bytes.size(), std::byte{'#'});
  std::copy(bytes.begin(), bytes.end(), prefixed.begin() + 123);
  auto end = zip::read_end_of_central_directory(prefixed, "p.npz", {});
  EXPECT_EQ(end.prefix, 123u);
  auto p = temp_path("prefixed.npz");
  write_all(p, prefixed);
  Archive a = open_npz(p);
  ASSERT_EQ(a.size(), 2u);
  float last = 0;
  std::memcpy(&last, a.at("b").data().data() + 8, 4);  // 123-byte prefix: unaligned view
  EXPECT_EQ(last, 2.0f);
  EXPECT_EQ(a.at("b").file_offset() % 64, 123u % 64);
  EXPECT_FALSE(a.notes().empty());
}

TEST(ZipEnd, RefusesMoreEntriesThanTheDirectoryHolds) {
  auto bytes = small_archive();
  size_t eocd = rfind_sig(bytes, zip::kEndOfCentralDirSig);
  uint16_t many = 60000;
  std::memcpy(bytes.data() + eocd + 8, &many, 2);
  std::memcpy(bytes.data() + eocd + 10, &many, 2);
  EXPECT_EQ(open_error(bytes, "many.npz"), ErrorCode::bad_header);
  Limits tight;
  tight.max_tensors = 1;
  auto good = small_archive();
  EXPECT_THROW(zip::read_end_of_central_directory(good, "t.npz", tight), Error);
}

TEST(ZipExtra, StrictChainRejectsOverrun) {
  const std::byte chain[] = {std::byte{1}, std::byte{0}, std::byte{9}, std::byte{0}, std::byte{0}};
  EXPECT_THROW(zip::split_extra_fields(chain, "x", 0, true), Error);
  EXPECT_TRUE(zip::split_extra_fields(chain, "x", 0, false).empty());
}

TEST(ZipExtra, Zip64FieldsInFixedOrder) {
  std::string extra;
  zip::append_zip64_extra(extra, {false, true, true}, {0, 7ull << 32, 9ull << 32});
  ASSERT_EQ(extra.size(), 4u + 16u);
  auto fields = zip::split_extra_fields(span_of(extra), "x", 0, true);
  auto v = zip::read_zip64_extra(fields, {false, true, true}, "x", 0, "m");
  EXPECT_EQ(v.compressed_size, 7ull << 32);
  EXPECT_EQ(v.header_offset, 9ull << 32);
  EXPECT_THROW(zip::read_zip64_extra(fields, {true, true, true}, "x", 0, "m"), Error);
  EXPECT_THROW(zip::read_zip64_extra({}, {true, false, false}, "x", 0, "m"), Error);
}

TEST(ZipNames, Cp437AndUtf8) {
  const std::byte cp437[] = {std::byte{'a'}, std::byte{0x82}, std::byte{0xE1}};
  EXPECT_EQ(zip::decode_member_name(cp437, false, "x", 0), "a\xC3\xA9\xC3\x9F");  // aéß
  EXPECT_THROW(zip::decode_member_name(cp437, true, "x", 0), Error);
  const std::byte nul[] = {std::byte{'a'}, std::byte{0}};
  EXPECT_THROW(zip::decode_member_name(nul, false, "x", 0), Error);
  // Long names go through the whole-word ASCII scan: a NUL or a CP437 byte late in one is
  // still found (with and without the UTF-8 flag).
  std::string long_name = "model.layers.17.self_attn.q_proj.weight.npy";
  auto raw = [](const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); };
  EXPECT_EQ(zip::decode_member_name(raw(long_name), false, "x", 0), long_name);
  EXPECT_EQ(zip::decode_member_name(raw(long_name), true, "x", 0), long_name);
  std::string late_nul = long_name;
  late_nul[30] = '\0';
  EXPECT_THROW(zip::decode_member_name(raw(late_nul), false, "x", 0), Error);
  EXPECT_THROW(zip::decode_member_name(raw(late_nul), true, "x", 0), Error);
  std::string late_cp437 = long_name;
  late_cp437[33] = static_cast<char>(0x82);  // é in CP437, a stray continuation byte in UTF-8
  std::string decoded = zip::decode_member_name(raw(late_cp437), false, "x", 0);
  EXPECT_EQ(decoded, long_name.substr(0, 33) + "\xC3\xA9" + long_name.substr(34));
  EXPECT_THROW(zip::decode_member_name(raw(late_cp437), true, "x", 0), Error);
  std::vector<float> s;
  TensorRef r = f32("gr\xC3\xBC\xC3\x9F/\xE6\x97\xA5.x", s, 4);
  auto p = temp_path("utf8.npz");
  save_npz(p, std::span(&r, 1));
  Archive a = open_npz(p);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a.tensors()[0].name(), r.name);
}

TEST(ZipWriter, ClassicRecordsWithoutZip64) {
  zip::WrittenEntry e{"a.npy", zip::kMethodStored, 0x1234, 100, 100, 0};
  std::string lfh = zip::local_header(e);
  EXPECT_EQ(lfh.size(), zip::kLocalHeaderSize + 5);
  std::string cdh = zip::central_header(e);
  EXPECT_EQ(cdh.size(), zip::kCentralHeaderSize + 5);
  std::string end = zip::end_records(1, 135, cdh.size());
  EXPECT_EQ(end.size(), zip::kEndOfCentralDirSize);
}

TEST(ZipWriter, AlignmentBlockPutsPayloadOnBoundary) {
  for (uint64_t at : {0ull, 1ull, 63ull, 1000ull, 4097ull}) {
    for (uint64_t skip : {0ull, 128ull, 192ull, 77ull}) {
      zip::WrittenEntry e{"name_" + std::to_string(at), zip::kMethodStored, 0, 500, 500, at};
      std::string lfh = zip::local_header(e, 64, skip);
      EXPECT_EQ((at + lfh.size() + skip) % 64, 0u) << at << " " << skip;
      auto fields = zip::split_extra_fields(
          span_of(lfh).subspan(zip::kLocalHeaderSize + e.name.size()), "x", 0, true);
      ASSERT_EQ(fields.size(), 1u);
      EXPECT_EQ(fields[0].id, zip::kAlignmentExtraId);
    }
  }
}

TEST(ZipWriter, Zip64WhereNeededOnly) {
  zip::WrittenEntry big{"big.npy", zip::kMethodStored, 1, 5ull << 30, 5ull << 30, 6ull << 30};
  std::string cdh = zip::central_header(big);
  EXPECT_EQ(cdh.size(), zip::kCentralHeaderSize + 7 + 4 + 24);
  zip::WrittenEntry far{"far.npy", zip::kMethodStored, 1, 10, 10, 6ull << 30};
  EXPECT_EQ(zip::central_header(far).size(), zip::kCentralHeaderSize + 7 + 4 + 8);
  EXPECT_EQ(zip::local_header(far).size(), zip::kLocalHeaderSize + 7);
  EXPECT_EQ(zip::local_header(big).size(), zip::kLocalHeaderSize + 7 + 20);
  // 65535 entries need the zip64 end records even at small offsets.
  EXPECT_EQ(zip::end_records(65534, 10, 10).size(), zip::kEndOfCentralDirSize);
  EXPECT_EQ(zip::end_records(65535, 10, 10).size(),
            zip::kZip64EndRecordSize + zip::kZip64EndLocatorSize + zip::kEndOfCentralDirSize);
  EXPECT_EQ(zip::end_records(1, 5ull << 30, 10).size(),
            zip::kZip64EndRecordSize + zip::kZip64EndLocatorSize + zip::kEndOfCentralDirSize);
}

// A stored member declaring 4.5 GiB of float32 payload, written as a sparse file with the
// writer's own records: the reader must take every size and offset from the zip64 fields.
TEST(ZipWriter, SparseMemberOver4GiBReadsBackThroughZip64) {
  const uint64_t elements = (9ull << 30) / 8;  // 4.5 GiB of float32
  uint64_t shape[] = {elements};
  std::string npy = serialize_npy_header(DType::float32, shape);
  zip::WrittenEntry e{"huge.npy", zip::kMethodStored, 0, 0, 0, 0};
  e.uncompressed_size = e.compressed_size = npy.size() + elements * 4;
  std::string lfh = zip::local_header(e, 64, npy.size());
  uint64_t data_end = lfh.size() + e.uncompressed_size;
  std::string cdh = zip::central_header(e);
  std::string end = zip::end_records(1, data_end, cdh.size());
  // The CRC is of an all-zero payload (the hole); not checked here (no verify: 4.5 GiB read).
  auto p = temp_path("huge.npz");
  int fd = ::open(p.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, lfh.data(), lfh.size(), 0), static_cast<ssize_t>(lfh.size()));
  ASSERT_EQ(::pwrite(fd, npy.data(), npy.size(), static_cast<off_t>(lfh.size())),
            static_cast<ssize_t>(npy.size()));
  std::string tail = cdh + end;
  ASSERT_EQ(::pwrite(fd, tail.data(), tail.size(), static_cast<off_t>(data_end)),
            static_cast<ssize_t>(tail.size()));
  ::close(fd);

  Archive a = open_npz(p);
  ASSERT_EQ(a.size(), 1u);
  const TensorView& v = a.at("huge");
  EXPECT_EQ(v.nbytes(), elements * 4);
  EXPECT_EQ(v.shape()[0], elements);
  EXPECT_EQ(v.file_offset() % 64, 0u);
  EXPECT_EQ(v.file_offset(), lfh.size() + npy.size());
  EXPECT_TRUE(v.zero_copy());
  // Touch the last byte only (data() would populate all 4.5 GiB of the hole): the stored span
  // reaches past 4 GiB into the file.
  auto d = v.stored_bytes();
  ASSERT_EQ(d.size(), elements * 4);
  EXPECT_EQ(d[d.size() - 1], std::byte{0});
  auto idx = zip::read_zip_index(Internals::state(a).files[0]->bytes(), p.string(), {});
  EXPECT_TRUE(idx.members[0].entry.zip64);
  std::filesystem::remove(p);
}

// The zip index reads each local header together with the first bytes of its member in one
// small read (zip_index.hpp); a long local extra field needs a second read, and an npy header
// longer than that first slice is parsed from the mapping instead. Both must load exactly.
TEST(ZipIndex, LongLocalExtraAndLongNpyHeaderLoadExactly) {
  auto npy_member = [](uint64_t header_total, const std::vector<float>& values) {
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                       std::to_string(values.size()) + ",), }";
    std::string pre = "\x93NUMPY\x01";
    pre += '\0';
    uint64_t len = header_total - 10;
    pre += static_cast<char>(len & 0xff);
    pre += static_cast<char>(len >> 8);
    pre += dict + std::string(len - dict.size() - 1, ' ') + "\n";
    pre.append(reinterpret_cast<const char*>(values.data()), values.size() * 4);
    return pre;
  };
  std::vector<float> a = {1.5f, -2.0f, 3.25f}, b = {7.0f, 8.0f};
  struct Member {
    std::string name, data;
    uint64_t extra;
  };
  Member members[] = {{"long_extra.npy", npy_member(128, a), 3000},
                      {"long_header.npy", npy_member(2048, b), 0},
                      {"both.npy", npy_member(4096, a), 1500}};
  std::string file, directory;
  for (const Member& m : members) {
    zip::WrittenEntry e{m.name,        zip::kMethodStored, npz::crc32(span_of(m.data)),
                        m.data.size(), m.data.size(),      file.size()};
    std::string lfh = zip::local_header(e);
    ASSERT_EQ(lfh.size(), zip::kLocalHeaderSize + m.name.size());
    if (m.extra > 0) {  // one unknown 0xCAFE block of m.extra - 4 bytes
      lfh[28] = static_cast<char>(m.extra & 0xff);
      lfh[29] = static_cast<char>(m.extra >> 8);
      uint64_t body = m.extra - 4;
      lfh += std::string("\xfe\xca", 2) + static_cast<char>(body & 0xff) +
             static_cast<char>(body >> 8) + std::string(body, 'x');
    }
    directory += zip::central_header(e);
    file += lfh + m.data;
  }
  file += directory + zip::end_records(3, file.size(), directory.size());
  auto p = temp_path("long_records.npz");
  write_all(p, std::vector<std::byte>(span_of(file).begin(), span_of(file).end()));

  Archive ar = open_npz(p);
  ASSERT_EQ(ar.size(), 3u);
  const std::vector<float>* want[] = {&a, &b, &a};
  const char* names[] = {"long_extra", "long_header", "both"};
  for (size_t i = 0; i < 3; ++i) {
    const TensorView& v = ar.at(names[i]);
    ASSERT_EQ(v.shape().size(), 1u) << names[i];
    ASSERT_EQ(v.shape()[0], want[i]->size()) << names[i];
    auto bytes = std::as_bytes(std::span(*want[i]));
    EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), v.data().begin(), v.data().end()))
        << names[i];
  }
  EXPECT_TRUE(verify(ar).empty());
  // Each member's data head is a copy of the first bytes of its data, as many as asked for.
  zip::DataHeadRequest request{128, 64};
  auto idx = zip::read_zip_index(Internals::state(ar).files[0]->bytes(), p.string(), {},
                                 Internals::state(ar).files[0].get(), 1, request);
  auto whole = Internals::state(ar).files[0]->bytes();
  for (const zip::ZipMember& m : idx.members) {
    uint64_t n = std::min<uint64_t>(m.entry.compressed_size, request.stored);
    ASSERT_EQ(m.data_head.size(), n) << m.entry.name;
    EXPECT_TRUE(std::equal(m.data_head.begin(), m.data_head.end(),
                           whole.begin() + static_cast<long>(m.layout.data_offset)))
        << m.entry.name;
  }
  std::filesystem::remove(p);
}

// Opening reads member headers on several threads from 256 members on: the archive, and the
// error of a bad one, must not depend on how many.
// Opening `path` on 1, 2 and 4 threads (and with `limits`) fails with `code`, naming `member`.
void expect_error_on_every_thread_count(const std::filesystem::path& path, ErrorCode code,
                                        const std::string& member, const Limits& limits = {}) {
  for (unsigned threads : {1u, 2u, 4u}) {
    OpenOptions o;
    o.open_threads = threads;
    o.limits = limits;
    try {
      (void)open_npz(path, o);
      ADD_FAILURE() << "opened on " << threads << " threads";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << threads << " threads: " << e.what();
      EXPECT_NE(std::string(e.what()).find(member), std::string::npos) << e.what();
    }
  }
}

TEST(ZipIndex, ThreadCountChangesNeitherResultNorError) {
  std::vector<std::vector<float>> storage(300);
  std::vector<TensorRef> refs;
  for (size_t i = 0; i < storage.size(); ++i) {
    refs.push_back(f32("t" + std::to_string(i), storage[i], 5 + i % 7, float(i)));
  }
  auto p = temp_path("many.npz");
  save_npz(p, refs);
  for (unsigned threads : {1u, 2u, 4u}) {
    OpenOptions o;
    o.open_threads = threads;
    Archive a = open_npz(p, o);
    ASSERT_EQ(a.size(), 300u);
    for (size_t i = 0; i < 300; ++i) {
      const TensorView& v = a.tensors()[i];
      EXPECT_EQ(v.name(), "t" + std::to_string(i));
      auto want = std::as_bytes(std::span(storage[i]));
      EXPECT_TRUE(std::equal(want.begin(), want.end(), v.data().begin(), v.data().end()));
    }
  }
  // Break the local header signatures of members 150 and 250: every thread count names 150,
  // the first bad member in directory order, as a sequential reader would.
  auto bytes = read_all(p);
  Archive ok = open_npz(p);
  auto idx = zip::read_zip_index(Internals::state(ok).files[0]->bytes(), p.string(), {});
  for (size_t m : {250u, 150u}) bytes[idx.members[m].entry.local_header_offset] = std::byte{'X'};
  auto bad = temp_path("many_bad.npz");
  write_all(bad, bytes);
  expect_error_on_every_thread_count(bad, ErrorCode::bad_header, "'t150.npy'");
  std::filesystem::remove(p);
  std::filesystem::remove(bad);
}

// A member's central header is parsed on the worker that reads its local header: errors of
// both kinds still come in directory order, the first bad member's, for every thread count.
TEST(ZipIndex, CentralAndLocalErrorsComeInDirectoryOrder) {
  std::vector<std::vector<float>> storage(300);
  std::vector<TensorRef> refs;
  for (size_t i = 0; i < storage.size(); ++i) {
    refs.push_back(f32("t" + std::to_string(i), storage[i], 4, float(i)));
  }
  auto p = temp_path("order.npz");
  save_npz(p, refs);
  auto bytes = read_all(p);
  Archive ok = open_npz(p);
  auto idx = zip::read_zip_index(Internals::state(ok).files[0]->bytes(), p.string(), {});
  // Member 120's central header says disk 7 (offset 34 of the header); member 200's local
  // header signature is broken; member 60's central header claims method 12 (bzip2).
  auto central = [&](size_t m) { return idx.members[m].entry.header_offset; };
  auto local = [&](size_t m) { return idx.members[m].entry.local_header_offset; };
  struct Case {
    std::vector<std::pair<uint64_t, std::byte>> edits;
    ErrorCode code;
    std::string member;
  };
  const Case cases[] = {
      {{{central(120) + 34, std::byte{7}}, {local(200), std::byte{'X'}}},
       ErrorCode::unsupported_version,
       "'t120.npy'"},
      {{{central(220) + 34, std::byte{7}}, {local(200), std::byte{'X'}}},
       ErrorCode::bad_header,
       "'t200.npy'"},
      {{{central(60) + 10, std::byte{12}}, {central(120) + 34, std::byte{7}}},
       ErrorCode::unsupported_compression,
       "'t60.npy'"},
  };
  auto bad = temp_path("order_bad.npz");
  for (const Case& c : cases) {
    auto edited = bytes;
    for (auto [at, value] : c.edits) edited[at] = value;
    write_all(bad, edited);
    expect_error_on_every_thread_count(bad, c.code, c.member);
  }
  std::filesystem::remove(p);
  std::filesystem::remove(bad);
}

// Limits::max_total_inflated_bytes is summed on the workers; the member named is the one at
// which the running total in directory order crosses the limit, for every thread count.
TEST(ZipIndex, TotalInflatedLimitNamesTheMemberThatCrossesIt) {
  std::vector<std::vector<float>> storage(40);
  std::vector<TensorRef> refs;
  for (size_t i = 0; i < storage.size(); ++i) {
    refs.push_back(f32("t" + std::to_string(i), storage[i], 250, 1.0f));  // 1,000 bytes each
  }
  SaveOptions compressed;
  compressed.compress = true;
  auto p = temp_path("total.npz");
  save_npz(p, refs, compressed);
  Archive ok = open_npz(p);
  auto idx = zip::read_zip_index(Internals::state(ok).files[0]->bytes(), p.string(), {});
  uint64_t member_size = idx.members[0].entry.uncompressed_size;  // the same for every member
  Limits crossed_at_25;
  crossed_at_25.max_total_inflated_bytes = member_size * 25 + member_size / 2;
  expect_error_on_every_thread_count(p, ErrorCode::limit_exceeded, "'t25.npy'", crossed_at_25);
  for (unsigned threads : {1u, 2u, 4u}) {
    OpenOptions o;
    o.open_threads = threads;
    o.limits.max_total_inflated_bytes = member_size * 40;  // exactly all of them: opens
    EXPECT_EQ(open_npz(p, o).size(), 40u);
  }
  std::filesystem::remove(p);
}

// Two members with one name: refused, naming the first repeated member in directory order
// (what a sequential scan stops at), whatever the order of the names.
TEST(ZipIndex, DuplicateNamesNameTheFirstRepeat) {
  auto archive = [](const std::vector<std::string>& names) {
    std::string file, directory;
    for (const std::string& n : names) {
      std::string data = "payload of " + n;
      zip::WrittenEntry e{n,           zip::kMethodStored, npz::crc32(span_of(data)),
                          data.size(), data.size(),        file.size()};
      directory += zip::central_header(e);
      file += zip::local_header(e) + data;
    }
    file += directory + zip::end_records(names.size(), file.size(), directory.size());
    return std::vector<std::byte>(span_of(file).begin(), span_of(file).end());
  };
  struct Case {
    std::vector<std::string> names;
    std::string repeated;
  };
  for (const Case& c : {Case{{"z", "b", "z", "b"}, "z"}, Case{{"b", "z", "z", "b"}, "z"},
                        Case{{"a", "b", "c", "b", "a"}, "b"}, Case{{"q", "q", "q"}, "q"}}) {
    auto bytes = archive(c.names);
    auto p = temp_path("dup.npz");
    write_all(p, bytes);
    try {
      (void)open_npz(p);
      ADD_FAILURE() << "opened";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::duplicate_name);
      EXPECT_NE(std::string(e.what()).find("'" + c.repeated + "' twice"), std::string::npos)
          << e.what();
    }
  }
  auto ok = archive({"a", "b", "c"});
  auto p = temp_path("unique.npz");
  write_all(p, ok);
  EXPECT_EQ(open_npz(p).size(), 3u);
}
