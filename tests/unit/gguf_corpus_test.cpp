// Every file of tests/corpus/gguf/bad fails at open with the specific error its defect calls
// for; the good files open with the structure make_corpus.py gave them.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "tensorio/gguf.hpp"
#include "tensorio/tensorio.hpp"

namespace fs = std::filesystem;
using tensorio::ErrorCode;

namespace {

const fs::path kCorpus = fs::path(TENSORIO_SOURCE_ROOT) / "tests/corpus/gguf";

const std::map<std::string, ErrorCode> kExpected = {
    {"alignment_huge.gguf", ErrorCode::limit_exceeded},
    {"alignment_not_power_of_two.gguf", ErrorCode::bad_alignment},
    {"alignment_uint64.gguf", ErrorCode::bad_alignment},
    {"alignment_zero.gguf", ErrorCode::bad_alignment},
    {"array_bad_element_type.gguf", ErrorCode::bad_metadata},
    {"array_count_over_limit.gguf", ErrorCode::limit_exceeded},
    {"array_count_past_end.gguf", ErrorCode::truncated},
    {"bad_magic.gguf", ErrorCode::bad_magic},
    {"bad_value_type.gguf", ErrorCode::bad_metadata},
    {"big_endian.gguf", ErrorCode::unsupported_version},
    {"byte_size_overflow.gguf", ErrorCode::size_overflow},
    {"data_start_past_eof.gguf", ErrorCode::truncated},
    {"duplicate_key.gguf", ErrorCode::duplicate_name},
    {"duplicate_tensor_name.gguf", ErrorCode::duplicate_name},
    {"element_count_overflow.gguf", ErrorCode::size_overflow},
    {"empty_key.gguf", ErrorCode::bad_metadata},
    {"huge_kv_count.gguf", ErrorCode::truncated},
    {"huge_tensor_count.gguf", ErrorCode::limit_exceeded},
    {"key_length_huge.gguf", ErrorCode::limit_exceeded},
    {"n_dims_5.gguf", ErrorCode::bad_shape},
    {"negative_dimension.gguf", ErrorCode::bad_shape},
    {"nested_array_too_deep.gguf", ErrorCode::limit_exceeded},
    {"offset_out_of_bounds.gguf", ErrorCode::out_of_bounds},
    {"offset_plus_size_wraps.gguf", ErrorCode::out_of_bounds},
    {"offset_unaligned.gguf", ErrorCode::bad_alignment},
    {"overlap_out_of_order.gguf", ErrorCode::overlap},
    {"overlapping_tensors.gguf", ErrorCode::overlap},
    {"padding_overflow.gguf", ErrorCode::size_overflow},
    {"removed_type_iq4_nl_8_8.gguf", ErrorCode::unsupported_dtype},
    {"removed_type_q4_0_4_4.gguf", ErrorCode::unsupported_dtype},
    {"removed_type_q4_2.gguf", ErrorCode::unsupported_dtype},
    {"row_not_whole_blocks.gguf", ErrorCode::bad_shape},
    {"string_array_element_past_end.gguf", ErrorCode::truncated},
    {"string_array_lying_count.gguf", ErrorCode::truncated},
    {"string_length_past_end.gguf", ErrorCode::truncated},
    {"tensor_infos_truncated.gguf", ErrorCode::truncated},
    {"tensor_name_64_bytes.gguf", ErrorCode::limit_exceeded},
    {"truncated_data_section.gguf", ErrorCode::truncated},
    {"truncated_header.gguf", ErrorCode::truncated},
    {"truncated_scalar.gguf", ErrorCode::truncated},
    {"unknown_type_43.gguf", ErrorCode::unknown_dtype},
    {"unknown_type_huge.gguf", ErrorCode::unknown_dtype},
    {"version1.gguf", ErrorCode::unsupported_version},
    {"version4.gguf", ErrorCode::unsupported_version},
};

ErrorCode open_error(const fs::path& p, std::string* message = nullptr) {
  try {
    tensorio::open_gguf(p);
  } catch (const tensorio::Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  ADD_FAILURE() << p << " opened";
  return ErrorCode::count_;
}

TEST(GgufCorpus, EveryBadFileHasAnExpectation) {
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(kCorpus / "bad")) {
    ++files;
    EXPECT_TRUE(kExpected.count(e.path().filename().string())) << e.path();
  }
  EXPECT_EQ(files, kExpected.size());
}

TEST(GgufCorpus, BadFilesFailWithTheirSpecificError) {
  for (const auto& [name, code] : kExpected) {
    std::string msg;
    ErrorCode got = open_error(kCorpus / "bad" / name, &msg);
    EXPECT_EQ(tensorio::error_code_name(got), tensorio::error_code_name(code))
        << name << ": " << msg;
    EXPECT_NE(msg.find(name), std::string::npos) << "message names the file: " << msg;
  }
}

TEST(GgufCorpus, MessagesSayWhatWasExpected) {
  std::string msg;
  open_error(kCorpus / "bad/version1.gguf", &msg);
  EXPECT_NE(msg.find("version 1"), std::string::npos) << msg;
  open_error(kCorpus / "bad/big_endian.gguf", &msg);
  EXPECT_NE(msg.find("big-endian"), std::string::npos) << msg;
  open_error(kCorpus / "bad/removed_type_q4_2.gguf", &msg);
  EXPECT_NE(msg.find("Q4_2"), std::string::npos) << msg;
  open_error(kCorpus / "bad/removed_type_q4_0_4_4.gguf", &msg);
  EXPECT_NE(msg.find("Q4_0_4_4"), std::string::npos) << msg;
  open_error(kCorpus / "bad/duplicate_key.gguf", &msg);
  EXPECT_NE(msg.find("'a.b'"), std::string::npos) << msg;
  open_error(kCorpus / "bad/truncated_data_section.gguf", &msg);
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
