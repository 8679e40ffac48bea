// Every file of tests/corpus/gguf/bad fails at open with the specific error its defect calls
// for, the one its name states (<error_code_name>__<what>.gguf); the good files open with the
// structure make_gguf_corpus.py gave them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tensorio/gguf.hpp"
#include "tensorio/tensorio.hpp"

namespace fs = std::filesystem;
using tensorio::ErrorCode;

namespace {

const fs::path kCorpus = fs::path(TENSORIO_SOURCE_ROOT) / "tests/corpus/gguf";

// The code a bad file's name states before "__"; count_ when it states none.
ErrorCode stated_code(const fs::path& p) {
  std::string name = p.filename().string();
  size_t sep = name.find("__");
  if (sep == std::string::npos) return ErrorCode::count_;
  for (uint16_t c = 1; c < static_cast<uint16_t>(ErrorCode::count_); ++c) {
    auto code = static_cast<ErrorCode>(c);
    if (tensorio::error_code_name(code) == name.substr(0, sep)) return code;
  }
  return ErrorCode::count_;
}

std::vector<fs::path> bad_files() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kCorpus / "bad")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

ErrorCode open_error(const fs::path& p, std::string* message = nullptr) {
  try {
    (void)tensorio::open_gguf(p);
  } catch (const tensorio::Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  ADD_FAILURE() << p << " opened";
  return ErrorCode::count_;
}

TEST(GgufCorpus, EveryBadFileStatesItsCode) {
  auto files = bad_files();
  EXPECT_GE(files.size(), 44u);
  for (const fs::path& p : files) {
    EXPECT_NE(stated_code(p), ErrorCode::count_)
        << p << ": expected a name <error_code_name>__<what>.gguf";
  }
}

TEST(GgufCorpus, BadFilesFailWithTheirSpecificError) {
  for (const fs::path& p : bad_files()) {
    ErrorCode want = stated_code(p);
    if (want == ErrorCode::count_) continue;  // reported by EveryBadFileStatesItsCode
    std::string msg;
    ErrorCode got = open_error(p, &msg);
    EXPECT_EQ(tensorio::error_code_name(got), tensorio::error_code_name(want))
        << p.filename() << ": " << msg;
    EXPECT_NE(msg.find(p.filename().string()), std::string::npos)
        << "message names the file: " << msg;
  }
}

TEST(GgufCorpus, MessagesSayWhatWasExpected) {
  std::string msg;
  open_error(kCorpus / "bad/unsupported_version__version1.gguf", &msg);
  EXPECT_NE(msg.find("version 1"), std::string::npos) << msg;
  open_error(kCorpus / "bad/unsupported_version__big_endian.gguf", &msg);
  EXPECT_NE(msg.find("big-endian"), std::string::npos) << msg;
  open_error(kCorpus / "bad/unsupported_dtype__removed_type_q4_2.gguf", &msg);
  EXPECT_NE(msg.find("Q4_2"), std::string::npos) << msg;
  open_error(kCorpus / "bad/unsupported_dtype__removed_type_q4_0_4_4.gguf", &msg);
  EXPECT_NE(msg.find("Q4_0_4_4"), std::string::npos) << msg;
  open_error(kCorpus / "bad/duplicate_name__key.gguf", &msg);
  EXPECT_NE(msg.find("'a.b'"), std::string::npos) << msg;
  open_error(kCorpus / "bad/truncated__data_section.gguf", &msg);
  EXPECT_NE(msg.find("tensor 'w'"), std::string::npos) << msg;
}

TEST(GgufCorpus, AllGgmlTypesOpenZeroCopyWithBlockSizes) {
  auto a = tensorio::open_gguf(kCorpus / "good/all_ggml_types.gguf");
  auto g = tensorio::gguf_file(a);
  ASSERT_EQ(a.size(), 35u);  // every ggml type in use: 0..42 minus the 8 removed values
  for (const auto& info : g.tensor_infos()) {
    const auto& view = a.at(info.name);
    const auto& di = tensorio::dtype_info(view.dtype());
    EXPECT_EQ(static_cast<uint32_t>(di.ggml_type), info.ggml_type);
    ASSERT_EQ(info.ne.size(), 2u);
    EXPECT_EQ(info.ne[0], 2u * di.block_elements);
    EXPECT_EQ(info.ne[1], 3u);
    EXPECT_EQ(view.shape()[0], 3u);  // row-major: ne reversed
    EXPECT_EQ(view.shape()[1], 2u * di.block_elements);
    EXPECT_EQ(tensorio::ggml_ne(view), info.ne);
    EXPECT_EQ(view.nbytes(), 6u * di.block_bytes);
    EXPECT_TRUE(view.zero_copy());
    EXPECT_EQ(view.file_offset() % 32, 0u);
  }
  EXPECT_TRUE(g.ggml_contiguous_layout());
  EXPECT_EQ(a.at("t2").dtype(), tensorio::DType::q4_0);
  EXPECT_EQ(a.at("t30").dtype(), tensorio::DType::bfloat16);
  EXPECT_EQ(a.at("t42").dtype(), tensorio::DType::q2_0);
}

TEST(GgufCorpus, GoodLayoutsOpen) {
  auto none = tensorio::open_gguf(kCorpus / "good/no_tensors.gguf");
  EXPECT_EQ(none.size(), 0u);
  EXPECT_EQ(tensorio::gguf_file(none).metadata().get<std::string_view>("general.architecture"),
            "llama");
  auto v2 = tensorio::open_gguf(kCorpus / "good/version2.gguf");
  EXPECT_EQ(tensorio::gguf_file(v2).version(), 2u);
  auto unpadded = tensorio::open_gguf(kCorpus / "good/unpadded_last_tensor.gguf");
  EXPECT_EQ(unpadded.at("a").as<float>()[2], 3.0f);
  auto gap = tensorio::open_gguf(kCorpus / "good/gap_between_tensors.gguf");
  EXPECT_FALSE(tensorio::gguf_file(gap).ggml_contiguous_layout());
  EXPECT_EQ(gap.notes().size(), 1u);
  EXPECT_EQ(gap.at("b").as<float>()[0], 5.0f);
  auto se = tensorio::open_gguf(kCorpus / "good/scalar_and_empty.gguf");
  EXPECT_TRUE(se.at("scalar").shape().empty());
  EXPECT_EQ(se.at("scalar").as<float>()[0], 7.0f);
  EXPECT_EQ(se.at("empty").num_elements(), 0u);
  EXPECT_EQ(se.at("empty").shape()[0], 4u);
  EXPECT_EQ(se.at("after").nbytes(), 4u);
}

}  // namespace
