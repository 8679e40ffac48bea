// The few functions of ggml's prebuilt libggml-base.so the interop harness calls, declared by
// hand from their documented C signatures (ggml include/gguf.h and include/ggml.h; see
// shared/reference/gguf.md §5) and resolved with dlopen/dlsym. No ggml header or code is used.
//
// Only POD structs cross the boundary (gguf_init_params, ggml_init_params); ggml_tensor and the
// contexts stay opaque pointers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ggml_peer {

struct gguf_context;
struct ggml_context;
struct ggml_tensor;

struct gguf_init_params {
  bool no_alloc;
  ggml_context** ctx;
};

struct ggml_init_params {
  size_t mem_size;
  void* mem_buffer;
  bool no_alloc;
};

// gguf value types (enum gguf_type).
enum GgufType : int {
  kU8 = 0,
  kI8,
  kU16,
  kI16,
  kU32,
  kI32,
  kF32,
  kBool,
  kStr,
  kArr,
  kU64,
  kI64,
  kF64,
  kTypeCount
};

// ggml_type values used by name in the harness.
inline constexpr int kGgmlTypeCount = 43;  // enum values 0..42 in libggml-base 0.25.1

using RowToFloat = void (*)(const void* blocks, float* out, int64_t k);

struct Api {
  // Resolves every symbol; false (with `error` set) when the library or a symbol is missing.
  bool load(const std::string& path, std::string& error);

  const char* (*ggml_version)();
  const char* (*ggml_type_name)(int type);
  int64_t (*ggml_blck_size)(int type);
  size_t (*ggml_type_size)(int type);
  size_t (*ggml_tensor_overhead)();
  ggml_context* (*ggml_init)(ggml_init_params params);
  void (*ggml_free)(ggml_context* ctx);
  ggml_tensor* (*ggml_new_tensor)(ggml_context* ctx, int type, int n_dims, const int64_t* ne);
  ggml_tensor* (*ggml_set_name)(ggml_tensor* t, const char* name);
  void (*ggml_fp16_to_fp32_row)(const uint16_t* x, float* y, int64_t n);
  void (*ggml_bf16_to_fp32_row)(const uint16_t* x, float* y, int64_t n);
  void (*ggml_fp32_to_fp16_row)(const float* x, uint16_t* y, int64_t n);
  void (*ggml_fp32_to_bf16_row)(const float* x, uint16_t* y, int64_t n);

  gguf_context* (*gguf_init_empty)();
  gguf_context* (*gguf_init_from_file)(const char* fname, gguf_init_params params);
  void (*gguf_free)(gguf_context* ctx);
  const char* (*gguf_type_name)(int type);
  uint32_t (*gguf_get_version)(const gguf_context* ctx);
  size_t (*gguf_get_alignment)(const gguf_context* ctx);
  size_t (*gguf_get_data_offset)(const gguf_context* ctx);
  int64_t (*gguf_get_n_kv)(const gguf_context* ctx);
  const char* (*gguf_get_key)(const gguf_context* ctx, int64_t id);
  int (*gguf_get_kv_type)(const gguf_context* ctx, int64_t id);
  int (*gguf_get_arr_type)(const gguf_context* ctx, int64_t id);
  const void* (*gguf_get_val_data)(const gguf_context* ctx, int64_t id);
  bool (*gguf_get_val_bool)(const gguf_context* ctx, int64_t id);
  const char* (*gguf_get_val_str)(const gguf_context* ctx, int64_t id);
  size_t (*gguf_get_arr_n)(const gguf_context* ctx, int64_t id);
  const void* (*gguf_get_arr_data)(const gguf_context* ctx, int64_t id);
  const char* (*gguf_get_arr_str)(const gguf_context* ctx, int64_t id, size_t i);
  int64_t (*gguf_get_n_tensors)(const gguf_context* ctx);
  const char* (*gguf_get_tensor_name)(const gguf_context* ctx, int64_t id);
  int (*gguf_get_tensor_type)(const gguf_context* ctx, int64_t id);
  size_t (*gguf_get_tensor_offset)(const gguf_context* ctx, int64_t id);
  size_t (*gguf_get_tensor_size)(const gguf_context* ctx, int64_t id);
  const int64_t* (*gguf_get_tensor_ne)(const gguf_context* ctx, int64_t id);

  void (*gguf_set_val_u8)(gguf_context*, const char*, uint8_t);
  void (*gguf_set_val_i8)(gguf_context*, const char*, int8_t);
  void (*gguf_set_val_u16)(gguf_context*, const char*, uint16_t);
  void (*gguf_set_val_i16)(gguf_context*, const char*, int16_t);
  void (*gguf_set_val_u32)(gguf_context*, const char*, uint32_t);
  void (*gguf_set_val_i32)(gguf_context*, const char*, int32_t);
  void (*gguf_set_val_f32)(gguf_context*, const char*, float);
  void (*gguf_set_val_u64)(gguf_context*, const char*, uint64_t);
  void (*gguf_set_val_i64)(gguf_context*, const char*, int64_t);
  void (*gguf_set_val_f64)(gguf_context*, const char*, double);
  void (*gguf_set_val_bool)(gguf_context*, const char*, bool);
  void (*gguf_set_val_str)(gguf_context*, const char*, const char*);
  void (*gguf_set_arr_data)(gguf_context*, const char*, int type, const void* data, size_t n);
  void (*gguf_set_arr_str)(gguf_context*, const char*, const char** data, size_t n);
  void (*gguf_add_tensor)(gguf_context* ctx, const ggml_tensor* tensor);
  void (*gguf_set_tensor_data)(gguf_context* ctx, const char* name, const void* data);
  bool (*gguf_write_to_file)(const gguf_context* ctx, const char* fname, bool only_meta);

  // dequantize_row_<name> for a ggml type name ("q4_0", "q4_K", ...), or nullptr.
  RowToFloat dequantize_row(const std::string& type_name) const;

  void* handle = nullptr;
};

}  // namespace ggml_peer
