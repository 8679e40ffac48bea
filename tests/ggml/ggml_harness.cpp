// ggml_harness — drives ggml's prebuilt libggml-base.so (dlopen'ed, see ggml_api.hpp) so tests
// can compare tensorio with the real peer. ggml's accessors abort the process on misuse, so
// tests run this program as a child and read its output.
//
//   ggml_harness version                 print ggml_version()
//   ggml_harness types                   one line per ggml type: enum block bytes name
//   ggml_harness dump FILE [--load-data] ggml's view of FILE in the dump_format.hpp layout;
//                                        --load-data also has ggml read the whole data section
//   ggml_harness dump-batch [--load-data]
//                                        the same for each path read from stdin (one a line):
//                                        "=== ok" + dump or "=== rejected", then "=== end"
//   ggml_harness write SPEC OUT          write OUT with ggml's writer; SPEC is
//                                        all | kv-only | tensors-only (see write_spec())
//   ggml_harness dequant TYPE IN OUT [f32|f16|bf16]
//                                        IN holds whole blocks of ggml type TYPE ("q4_K", "f16");
//                                        OUT gets dequantize_row_<TYPE>'s floats, optionally
//                                        rounded by ggml_fp32_to_{fp16,bf16}_row
//
// The library is $TENSORIO_GGML_LIB, else the path compiled in (third_party/ggml/...).
// Exit status: 0 done, 1 usage or I/O error, 2 ggml rejected the file, 77 no library (the
// meson/automake "skipped" code, so tests that just run the harness report a skip).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "dump_format.hpp"
#include "ggml_api.hpp"

#ifndef TENSORIO_GGML_DEFAULT_LIB
#define TENSORIO_GGML_DEFAULT_LIB "third_party/ggml/libggml-base.so"
#endif

namespace {

using ggml_peer::Api;
using ggml_peer::gguf_context;
namespace df = dump_format;

constexpr int kExitError = 1;
constexpr int kExitRejected = 2;
constexpr int kExitSkip = 77;

bool read_file(const std::string& path, std::vector<unsigned char>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

bool write_file(const std::string& path, const void* data, size_t n) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(data, 1, n, f) == n;
  return std::fclose(f) == 0 && ok;
}

// ggml type enum from its name, case-insensitive ("q4_k" finds q4_K); -1 when unknown.
int type_from_name(const Api& api, const std::string& name) {
  for (int t = 0; t < ggml_peer::kGgmlTypeCount; ++t) {
    if (api.ggml_blck_size(t) == 0) continue;  // removed types
    if (strcasecmp(api.ggml_type_name(t), name.c_str()) == 0) return t;
  }
  return -1;
}

template <typename T>
T load(const void* base, size_t i) {
  T v;
  std::memcpy(&v, static_cast<const unsigned char*>(base) + i * sizeof(T), sizeof(T));
  return v;
}

std::string scalar_json(int type, const void* p, size_t i) {
  switch (type) {
    case ggml_peer::kU8: return std::to_string(load<uint8_t>(p, i));
    case ggml_peer::kI8: return std::to_string(load<int8_t>(p, i));
    case ggml_peer::kU16: return std::to_string(load<uint16_t>(p, i));
    case ggml_peer::kI16: return std::to_string(load<int16_t>(p, i));
    case ggml_peer::kU32: return std::to_string(load<uint32_t>(p, i));
    case ggml_peer::kI32: return std::to_string(load<int32_t>(p, i));
    case ggml_peer::kF32: return df::json_f32(load<float>(p, i));
    case ggml_peer::kBool: return load<uint8_t>(p, i) != 0 ? "true" : "false";
    case ggml_peer::kU64: return std::to_string(load<uint64_t>(p, i));
    case ggml_peer::kI64: return std::to_string(load<int64_t>(p, i));
    case ggml_peer::kF64: return df::json_f64(load<double>(p, i));
    default: return "null";
  }
}

std::string kv_json(const Api& api, const gguf_context* ctx, int64_t id) {
  const char* key = api.gguf_get_key(ctx, id);
  const int type = api.gguf_get_kv_type(ctx, id);
  if (type == ggml_peer::kStr) {
    return df::scalar_kv(key, type, df::json_string(api.gguf_get_val_str(ctx, id)));
  }
  if (type == ggml_peer::kBool) {
    return df::scalar_kv(key, type, api.gguf_get_val_bool(ctx, id) ? "true" : "false");
  }
  if (type != ggml_peer::kArr) {
    return df::scalar_kv(key, type, scalar_json(type, api.gguf_get_val_data(ctx, id), 0));
  }
  const int elem = api.gguf_get_arr_type(ctx, id);
  const size_t n = api.gguf_get_arr_n(ctx, id);
  std::string values;
  if (elem == ggml_peer::kStr) {
    for (size_t i = 0; i < n; ++i) {
      if (i) values += ",";
      values += df::json_string(api.gguf_get_arr_str(ctx, id, i));
    }
  } else {
    const void* data = n ? api.gguf_get_arr_data(ctx, id) : nullptr;
    for (size_t i = 0; i < n; ++i) {
      if (i) values += ",";
      values += scalar_json(elem, data, i);
    }
  }
  return df::array_kv(key, elem, n, values);
}

// ggml's view of FILE in the dump_format.hpp layout; false when ggml rejects it.
bool dump_text(const Api& api, const std::string& path, bool load_data, std::string& out) {
  ggml_peer::ggml_context* data_ctx = nullptr;
  ggml_peer::gguf_init_params params{!load_data, load_data ? &data_ctx : nullptr};
  gguf_context* ctx = api.gguf_init_from_file(path.c_str(), params);
  if (ctx == nullptr) return false;
  std::vector<unsigned char> file;
  (void)read_file(path, file);
  const size_t data_offset = api.gguf_get_data_offset(ctx);
  out = df::header(api.gguf_get_version(ctx), api.gguf_get_alignment(ctx), data_offset,
                   api.gguf_get_n_tensors(ctx) > 0);
  bool first = true;
  for (int64_t i = 0; i < api.gguf_get_n_kv(ctx); ++i)
    df::append_item(out, first, kv_json(api, ctx, i));
  out += df::kBetweenSections;
  first = true;
  for (int64_t i = 0; i < api.gguf_get_n_tensors(ctx); ++i) {
    const size_t offset = api.gguf_get_tensor_offset(ctx, i);
    const size_t size = api.gguf_get_tensor_size(ctx, i);
    // Hash the bytes ggml's offsets point at; a tensor past the end hashes what is there.
    uint64_t hash = 0;
    const size_t begin = data_offset + offset;
    if (begin <= file.size() && size <= file.size() - begin) hash = df::fnv1a(&file[begin], size);
    df::append_item(out, first,
                    df::tensor(api.gguf_get_tensor_name(ctx, i), api.gguf_get_tensor_type(ctx, i),
                               api.gguf_get_tensor_ne(ctx, i), offset, size, hash));
  }
  out += df::kEnd;
  api.gguf_free(ctx);
  if (data_ctx != nullptr) api.ggml_free(data_ctx);
  return true;
}

int cmd_dump(const Api& api, const std::string& path, bool load_data) {
  std::string out;
  if (!dump_text(api, path, load_data, out)) {
    std::fprintf(stderr, "ggml rejected %s\n", path.c_str());
    return kExitRejected;
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}

// One file path per line on stdin; for each, "=== ok" and the dump, or "=== rejected", then
// "=== end", flushed: the differential tests keep one harness running over thousands of files.
int cmd_dump_batch(const Api& api, bool load_data) {
  std::string path;
  for (int c; (c = std::getchar()) != EOF;) {
    if (c != '\n') {
      path += static_cast<char>(c);
      continue;
    }
    std::string out;
    if (dump_text(api, path, load_data, out)) {
      std::printf("=== ok\n%s", out.c_str());
    } else {
      std::printf("=== rejected\n");
    }
    std::printf("=== end\n");
    std::fflush(stdout);
    path.clear();
  }
  return 0;
}

// Deterministic bytes (64-bit LCG) so a file written twice is identical.
std::vector<unsigned char> pattern_bytes(size_t n, uint64_t seed) {
  std::vector<unsigned char> out(n);
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto& b : out) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    b = static_cast<unsigned char>(s >> 56);
  }
  return out;
}

// Every value type, edge values included, and an array of every element type.
void write_all_kv(const Api& api, gguf_context* ctx) {
  api.gguf_set_val_str(ctx, "general.architecture", "llama");
  api.gguf_set_val_u8(ctx, "t.u8", 255);
  api.gguf_set_val_i8(ctx, "t.i8", -128);
  api.gguf_set_val_u16(ctx, "t.u16", 65535);
  api.gguf_set_val_i16(ctx, "t.i16", -32768);
  api.gguf_set_val_u32(ctx, "t.u32", 4294967295u);
  api.gguf_set_val_i32(ctx, "t.i32", INT32_MIN);
  api.gguf_set_val_f32(ctx, "t.f32", 3.14159274f);
  api.gguf_set_val_f32(ctx, "t.f32_negzero", -0.0f);
  api.gguf_set_val_f32(ctx, "t.f32_inf", HUGE_VALF);
  api.gguf_set_val_f32(ctx, "t.f32_denormal", 1e-45f);
  api.gguf_set_val_u64(ctx, "t.u64", UINT64_MAX);
  api.gguf_set_val_i64(ctx, "t.i64", INT64_MIN);
  api.gguf_set_val_f64(ctx, "t.f64", 1e300);
  api.gguf_set_val_f64(ctx, "t.f64_small", -2.2250738585072014e-308);
  api.gguf_set_val_bool(ctx, "t.bool_true", true);
  api.gguf_set_val_bool(ctx, "t.bool_false", false);
  api.gguf_set_val_str(ctx, "t.str", "hello \"gguf\"\n\\ tab\t");
  api.gguf_set_val_str(ctx, "t.str_utf8", "h\xc3\xa9llo \xe2\x9c\x93");
  api.gguf_set_val_str(ctx, "t.str_empty", "");

  const uint8_t u8s[] = {0, 1, 255};
  const int8_t i8s[] = {-128, 0, 127};
  const uint16_t u16s[] = {0, 1, 65535};
  const int16_t i16s[] = {-32768, 0, 32767};
  const uint32_t u32s[] = {0, 1, 4294967295u};
  const int32_t i32s[] = {INT32_MIN, -1, INT32_MAX};
  const float f32s[] = {1.5f, -0.0f, 1e-45f, 3.4028235e38f};
  const uint8_t bools[] = {1, 0, 1};
  const uint64_t u64s[] = {0, UINT64_MAX};
  const int64_t i64s[] = {INT64_MIN, INT64_MAX};
  const double f64s[] = {0.1, -1e-300, 6.02214076e23};
  api.gguf_set_arr_data(ctx, "a.u8", ggml_peer::kU8, u8s, 3);
  api.gguf_set_arr_data(ctx, "a.i8", ggml_peer::kI8, i8s, 3);
  api.gguf_set_arr_data(ctx, "a.u16", ggml_peer::kU16, u16s, 3);
  api.gguf_set_arr_data(ctx, "a.i16", ggml_peer::kI16, i16s, 3);
  api.gguf_set_arr_data(ctx, "a.u32", ggml_peer::kU32, u32s, 3);
  api.gguf_set_arr_data(ctx, "a.i32", ggml_peer::kI32, i32s, 3);
  api.gguf_set_arr_data(ctx, "a.f32", ggml_peer::kF32, f32s, 4);
  api.gguf_set_arr_data(ctx, "a.bool", ggml_peer::kBool, bools, 3);
  api.gguf_set_arr_data(ctx, "a.u64", ggml_peer::kU64, u64s, 2);
  api.gguf_set_arr_data(ctx, "a.i64", ggml_peer::kI64, i64s, 2);
  api.gguf_set_arr_data(ctx, "a.f64", ggml_peer::kF64, f64s, 3);
  api.gguf_set_arr_data(ctx, "a.empty_i32", ggml_peer::kI32, i32s, 0);
  // "tok", U+2581 (SentencePiece's space) in UTF-8, "en": octal escapes stop after three
  // digits, where a hex escape would swallow the "e".
  const char* strs[] = {"a", "", "\xc3\xbc", "tok\342\226\201en"};
  api.gguf_set_arr_str(ctx, "a.str", strs, 4);
  // Longer than inspect's 16-element summary threshold.
  std::vector<uint32_t> many(40);
  for (size_t i = 0; i < many.size(); ++i) many[i] = static_cast<uint32_t>(i * i);
  api.gguf_set_arr_data(ctx, "a.u32_40", ggml_peer::kU32, many.data(), many.size());
  std::vector<std::string> words;
  for (int i = 0; i < 20; ++i) words.push_back("w" + std::to_string(i));
  std::vector<const char*> word_ptrs;
  for (const auto& w : words) word_ptrs.push_back(w.c_str());
  api.gguf_set_arr_str(ctx, "a.str_20", word_ptrs.data(), word_ptrs.size());
}

// One tensor of every ggml type that has a block size, with 1..4 dimensions.
int write_all_tensors(const Api& api, gguf_context* ctx, ggml_peer::ggml_context*& gctx,
                      std::vector<std::vector<unsigned char>>& payloads) {
  const size_t count = ggml_peer::kGgmlTypeCount;
  ggml_peer::ggml_init_params ip{(count + 1) * api.ggml_tensor_overhead(), nullptr, true};
  gctx = api.ggml_init(ip);
  if (gctx == nullptr) return kExitError;
  int index = 0;
  for (int t = 0; t < ggml_peer::kGgmlTypeCount; ++t) {
    const int64_t block = api.ggml_blck_size(t);
    if (block == 0) continue;
    const int n_dims = 1 + index % 4;
    int64_t ne[4] = {block * (1 + index % 3), 2 + index % 2, 3, 2};
    ggml_peer::ggml_tensor* tensor = api.ggml_new_tensor(gctx, t, n_dims, ne);
    std::string name =
        std::string("blk.") + std::to_string(index) + "." + api.ggml_type_name(t) + ".weight";
    api.ggml_set_name(tensor, name.c_str());
    api.gguf_add_tensor(ctx, tensor);
    int64_t rows = 1;
    for (int d = 1; d < n_dims; ++d) rows *= ne[d];
    const size_t bytes = api.ggml_type_size(t) * static_cast<size_t>(ne[0] / block * rows);
    payloads.push_back(pattern_bytes(bytes, static_cast<uint64_t>(t)));
    api.gguf_set_tensor_data(ctx, name.c_str(), payloads.back().data());
    ++index;
  }
  return 0;
}

int cmd_write(const Api& api, const std::string& spec, const std::string& out) {
  const bool kv = spec == "all" || spec == "kv-only";
  const bool tensors = spec == "all" || spec == "tensors-only";
  if (!kv && !tensors) {
    std::fprintf(stderr, "unknown spec %s (all, kv-only, tensors-only)\n", spec.c_str());
    return kExitError;
  }
  gguf_context* ctx = api.gguf_init_empty();
  ggml_peer::ggml_context* gctx = nullptr;
  std::vector<std::vector<unsigned char>> payloads;
  payloads.reserve(ggml_peer::kGgmlTypeCount);  // set_tensor_data keeps the pointers
  if (kv) write_all_kv(api, ctx);
  int rc = tensors ? write_all_tensors(api, ctx, gctx, payloads) : 0;
  if (rc == 0 && !api.gguf_write_to_file(ctx, out.c_str(), false)) rc = kExitError;
  api.gguf_free(ctx);
  if (gctx != nullptr) api.ggml_free(gctx);
  return rc;
}

int cmd_dequant(const Api& api, const std::string& type_name, const std::string& in_path,
                const std::string& out_path, const std::string& out_type) {
  const int type = type_from_name(api, type_name);
  if (type < 0) {
    std::fprintf(stderr, "unknown ggml type %s\n", type_name.c_str());
    return kExitError;
  }
  std::vector<unsigned char> in;
  if (!read_file(in_path, in)) return kExitError;
  const size_t block_bytes = api.ggml_type_size(type);
  if (in.size() % block_bytes != 0) {
    std::fprintf(stderr, "%zu bytes is not a whole number of blocks\n", in.size());
    return kExitError;
  }
  const int64_t k = static_cast<int64_t>(in.size() / block_bytes) * api.ggml_blck_size(type);
  std::vector<float> values(static_cast<size_t>(k));
  const std::string lower = api.ggml_type_name(type);
  if (lower == "f32") {
    std::memcpy(values.data(), in.data(), in.size());
  } else if (lower == "f16") {
    std::vector<uint16_t> h(static_cast<size_t>(k));
    std::memcpy(h.data(), in.data(), in.size());
    api.ggml_fp16_to_fp32_row(h.data(), values.data(), k);
  } else if (lower == "bf16") {
    std::vector<uint16_t> h(static_cast<size_t>(k));
    std::memcpy(h.data(), in.data(), in.size());
    api.ggml_bf16_to_fp32_row(h.data(), values.data(), k);
  } else {
    ggml_peer::RowToFloat row = api.dequantize_row(lower);
    if (row == nullptr) {
      std::fprintf(stderr, "libggml-base has no dequantize_row_%s\n", lower.c_str());
      return kExitError;
    }
    row(in.data(), values.data(), k);
  }
  if (out_type == "f32") return write_file(out_path, values.data(), values.size() * 4) ? 0 : 1;
  std::vector<uint16_t> narrow(values.size());
  if (out_type == "f16") {
    api.ggml_fp32_to_fp16_row(values.data(), narrow.data(), k);
  } else if (out_type == "bf16") {
    api.ggml_fp32_to_bf16_row(values.data(), narrow.data(), k);
  } else {
    std::fprintf(stderr, "output type must be f32, f16 or bf16\n");
    return kExitError;
  }
  return write_file(out_path, narrow.data(), narrow.size() * 2) ? 0 : kExitError;
}

int cmd_types(const Api& api) {
  for (int t = 0; t < ggml_peer::kGgmlTypeCount; ++t) {
    std::printf("%d %lld %zu %s\n", t, static_cast<long long>(api.ggml_blck_size(t)),
                api.ggml_type_size(t), api.ggml_type_name(t));
  }
  return 0;
}

int usage() {
  std::fputs(
      "usage: ggml_harness version | types | dump FILE [--load-data] |\n"
      "       dump-batch [--load-data] | write SPEC OUT |\n"
      "       dequant TYPE IN OUT [f32|f16|bf16]\n",
      stderr);
  return kExitError;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage();
  const char* env = std::getenv("TENSORIO_GGML_LIB");
  const std::string lib = env && *env ? env : TENSORIO_GGML_DEFAULT_LIB;
  Api api;
  std::string error;
  if (!api.load(lib, error)) {
    std::fprintf(stderr, "ggml_harness: skipped: %s (run scripts/fetch-ggml)\n", error.c_str());
    return kExitSkip;
  }
  const std::string& cmd = args[0];
  if (cmd == "version" && args.size() == 1) {
    std::printf("%s\n", api.ggml_version());
    return 0;
  }
  if (cmd == "types" && args.size() == 1) return cmd_types(api);
  if (cmd == "dump" && (args.size() == 2 || (args.size() == 3 && args[2] == "--load-data"))) {
    return cmd_dump(api, args[1], args.size() == 3);
  }
  if (cmd == "dump-batch" && (args.size() == 1 || (args.size() == 2 && args[1] == "--load-data"))) {
    return cmd_dump_batch(api, args.size() == 2);
  }
  if (cmd == "write" && args.size() == 3) return cmd_write(api, args[1], args[2]);
  if (cmd == "dequant" && (args.size() == 4 || args.size() == 5)) {
    return cmd_dequant(api, args[1], args[2], args[3], args.size() == 5 ? args[4] : "f32");
  }
  return usage();
}
