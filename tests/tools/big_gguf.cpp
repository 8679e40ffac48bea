#include "tests/tools/big_gguf.hpp"

#include <string>
#include <vector>

#include "tensorio/gguf.hpp"

namespace tensorio::testing {

namespace {

// Token-like strings of varying length (2..12 bytes), deterministic.
std::string token(uint64_t i) {
  static constexpr char kAlphabet[] = "etaoinshrdlucmfwypvbgkqjxz";
  std::string s = (i % 3 == 0) ? "\xc4\xa0" : "";  // GPT-2's space marker on a third of them
  uint64_t x = i * 2654435761u + 7;
  size_t len = 2 + x % 10;
  for (size_t k = 0; k < len; ++k) {
    s += kAlphabet[x % 26];
    x = x * 6364136223846793005ull + 1442695040888963407ull;
  }
  return s + std::to_string(i % 97);
}

}  // namespace

uint64_t write_big_gguf(const std::filesystem::path& path, const BigGgufShape& shape) {
  std::vector<std::string> tokens, merges;
  std::vector<float> scores;
  std::vector<int32_t> types;
  tokens.reserve(shape.tokens);
  for (uint64_t i = 0; i < shape.tokens; ++i) {
    tokens.push_back(token(i));
    scores.push_back(-static_cast<float>(i));
    types.push_back(i < 3 ? 3 : 1);
  }
  merges.reserve(shape.merges);
  for (uint64_t i = 0; i < shape.merges; ++i) merges.push_back(token(i) + " " + token(i + 1));

  std::vector<GgufKeyValue> kv{
      {"general.architecture", GgufValue("llama")},
      {"general.name", GgufValue("synthetic benchmark model")},
      {"general.quantization_version", GgufValue(uint32_t{2})},
      {"general.file_type", GgufValue(uint32_t{2})},
      {"llama.context_length", GgufValue(uint32_t{4096})},
      {"llama.embedding_length", GgufValue(uint32_t{4096})},
      {"llama.block_count", GgufValue(uint32_t{32})},
      {"llama.attention.head_count", GgufValue(uint32_t{32})},
      {"llama.rope.freq_base", GgufValue(10000.0f)},
      {"llama.attention.layer_norm_rms_epsilon", GgufValue(1e-5f)},
      {"tokenizer.ggml.model", GgufValue("gpt2")},
      {"tokenizer.ggml.tokens", GgufValue::string_array(std::move(tokens))},
      {"tokenizer.ggml.scores", GgufValue::array(scores)},
      {"tokenizer.ggml.token_type", GgufValue::array(types)},
      {"tokenizer.ggml.merges", GgufValue::string_array(std::move(merges))},
      {"tokenizer.ggml.bos_token_id", GgufValue(uint32_t{1})},
      {"tokenizer.ggml.eos_token_id", GgufValue(uint32_t{2})},
  };

  // Small tensors in the dtypes real files mix: f32 norms, f16, q4_0 and q8_0 weights.
  static constexpr DType kTypes[] = {DType::float32, DType::float16, DType::q4_0, DType::q8_0};
  static constexpr const char* kRoles[] = {"attn_norm",   "attn_q",     "attn_k", "attn_v",
                                           "attn_output", "ffn_gate",   "ffn_up", "ffn_down",
                                           "ffn_norm",    "attn_q_norm"};
  std::vector<std::vector<std::byte>> payloads;
  std::vector<TensorRef> refs;
  payloads.reserve(shape.tensors);
  for (uint64_t i = 0; i < shape.tensors; ++i) {
    DType dt = kTypes[i % 4];
    std::vector<uint64_t> dims{4, 64};
    uint64_t bytes = *byte_size(dt, 4 * 64);
    payloads.emplace_back(bytes, std::byte{static_cast<unsigned char>(i)});
    refs.push_back({"blk." + std::to_string(i / 10) + "." + kRoles[i % 10] + ".weight", dt, dims,
                    payloads.back()});
  }
  save_gguf(path, refs, kv);
  return std::filesystem::file_size(path);
}

}  // namespace tensorio::testing
