#include "ggml_api.hpp"

#include <dlfcn.h>

namespace ggml_peer {

namespace {

template <typename F>
bool resolve(void* handle, const char* name, F& fn, std::string& error) {
  void* sym = dlsym(handle, name);
  if (sym == nullptr) {
    error = std::string("symbol ") + name + " not found";
    return false;
  }
  fn = reinterpret_cast<F>(sym);
  return true;
}

}  // namespace

bool Api::load(const std::string& path, std::string& error) {
  handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    error = "cannot load " + path + ": " + (why ? why : "unknown error");
    return false;
  }
#define TIO_RESOLVE(name) \
  if (!resolve(handle, #name, name, error)) return false;
  TIO_RESOLVE(ggml_version)
  TIO_RESOLVE(ggml_type_name)
  TIO_RESOLVE(ggml_blck_size)
  TIO_RESOLVE(ggml_type_size)
  TIO_RESOLVE(ggml_tensor_overhead)
  TIO_RESOLVE(ggml_init)
  TIO_RESOLVE(ggml_free)
  TIO_RESOLVE(ggml_new_tensor)
  TIO_RESOLVE(ggml_set_name)
  TIO_RESOLVE(ggml_fp16_to_fp32_row)
  TIO_RESOLVE(ggml_bf16_to_fp32_row)
  TIO_RESOLVE(ggml_fp32_to_fp16_row)
  TIO_RESOLVE(ggml_fp32_to_bf16_row)
  TIO_RESOLVE(gguf_init_empty)
  TIO_RESOLVE(gguf_init_from_file)
  TIO_RESOLVE(gguf_free)
  TIO_RESOLVE(gguf_type_name)
  TIO_RESOLVE(gguf_get_version)
  TIO_RESOLVE(gguf_get_alignment)
  TIO_RESOLVE(gguf_get_data_offset)
  TIO_RESOLVE(gguf_get_n_kv)
  TIO_RESOLVE(gguf_get_key)
  TIO_RESOLVE(gguf_get_kv_type)
  TIO_RESOLVE(gguf_get_arr_type)
  TIO_RESOLVE(gguf_get_val_data)
  TIO_RESOLVE(gguf_get_val_bool)
  TIO_RESOLVE(gguf_get_val_str)
  TIO_RESOLVE(gguf_get_arr_n)
  TIO_RESOLVE(gguf_get_arr_data)
  TIO_RESOLVE(gguf_get_arr_str)
  TIO_RESOLVE(gguf_get_n_tensors)
  TIO_RESOLVE(gguf_get_tensor_name)
  TIO_RESOLVE(gguf_get_tensor_type)
  TIO_RESOLVE(gguf_get_tensor_offset)
  TIO_RESOLVE(gguf_get_tensor_size)
  TIO_RESOLVE(gguf_get_tensor_ne)
  TIO_RESOLVE(gguf_set_val_u8)
  TIO_RESOLVE(gguf_set_val_i8)
  TIO_RESOLVE(gguf_set_val_u16)
  TIO_RESOLVE(gguf_set_val_i16)
  TIO_RESOLVE(gguf_set_val_u32)
  TIO_RESOLVE(gguf_set_val_i32)
  TIO_RESOLVE(gguf_set_val_f32)
  TIO_RESOLVE(gguf_set_val_u64)
  TIO_RESOLVE(gguf_set_val_i64)
  TIO_RESOLVE(gguf_set_val_f64)
  TIO_RESOLVE(gguf_set_val_bool)
  TIO_RESOLVE(gguf_set_val_str)
  TIO_RESOLVE(gguf_set_arr_data)
  TIO_RESOLVE(gguf_set_arr_str)
  TIO_RESOLVE(gguf_add_tensor)
  TIO_RESOLVE(gguf_set_tensor_data)
  TIO_RESOLVE(gguf_write_to_file)
#undef TIO_RESOLVE
  return true;
}

RowToFloat Api::dequantize_row(const std::string& type_name) const {
  std::string symbol = "dequantize_row_" + type_name;
  return reinterpret_cast<RowToFloat>(dlsym(handle, symbol.c_str()));
}

}  // namespace ggml_peer
