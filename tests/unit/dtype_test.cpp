// Core pieces: dtype table, checked arithmetic, byte cursor, error messages, mapped file, JSON.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/byte_cursor.hpp"
#include "core/byte_scan.hpp"
#include "core/checked_math.hpp"
#include "core/dims.hpp"
#include "core/json_writer.hpp"
#include "core/mapped_file.hpp"
#include "core/name_index.hpp"
#include "core/page_range.hpp"
#include "io/executor.hpp"
#include "io/parallel.hpp"
#include "support/temp_dir.hpp"
#include "tensorio/npy.hpp"
#include "tensorio/tensorio.hpp"
#include "test_util.hpp"

namespace tensorio {
namespace {

TEST(DType, TableIsConsistent) {
  std::set<std::string_view> names;
  for (const DTypeInfo& i : all_dtypes()) {
    EXPECT_TRUE(names.insert(i.name).second) << "duplicate name " << i.name;
    EXPECT_EQ(dtype_from_name(i.name), i.dtype);
    EXPECT_GT(i.block_elements, 0u);
    EXPECT_GT(i.block_bytes, 0u);
    if (!i.safetensors.empty()) {
      EXPECT_EQ(dtype_from_safetensors(i.safetensors), i.dtype);
    }
    if (i.ggml_type >= 0) {
      EXPECT_EQ(dtype_from_ggml(i.ggml_type), i.dtype);
    }
  }
  EXPECT_EQ(item_size(DType::float32), 4u);
  EXPECT_EQ(item_size(DType::complex128), 16u);
  EXPECT_EQ(item_size(DType::q4_0), 0u) << "packed types have no item size";
  EXPECT_EQ(dtype_info(DType::bfloat16).numpy_descr, "<V2");
}

// The word-at-a-time scans: a bad byte at every position of every length up to three words
// (the whole-word loop and the byte tail), against the byte-at-a-time definition.
TEST(ByteScan, PlainAsciiFindsNulAndHighBytesAnywhere) {
  for (size_t len = 0; len <= 24; ++len) {
    std::vector<std::byte> s(len, std::byte{'a'});
    EXPECT_TRUE(detail::plain_ascii(s)) << len;
    for (size_t at = 0; at < len; ++at) {
      for (int bad : {0x00, 0x80, 0xC3, 0xFF}) {
        s[at] = std::byte(bad);
        EXPECT_FALSE(detail::plain_ascii(s)) << len << " " << at << " " << bad;
      }
      s[at] = std::byte{0x7F};
      EXPECT_TRUE(detail::plain_ascii(s)) << len << " " << at;
      s[at] = std::byte{0x01};
      EXPECT_TRUE(detail::plain_ascii(s)) << len << " " << at;
      s[at] = std::byte{'a'};
    }
  }
}

TEST(ByteScan, AllCharsAreFindsAnyOtherByte) {
  for (size_t len = 0; len <= 24; ++len) {
    std::string s(len, ' ');
    EXPECT_TRUE(detail::all_chars_are(s, ' ')) << len;
    for (size_t at = 0; at < len; ++at) {
      for (char other : {'\n', '\t', '\0', 'x', static_cast<char>(0xA0)}) {
        s[at] = other;
        EXPECT_FALSE(detail::all_chars_are(s, ' ')) << len << " " << at;
      }
      s[at] = ' ';
    }
  }
}

// Rounding for madvise: out for advice and populate, in for release; and the system call's
// errors come back as errno values, never as exceptions.
TEST(PageRange, RoundsOutForAdviceAndInForRelease) {
  const size_t page = detail::page_size();
  void* mem = ::mmap(nullptr, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mem, MAP_FAILED);
  auto* base = static_cast<std::byte*>(mem);
  auto at = [&](size_t off) { return reinterpret_cast<uintptr_t>(base + off); };
  // Bytes [page/2, 2*page + 10): touches pages 0-2; wholly contains page 1 only.
  std::span<const std::byte> bytes(base + page / 2, page + page / 2 + 10);
  detail::PageRange out = detail::pages_touching(bytes);
  EXPECT_EQ(out.begin, at(0));
  EXPECT_EQ(out.end, at(2 * page + 10));
  detail::PageRange in = detail::pages_inside(bytes);
  EXPECT_EQ(in.begin, at(page));
  EXPECT_EQ(in.end, at(2 * page));
  // Less than a whole page inside: nothing to release. Empty spans: empty ranges.
  EXPECT_TRUE(detail::pages_inside({base + 10, page}).empty());
  EXPECT_TRUE(detail::pages_inside({}).empty());
  EXPECT_TRUE(detail::pages_touching({}).empty());
  EXPECT_EQ(detail::pages_inside({base, 4 * page}).size(), 4 * page);
  // sub() clips to the range.
  detail::PageRange all = detail::pages_touching({base, 4 * page});
  EXPECT_EQ(all.sub(page, page).begin, at(page));
  EXPECT_EQ(all.sub(3 * page, 10 * page).size(), page);
  EXPECT_TRUE(all.sub(4 * page, page).empty());
  EXPECT_EQ(detail::advise_pages({}, MADV_WILLNEED), 0);
  EXPECT_EQ(detail::advise_pages(all, MADV_WILLNEED), 0);
  if (detail::kernel_can_populate()) {
    EXPECT_EQ(detail::advise_pages(all, MADV_POPULATE_READ), 0);
  }
  ASSERT_EQ(::munmap(mem, 4 * page), 0);
  // Now unmapped: an errno comes back (ENOMEM for an unmapped range).
  EXPECT_EQ(detail::advise_pages(all, MADV_WILLNEED), ENOMEM);
}

// The archive's name -> position table: growth without reserve(), duplicates refused (also
// through a hash computed ahead), lookups of present and absent names among 10,000 that share
// long prefixes.
TEST(NameIndex, FindsEveryNameAndRefusesRepeats) {
  std::vector<std::string> names;
  for (int i = 0; i < 10000; ++i) {
    names.push_back("model.layers." + std::to_string(i / 10) + ".mlp.w" + std::to_string(i % 10));
  }
  detail::NameIndex index;  // no reserve(): grows by rehashing
  for (size_t i = 0; i < names.size(); ++i) {
    if (i % 2 == 0) {
      ASSERT_TRUE(index.insert(names[i], i));
    } else {
      ASSERT_TRUE(index.insert_hashed(names[i], detail::NameIndex::hash(names[i]), i));
    }
  }
  EXPECT_EQ(index.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    auto at = index.find(names[i]);
    ASSERT_TRUE(at.has_value()) << names[i];
    EXPECT_EQ(*at, i);
  }
  EXPECT_FALSE(index.find("model.layers.0.mlp.w10").has_value());
  EXPECT_FALSE(index.find("").has_value());
  std::string again = names[1234];  // equal text in another string
  EXPECT_FALSE(index.insert(again, 99999));
  EXPECT_FALSE(index.insert_hashed(again, detail::NameIndex::hash(again), 99999));
  EXPECT_EQ(*index.find(again), 1234u);
  EXPECT_EQ(index.size(), names.size());
}

// The word-at-a-time hash reads short names in overlapping pieces and the last word of long
// ones overlapping the word before: every byte must still count. Names of every length to 40,
// each byte position flipped, and the same bytes at other lengths (trailing NULs included)
// must all hash apart; equal text in another buffer must hash the same.
TEST(NameIndex, HashCountsEveryByteAndTheLength) {
  std::unordered_set<size_t> seen;
  size_t made = 0;
  for (size_t len = 0; len <= 40; ++len) {
    std::string base(len, '\0');
    for (size_t i = 0; i < len; ++i) base[i] = static_cast<char>('a' + (i * 7) % 26);
    ASSERT_TRUE(seen.insert(detail::NameIndex::hash(base)).second) << "length " << len;
    ++made;
    std::string copy(base.data(), base.size());
    EXPECT_EQ(detail::NameIndex::hash(copy), detail::NameIndex::hash(base));
    for (size_t i = 0; i < len; ++i) {
      std::string flipped = base;
      flipped[i] = static_cast<char>(flipped[i] ^ 0x20);
      ASSERT_TRUE(seen.insert(detail::NameIndex::hash(flipped)).second)
          << "length " << len << ", byte " << i;
      ++made;
    }
  }
  EXPECT_EQ(seen.size(), made);
  std::string with_nul("ab\0", 3);
  EXPECT_NE(detail::NameIndex::hash(with_nul), detail::NameIndex::hash("ab"));
  EXPECT_NE(detail::NameIndex::hash(std::string(9, '\0')), detail::NameIndex::hash(""));
}

// A record's shape: in place up to Dims::kInline dimensions, on the heap beyond, and back
// again; copies and moves keep their own storage (no pointer into the source survives).
TEST(Dims, InlineAndHeapShapesCopyAndShrink) {
  std::vector<uint64_t> long_shape;
  for (uint64_t i = 1; i <= detail::Dims::kInline + 4; ++i) long_shape.push_back(i);
  detail::Dims d;
  EXPECT_TRUE(d.empty());
  d = {3, 4};
  EXPECT_EQ(std::vector<uint64_t>(d.begin(), d.end()), (std::vector<uint64_t>{3, 4}));
  d = long_shape;
  ASSERT_EQ(d.size(), long_shape.size());
  EXPECT_EQ(std::vector<uint64_t>(d.begin(), d.end()), long_shape);
  detail::Dims copy = d;
  d.back() = 99;
  EXPECT_EQ(copy.back(), long_shape.back()) << "a copy has its own heap storage";
  detail::Dims moved = std::move(copy);
  std::span<const uint64_t> view = moved;
  EXPECT_EQ(std::vector<uint64_t>(view.begin(), view.end()), long_shape);
  d.assign(long_shape.begin(), long_shape.begin() + 2);  // back to inline storage
  EXPECT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0], 1u);
  EXPECT_EQ(d[1], 2u);
  detail::Dims inline_copy = d;
  d[0] = 7;
  EXPECT_EQ(inline_copy[0], 1u);
  std::vector<uint64_t> exact(long_shape.begin(), long_shape.begin() + detail::Dims::kInline);
  d = exact;
  EXPECT_EQ(std::vector<uint64_t>(d.begin(), d.end()), exact);
}

// Through the npy reader: a shape longer than the inline storage comes back whole.
TEST(Dims, LongNpyShapeOpens) {
  std::vector<uint64_t> shape(detail::Dims::kInline + 3, 1);
  shape[0] = 2;
  shape.back() = 3;
  std::string npy = serialize_npy_header(DType::uint8, shape);
  npy.append(6, '\x05');
  testing::TempDir dir;
  auto path = dir / "dims.npy";
  {
    std::ofstream f(path, std::ios::binary);
    f.write(npy.data(), static_cast<std::streamsize>(npy.size()));
  }
  Archive a = open_npy(path);
  auto got = a.tensors()[0].shape();
  EXPECT_EQ(std::vector<uint64_t>(got.begin(), got.end()), shape);
  EXPECT_EQ(a.tensors()[0].nbytes(), 6u);
}

TEST(DType, SafetensorsHasAll22Codes) {
  size_t n = 0;
  for (const DTypeInfo& i : all_dtypes()) n += !i.safetensors.empty();
  EXPECT_EQ(n, 22u);
  EXPECT_FALSE(dtype_from_safetensors("F8_E4M3FN").has_value()) << "spelled F8_E4M3 in the format";
}

TEST(DType, RemovedGgmlTypesAreUnknown) {
  for (int removed : {4, 5, 31, 32, 33, 36, 37, 38, 43, 1000, -1}) {
    EXPECT_FALSE(dtype_from_ggml(removed).has_value()) << removed;
  }
  EXPECT_EQ(dtype_from_ggml(12), DType::q4_k);
  EXPECT_EQ(dtype_from_ggml(30), DType::bfloat16);
}

TEST(DType, ByteSizeOfPackedTypes) {
  EXPECT_EQ(byte_size(DType::float4_e2m1fn, 6), 3u);
  EXPECT_FALSE(byte_size(DType::float4_e2m1fn, 5).has_value()) << "half a byte";
  EXPECT_EQ(byte_size(DType::float6_e2m3fn, 8), 6u);
  EXPECT_FALSE(byte_size(DType::float6_e2m3fn, 6).has_value());
  EXPECT_EQ(byte_size(DType::q4_0, 64), 36u);
  EXPECT_FALSE(byte_size(DType::q4_0, 33).has_value());
  EXPECT_FALSE(byte_size(DType::float64, UINT64_MAX / 4).has_value()) << "overflow";
}

TEST(DType, ElementCountOverflow) {
  std::vector<uint64_t> ok{1u << 20, 1u << 20};
  EXPECT_EQ(element_count(ok), uint64_t{1} << 40);
  std::vector<uint64_t> bad{uint64_t{1} << 32, uint64_t{1} << 32};
  EXPECT_FALSE(element_count(bad).has_value());
  EXPECT_EQ(element_count(std::vector<uint64_t>{}), 1u);
  EXPECT_EQ(element_count(std::vector<uint64_t>{0, 5}), 0u);
}

TEST(CheckedMath, AddMulAlignFits) {
  EXPECT_FALSE(checked_add(UINT64_MAX, 1).has_value());
  EXPECT_EQ(checked_add(1, 2), 3u);
  EXPECT_FALSE(checked_mul(uint64_t{1} << 33, uint64_t{1} << 31).has_value());
  EXPECT_EQ(checked_align_up(33, 32), 64u);
  EXPECT_EQ(checked_align_up(64, 32), 64u);
  EXPECT_FALSE(checked_align_up(UINT64_MAX - 3, 32).has_value());
  EXPECT_FALSE(checked_align_up(5, 24).has_value()) << "not a power of two";
  EXPECT_TRUE(span_fits(10, 5, 15));
  EXPECT_FALSE(span_fits(11, 5, 15));
  EXPECT_FALSE(span_fits(UINT64_MAX, 2, 15)) << "no wrap-around";
  EXPECT_FALSE(span_fits(2, UINT64_MAX, 15));
}

TEST(ByteCursor, ReadsLittleEndianAndStopsAtTheEnd) {
  std::string bytes("\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9);
  std::string name = "f.bin";
  ByteCursor c(test::as_bytes(bytes), name, 100);
  EXPECT_EQ(c.read_le<uint32_t>("a"), 0x04030201u);
  EXPECT_EQ(c.file_offset(), 104u);
  EXPECT_EQ(c.remaining(), 5u);
  try {
    c.read_le<uint64_t>("the count");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::truncated);
    EXPECT_EQ(e.offset(), 104u);
    EXPECT_EQ(std::string(e.what()),
              "f.bin: offset 104: the count: expected 8 bytes, found 5 before the end");
  }
  EXPECT_EQ(c.position(), 4u) << "a failed read does not move the cursor";
  EXPECT_THROW(c.read_bytes(UINT64_MAX, "huge"), Error);
  EXPECT_THROW(c.skip(6, "skip"), Error);
  EXPECT_THROW(c.seek(10, "seek"), Error);
  c.seek(9, "end");
  EXPECT_EQ(c.remaining(), 0u);
}

TEST(Error, CodesHaveNamesAndMessages) {
  for (int i = 1; i < static_cast<int>(ErrorCode::count_); ++i) {
    auto code = static_cast<ErrorCode>(i);
    EXPECT_FALSE(error_code_name(code).empty()) << i;
    EXPECT_NE(error_code_name(code), "ok") << i;
    EXPECT_FALSE(error_code_message(code).empty()) << i;
  }
  Error e(ErrorCode::bad_shape, "x.npy", 42, "expected a, found b");
  EXPECT_STREQ(e.what(), "x.npy: offset 42: expected a, found b");
  Error no_off(ErrorCode::io_error, "x.npy", no_offset, "boom");
  EXPECT_STREQ(no_off.what(), "x.npy: boom");
}

TEST(MappedFile, MapsWholeFileAndReportsMissing) {
  testing::TempDir dir;
  test::write_file(dir / "a.bin", "hello");
  auto f = detail::MappedFile::open((dir / "a.bin").string());
  EXPECT_EQ(f->size(), 5u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f->bytes().data()), 5), "hello");
  test::write_file(dir / "empty.bin", "");
  EXPECT_EQ(detail::MappedFile::open((dir / "empty.bin").string())->size(), 0u);
  try {
    detail::MappedFile::open((dir / "missing.bin").string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::file_not_found);
  }
  try {
    detail::MappedFile::open(dir.path().string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io_error);
  }
}

TEST(MappedFile, DetectsTruncationAfterOpen) {
  testing::TempDir dir;
  test::write_file(dir / "a.bin", std::string(8192, 'x'));
  auto f = detail::MappedFile::open((dir / "a.bin").string());
  EXPECT_NO_THROW(f->check_still_covers(8192));
  std::filesystem::resize_file(dir / "a.bin", 100);
  try {
    f->check_still_covers(8192);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::file_changed);
  }
}

TEST(JsonWriter, EscapesAndNests) {
  detail::JsonWriter w;
  w.begin_object();
  w.key("a\"b\\c").value(std::string_view("line\nnext\x01\xff"));
  w.key("n").begin_array().value(uint64_t{1}).value(int64_t{-2}).value(0.5).value(2.0).end_array();
  w.key("e").begin_object().end_object();
  w.key("t").value(true).key("z").null();
  w.end_object();
  EXPECT_EQ(w.str(),
            "{\"a\\\"b\\\\c\":\"line\\nnext\\u0001\xEF\xBF\xBD\",\"n\":[1,-2,0.5,2.0],\"e\":{},"
            "\"t\":true,\"z\":null}");
}

TEST(FormatFromPath, ByExtension) {
  EXPECT_EQ(format_from_path("a/b.npy"), Format::npy);
  EXPECT_EQ(format_from_path("b.NPZ"), Format::npz);
  EXPECT_EQ(format_from_path("m.safetensors"), Format::safetensors);
  EXPECT_EQ(format_from_path("model.safetensors.index.json"), Format::safetensors);
  EXPECT_EQ(format_from_path("m.gguf"), Format::gguf);
  try {
    format_from_path("m.bin");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unknown_format);
    EXPECT_NE(std::string(e.what()).find(".bin"), std::string::npos);
  }
}

}  // namespace
}  // namespace tensorio

// The helper pool's threads do not exist in a fork()ed child: there the pool refuses every
// job and parallel_for starts threads of its own, and still does every item once.
TEST(Executor, ForkedChildFallsBackToItsOwnThreads) {
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TENSORIO_SANITIZED_ALLOCATOR 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || \
    defined(TENSORIO_SANITIZED_ALLOCATOR)
  // glibc's malloc is usable in the child of a multi-threaded fork (it has fork handlers); the
  // sanitizers' allocators are not (a lock another thread held at the fork stays held).
  GTEST_SKIP() << "allocating after a multi-threaded fork needs glibc's allocator";
#endif
  tensorio::detail::Executor& pool =
      tensorio::detail::Executor::instance();  // started in the parent
  std::atomic<int> parent_items{0};
  tensorio::detail::parallel_for(100, 3, [&](size_t, unsigned) { parent_items.fetch_add(1); });
  ASSERT_EQ(parent_items.load(), 100);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    bool refused = !pool.try_fork_join(1, [](unsigned) {});
    std::atomic<int> items{0};
    tensorio::detail::parallel_for(100, 3, [&](size_t, unsigned) { items.fetch_add(1); });
    ::_exit(refused && items.load() == 100 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(pool.try_fork_join(1, [](unsigned) {})) << "the parent's pool still works";
}

// Header decoding on several threads must raise the error a sequential loop would: the one of
// the lowest failing item, however the items were scheduled.
TEST(ParallelForInOrder, RaisesTheLowestFailingItemsError) {
  for (unsigned threads : {1u, 2u, 4u, 8u}) {
    for (size_t batch : {1u, 3u, 64u}) {
      std::vector<std::atomic<int>> ran(500);
      try {
        tensorio::detail::parallel_for_in_order(500, threads, batch,
                                                [&](size_t i, unsigned worker) {
                                                  EXPECT_LT(worker, threads);
                                                  ran[i].fetch_add(1);
                                                  // Items 137, 138 and every item from 300 on fail;
                                                  // later ones fail faster.
                                                  if (i == 137 || i == 138 || i >= 300)
                                                    throw std::runtime_error(std::to_string(i));
                                                });
        ADD_FAILURE() << "no error raised";
      } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "137") << threads << " threads, batch " << batch;
      }
      for (size_t i = 0; i <= 137; ++i) EXPECT_EQ(ran[i].load(), 1) << i;  // each at most once
      for (size_t i = 138; i < 500; ++i) EXPECT_LE(ran[i].load(), 1) << i;
    }
  }
  // Without failures every item runs exactly once.
  std::vector<std::atomic<int>> ran(1000);
  tensorio::detail::parallel_for_in_order(1000, 4, 7,
                                          [&](size_t i, unsigned) { ran[i].fetch_add(1); });
  for (size_t i = 0; i < 1000; ++i) EXPECT_EQ(ran[i].load(), 1) << i;
  constexpr size_t kWork = tensorio::detail::kHeaderWorkPerThread;
  EXPECT_EQ(tensorio::detail::header_threads(0, kWork - 1), 1u);
  EXPECT_GE(tensorio::detail::header_threads(0, kWork), 1u);
  EXPECT_LE(tensorio::detail::header_threads(0, kWork), 4u);
  EXPECT_EQ(tensorio::detail::header_threads(3, 10), 3u);
}
