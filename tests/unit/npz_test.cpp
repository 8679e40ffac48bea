// Unit tests of .npz reading and writing through the public API: savez naming rules, stored
// alignment, compressed round trips at several levels and thread counts, lazy thread-safe
// inflation, CRC checks, zip-bomb refusal, atomic failure.
#include <gtest/gtest.h>

#include <libdeflate.h>

#include <cstring>
#include <thread>

#include "npz_test_util.hpp"
#include "tensorio/npy.hpp"
#include "tensorio/npz.hpp"
#include "tensorio/read.hpp"
#include "zip/zip_format.hpp"
#include "zip/zip_writer.hpp"

using namespace tensorio;
using namespace npz_test;

namespace {

ErrorCode error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::count_;
}

}  // namespace

TEST(Savez, PositionalAfterNamedAndClashes) {
  std::vector<float> a, b, c;
  TensorRef pos[] = {f32("ignored", a, 3), f32("ignored2", b, 4)};
  TensorRef named[] = {f32("w", c, 5)};
  auto p = temp_path("savez.npz");
  savez(p, pos, named);
  Archive ar = open_npz(p);
  ASSERT_EQ(ar.size(), 3u);
  EXPECT_EQ(ar.tensors()[0].name(), "w");
  EXPECT_EQ(ar.tensors()[1].name(), "arr_0");
  EXPECT_EQ(ar.tensors()[2].name(), "arr_1");
  EXPECT_EQ(ar.at("arr_1").nbytes(), 16u);
  TensorRef clash[] = {f32("arr_1", c, 5)};
  EXPECT_EQ(error_of([&] { savez(p, pos, clash); }), ErrorCode::duplicate_name);
  TensorRef dup[] = {f32("x", a, 3), f32("x", b, 4)};
  EXPECT_EQ(error_of([&] { save_npz(p, dup); }), ErrorCode::duplicate_name);
  // The failed saves left the earlier archive in place.
  EXPECT_EQ(open_npz(p).size(), 3u);
}

TEST(SaveNpz, StoredPayloadsAre64ByteAlignedAndZeroCopy) {
  std::vector<std::vector<float>> storage(20);
  std::vector<TensorRef> refs;
  for (size_t i = 0; i < storage.size(); ++i) {
    refs.push_back(f32(std::string(i * 7 + 1, 'n') + std::to_string(i), storage[i], i * 13 + 1));
  }
  auto p = temp_path("aligned.npz");
  save_npz(p, refs);
  Archive a = open_npz(p);
  ASSERT_EQ(a.size(), refs.size());
  for (size_t i = 0; i < refs.size(); ++i) {
    const TensorView& v = a.tensors()[i];
    EXPECT_EQ(v.name(), refs[i].name);
    EXPECT_EQ(v.file_offset() % 64, 0u) << v.name();
    EXPECT_TRUE(v.zero_copy());
    EXPECT_TRUE(v.aligned());
    auto got = v.as<float>();
    ASSERT_EQ(got.size(), storage[i].size());
    EXPECT_TRUE(std::equal(got.begin(), got.end(), storage[i].begin()));
  }
  EXPECT_TRUE(verify(a).empty());
}

TEST(SaveNpz, CompressedRoundTripAtEveryLevelAndThreadCount) {
  std::vector<std::vector<float>> storage(7);
  std::vector<TensorRef> refs;
  for (size_t i = 0; i < storage.size(); ++i) {
    refs.push_back(f32("t" + std::to_string(i), storage[i], 1000 * i + 3, 0.25f));
  }
  for (int level : {0, 1, 6, 12}) {
    for (unsigned threads : {1u, 2u, 5u}) {
      SaveOptions o;
      o.compress = true;
      o.compression_level = level;
      o.threads = threads;
      auto p = temp_path("c.npz");
      save_npz(p, refs, o);
      Archive a = open_npz(p);
      ASSERT_EQ(a.size(), refs.size());
      for (size_t i = 0; i < refs.size(); ++i) {
        const TensorView& v = a.tensors()[i];
        EXPECT_EQ(v.name(), refs[i].name);
        EXPECT_FALSE(v.zero_copy());
        EXPECT_FALSE(v.materialized());
        auto got = v.as<float>();
        EXPECT_TRUE(std::equal(got.begin(), got.end(), storage[i].begin()))
            << "level " << level << " threads " << threads << " member " << i;
      }
      EXPECT_TRUE(verify(a).empty());
    }
  }
  SaveOptions bad;
  bad.compress = true;
  bad.compression_level = 13;
  EXPECT_EQ(error_of([&] { save_npz(temp_path("bad.npz"), refs, bad); }),
            ErrorCode::invalid_argument);
}

TEST(OpenNpz, ConcurrentFirstAccessInflatesOnce) {
  std::vector<float> s;
  TensorRef r = f32("big", s, 1 << 18, 0.5f);
  auto p = temp_path("conc.npz");
  savez_compressed(p, {}, std::span(&r, 1));
  Archive a = open_npz(p);
  const TensorView& v = a.at("big");
  std::vector<const std::byte*> seen(8);
  std::vector<std::thread> ts;
  for (size_t i = 0; i < seen.size(); ++i) ts.emplace_back([&, i] { seen[i] = v.data().data(); });
  for (auto& t : ts) t.join();
  for (auto* q : seen) EXPECT_EQ(q, seen[0]);
  EXPECT_TRUE(v.materialized());
  EXPECT_EQ(v.as<float>()[12345], 12345 * 0.5f);
}

TEST(OpenNpz, PrefetchInflatesEveryMemberInParallel) {
  std::vector<std::vector<float>> storage(5);
  std::vector<TensorRef> refs;
  for (size_t i = 0; i < storage.size(); ++i) {
    refs.push_back(f32("m" + std::to_string(i), storage[i], 5000));
  }
  auto p = temp_path("all.npz");
  savez_compressed(p, refs);
  Archive a = open_npz(p);
  PrefetchOptions o;
  o.threads = 3;
  prefetch(a, o);
  for (const TensorView& v : a.tensors()) EXPECT_TRUE(v.materialized());
}

TEST(OpenNpz, StoredCrcCheckedByVerifyAndOptionallyOnAccess) {
  std::vector<float> s;
  TensorRef r = f32("x", s, 100);
  auto p = temp_path("crc.npz");
  save_npz(p, std::span(&r, 1));
  size_t payload = open_npz(p).at("x").file_offset();
  auto bytes = read_all(p);
  bytes[payload + 40] ^= std::byte{1};
  write_all(p, bytes);
  Archive lax = open_npz(p);
  EXPECT_NO_THROW((void)lax.at("x").data());  // zero-copy: not checked on access by default
  auto problems = verify(lax);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].tensor, "x.npy");
  OpenOptions strict;
  strict.verify_crc_on_access = true;
  Archive checked = open_npz(p, strict);
  EXPECT_EQ(error_of([&] { (void)checked.at("x").data(); }), ErrorCode::bad_checksum);
}

// An archive of one deflated member `name` holding `content`, declaring `declared` bytes,
// compressed at `level` (0: stored blocks, the header's bytes as they stand).
std::vector<std::byte> deflated_zip(const std::string& name, const std::vector<std::byte>& content,
                                    uint64_t declared, int level = 6) {
  libdeflate_compressor* c = libdeflate_alloc_compressor(level);
  std::vector<std::byte> z(libdeflate_deflate_compress_bound(c, content.size()));
  z.resize(libdeflate_deflate_compress(c, content.data(), content.size(), z.data(), z.size()));
  libdeflate_free_compressor(c);
  zip::WrittenEntry e{name,
                      zip::kMethodDeflated,
                      libdeflate_crc32(0, content.data(), content.size()),
                      z.size(),
                      declared,
                      0};
  std::string head = zip::local_header(e);
  std::string cdh = zip::central_header(e);
  std::string tail = cdh + zip::end_records(1, head.size() + z.size(), cdh.size());
  std::vector<std::byte> out;
  for (char ch : head) out.push_back(static_cast<std::byte>(ch));
  out.insert(out.end(), z.begin(), z.end());
  for (char ch : tail) out.push_back(static_cast<std::byte>(ch));
  return out;
}

// A deflated member's npy header is decoded at open from the bytes read with its local header
// when they hold enough of the stream, else from the mapping: a short and a long header (one
// past what is read with the local header), each compressed and in stored blocks, open alike.
TEST(OpenNpz, DeflatedHeadersOpenWhereverTheirBytesLie) {
  for (size_t dims : {size_t{1}, size_t{40}}) {
    std::string shape = "(";
    for (size_t d = 0; d < dims; ++d) shape += d + 1 == dims ? "3," : "1, ";
    shape += ")";
    std::string dict = "{'descr': '<i2', 'fortran_order': False, 'shape': " + shape + ", }";
    size_t total = (10 + dict.size() + 1 + 63) / 64 * 64;
    std::string npy = "\x93NUMPY\x01";
    npy += '\0';
    npy += static_cast<char>((total - 10) & 0xff);
    npy += static_cast<char>((total - 10) >> 8);
    npy += dict + std::string(total - 10 - dict.size() - 1, ' ') + "\n";
    npy += std::string("\x07\x00\x08\x00\x09\x00", 6);
    std::vector<std::byte> content(npy.size());
    std::memcpy(content.data(), npy.data(), npy.size());
    for (int level : {0, 1, 6, 12}) {
      SCOPED_TRACE(std::to_string(dims) + " dims, level " + std::to_string(level));
      auto p = temp_path("deflated_header_" + std::to_string(dims) + "_" + std::to_string(level) +
                         ".npz");
      write_all(p, deflated_zip("x.npy", content, content.size(), level));
      Archive a = open_npz(p);
      const TensorView& v = a.at("x");
      ASSERT_EQ(v.shape().size(), dims);
      EXPECT_EQ(v.shape().back(), 3u);
      auto data = v.data();
      ASSERT_EQ(data.size(), 6u);
      EXPECT_EQ(static_cast<int>(data[2]), 8);
      EXPECT_TRUE(verify(a).empty());
      std::filesystem::remove(p);
    }
  }
}

TEST(OpenNpz, DeflatedSizeLiesAreErrorsNotOverflows) {
  std::vector<std::byte> zeros(1 << 20);  // compresses about 1000:1
  auto p = temp_path("lie.npz");
  auto first_problem = [&](uint64_t declared) {
    write_all(p, deflated_zip("blob", zeros, declared));
    Archive a = open_npz(p);
    EXPECT_EQ(a.at("blob").nbytes(), declared);
    auto problems = verify(a);
    return problems.empty() ? std::string() : problems[0].message;
  };
  EXPECT_EQ(first_problem(zeros.size()), "");
  // Declared smaller than the stream inflates to: libdeflate stops at the bound (a zip bomb).
  EXPECT_NE(first_problem(4096).find("expands past"), std::string::npos);
  // Declared larger: the stream ends short.
  EXPECT_NE(first_problem(zeros.size() + 1).find("ends after"), std::string::npos);
  // Declared beyond what DEFLATE can produce from the compressed size: refused at open.
  write_all(p, deflated_zip("blob", zeros, 1ull << 40));
  EXPECT_EQ(error_of([&] { (void)open_npz(p); }), ErrorCode::bad_compressed_data);
  // Over the configured per-member cap: refused at open.
  write_all(p, deflated_zip("blob", zeros, zeros.size()));
  OpenOptions tight;
  tight.limits.max_member_bytes = 1000;
  EXPECT_EQ(error_of([&] { (void)open_npz(p, tight); }), ErrorCode::limit_exceeded);
  // A stream corrupt from its first block is refused at open (its head is inflated there).
  auto bytes = deflated_zip("blob", zeros, zeros.size());
  bytes[zip::kLocalHeaderSize + 4] = std::byte{0xFF};
  bytes[zip::kLocalHeaderSize + 5] = std::byte{0xFF};
  write_all(p, bytes);
  EXPECT_EQ(error_of([&] { (void)open_npz(p); }), ErrorCode::bad_compressed_data);
}

TEST(SaveNpz, GoesThroughSaveDispatchAndRefusesUnnamedDtypes) {
  std::vector<float> s;
  TensorRef r = f32("x", s, 8);
  auto p = temp_path("dispatch.npz");
  EXPECT_EQ(save(p, std::span(&r, 1)), p);
  EXPECT_EQ(load(p).format(), Format::npz);
  TensorRef q = r;
  q.dtype = DType::q4_0;
  q.shape = {32};
  q.data = q.data.first(18);
  EXPECT_EQ(error_of([&] { save_npz(p, std::span(&q, 1)); }), ErrorCode::unrepresentable);
  EXPECT_EQ(load(p).at("x").nbytes(), 32u);  // the failed save left the file intact
}

// Member names are kept as views of the stored bytes when those are the name (ASCII, or UTF-8
// with bit 11) and decoded once otherwise. A code page 437 name (no bit 11) and a UTF-8 one must
// both come out as UTF-8 — in the tensor names, in the metadata's member list, in verify() —
// and stay valid after the archive handle that opened them is gone (a copy is kept).
TEST(OpenNpz, Cp437AndUtf8MemberNamesSurviveTheOpen) {
  struct Member {
    std::string stored_name;
    bool clear_utf8_flag;
    float value;
  };
  const Member members[] = {{"a\x82\xE1.npy", true, 1.5f},           // aéß in code page 437
                            {"\xC3\xA9t\xC3\xA9.npy", false, 2.5f},  // été, bit 11 set
                            {"plain.npy", false, 3.5f}};
  std::vector<std::byte> archive;
  std::string directory;
  for (const Member& m : members) {
    std::string npy = serialize_npy_header(DType::float32, std::vector<uint64_t>{1});
    npy.append(reinterpret_cast<const char*>(&m.value), sizeof m.value);
    zip::WrittenEntry e{m.stored_name,
                        zip::kMethodStored,
                        static_cast<uint32_t>(libdeflate_crc32(0, npy.data(), npy.size())),
                        npy.size(),
                        npy.size(),
                        archive.size()};
    std::string local = zip::local_header(e) + npy;
    std::string central = zip::central_header(e);
    if (m.clear_utf8_flag) {  // flags: offset 6 of a local header, 8 of a central one
      local[7] = static_cast<char>(local[7] & ~0x08);
      central[9] = static_cast<char>(central[9] & ~0x08);
    }
    for (char c : local) archive.push_back(static_cast<std::byte>(c));
    directory += central;
  }
  std::string tail = directory + zip::end_records(3, archive.size(), directory.size());
  for (char c : tail) archive.push_back(static_cast<std::byte>(c));
  auto p = temp_path("names.npz");
  write_all(p, archive);

  TensorView kept;
  std::string metadata;
  {
    Archive a = open_npz(p);
    ASSERT_EQ(a.tensors().size(), 3u);
    EXPECT_EQ(a.tensors()[0].name(), "a\xC3\xA9\xC3\x9F");
    EXPECT_EQ(a.tensors()[1].name(), "\xC3\xA9t\xC3\xA9");
    EXPECT_EQ(a.tensors()[2].name(), "plain");
    EXPECT_TRUE(verify(a).empty());
    metadata = a.metadata_json();
    kept = a.at("a\xC3\xA9\xC3\x9F");
  }
  EXPECT_NE(metadata.find("\"name\":\"a\xC3\xA9\xC3\x9F.npy\""), std::string::npos) << metadata;
  EXPECT_NE(metadata.find("\"name\":\"\xC3\xA9t\xC3\xA9.npy\""), std::string::npos) << metadata;
  float v = 0;
  std::memcpy(&v, kept.data().data(), sizeof v);
  EXPECT_EQ(v, 1.5f);
  EXPECT_EQ(kept.name(), "a\xC3\xA9\xC3\x9F");
  std::filesystem::remove(p);
}

// An empty name is a name (NumPy's key '' is the member ".npy"; the safetensors reference and
// ggml read and write "" too): every format saves it and reads it back, so convert and verify
// agree on such a file.
TEST(SaveNpz, EmptyNameRoundTripsThroughEveryFormat) {
  std::vector<float> a;
  TensorRef refs[] = {f32("", a, 3)};
  auto npz = temp_path("empty_name.npz");
  save(npz, refs);
  auto bytes = read_all(npz);
  std::string text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  EXPECT_NE(text.find("PK\x03\x04"), std::string::npos);
  EXPECT_NE(text.find(".npy"), std::string::npos);
  Archive from_npz = load(npz);
  ASSERT_EQ(from_npz.size(), 1u);
  EXPECT_EQ(from_npz.tensors()[0].name(), "");
  EXPECT_TRUE(verify(from_npz).empty());
  std::vector<TensorRef> again = {TensorRef::from_view(from_npz.tensors()[0])};
  for (const char* ext : {".safetensors", ".gguf", ".npz", ".npy"}) {
    auto out = temp_path(std::string("empty_name_copy") + ext);
    save(out, again);
    Archive back = load(out);
    ASSERT_EQ(back.size(), 1u) << ext;
    if (std::string(ext) != ".npy") EXPECT_EQ(back.tensors()[0].name(), "") << ext;
    EXPECT_EQ(back.tensors()[0].nbytes(), 12u) << ext;
  }
}
