// The C API (tensorio/tensorio.h) over the public C++ API: every entry point catches every
// exception and turns it into a tio_status plus the calling thread's last error.
#include "tensorio/tensorio.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "api/c_status.hpp"
#include "io/remote/url.hpp"
#include "tensorio/gguf.hpp"
#include "tensorio/npy.hpp"
#include "tensorio/npz.hpp"
#include "tensorio/safetensors.hpp"
#include "tensorio/tensorio.hpp"

using tensorio::ErrorCode;
using tensorio::capi::guarded;
using tensorio::capi::record;

struct tio_archive {
  tensorio::Archive archive;
};

struct tio_tensor {
  tensorio::TensorView view;
};

struct tio_problems {
  std::vector<tensorio::VerifyProblem> problems;
};

namespace {

// The C codes are the C++ codes: a status is a cast, and the header promises the values.
constexpr bool same_code(tio_status status, ErrorCode code) {
  return static_cast<int>(status) == static_cast<int>(code);
}
static_assert(same_code(TIO_ERR_IO_ERROR, ErrorCode::io_error));
static_assert(same_code(TIO_ERR_FILE_NOT_FOUND, ErrorCode::file_not_found));
static_assert(same_code(TIO_ERR_UNKNOWN_FORMAT, ErrorCode::unknown_format));
static_assert(same_code(TIO_ERR_BAD_MAGIC, ErrorCode::bad_magic));
static_assert(same_code(TIO_ERR_TRUNCATED, ErrorCode::truncated));
static_assert(same_code(TIO_ERR_HEADER_TOO_LARGE, ErrorCode::header_too_large));
static_assert(same_code(TIO_ERR_BAD_HEADER, ErrorCode::bad_header));
static_assert(same_code(TIO_ERR_UNSUPPORTED_VERSION, ErrorCode::unsupported_version));
static_assert(same_code(TIO_ERR_UNSUPPORTED_DTYPE, ErrorCode::unsupported_dtype));
static_assert(same_code(TIO_ERR_UNKNOWN_DTYPE, ErrorCode::unknown_dtype));
static_assert(same_code(TIO_ERR_BAD_SHAPE, ErrorCode::bad_shape));
static_assert(same_code(TIO_ERR_SIZE_OVERFLOW, ErrorCode::size_overflow));
static_assert(same_code(TIO_ERR_OUT_OF_BOUNDS, ErrorCode::out_of_bounds));
static_assert(same_code(TIO_ERR_OVERLAP, ErrorCode::overlap));
static_assert(same_code(TIO_ERR_DUPLICATE_NAME, ErrorCode::duplicate_name));
static_assert(same_code(TIO_ERR_LIMIT_EXCEEDED, ErrorCode::limit_exceeded));
static_assert(same_code(TIO_ERR_BAD_CHECKSUM, ErrorCode::bad_checksum));
static_assert(same_code(TIO_ERR_BAD_COMPRESSED_DATA, ErrorCode::bad_compressed_data));
static_assert(same_code(TIO_ERR_UNSUPPORTED_COMPRESSION, ErrorCode::unsupported_compression));
static_assert(same_code(TIO_ERR_ENCRYPTED, ErrorCode::encrypted));
static_assert(same_code(TIO_ERR_BAD_UTF8, ErrorCode::bad_utf8));
static_assert(same_code(TIO_ERR_BAD_JSON, ErrorCode::bad_json));
static_assert(same_code(TIO_ERR_BAD_OFFSETS, ErrorCode::bad_offsets));
static_assert(same_code(TIO_ERR_BAD_ALIGNMENT, ErrorCode::bad_alignment));
static_assert(same_code(TIO_ERR_TYPE_MISMATCH, ErrorCode::type_mismatch));
static_assert(same_code(TIO_ERR_NOT_FOUND, ErrorCode::not_found));
static_assert(same_code(TIO_ERR_INVALID_ARGUMENT, ErrorCode::invalid_argument));
static_assert(same_code(TIO_ERR_UNREPRESENTABLE, ErrorCode::unrepresentable));
static_assert(same_code(TIO_ERR_FILE_CHANGED, ErrorCode::file_changed));
static_assert(same_code(TIO_ERR_BAD_METADATA, ErrorCode::bad_metadata));
static_assert(same_code(TIO_ERR_FILE_TOO_SMALL, ErrorCode::file_too_small));
static_assert(same_code(TIO_ERR_PARTIAL_BYTE, ErrorCode::partial_byte));
static_assert(same_code(TIO_ERR_SIZE_MISMATCH, ErrorCode::size_mismatch));
static_assert(same_code(TIO_ERR_OFFSET_GAP, ErrorCode::offset_gap));
static_assert(same_code(TIO_ERR_TRAILING_BYTES, ErrorCode::trailing_bytes));
static_assert(same_code(TIO_ERR_OPAQUE_DTYPE, ErrorCode::opaque_dtype));
static_assert(same_code(TIO_ERR_OBJECT_DTYPE, ErrorCode::object_dtype));
// A code added on the C++ side must get its TIO_ERR_ constant (and row above) before it builds.
static_assert(static_cast<int>(ErrorCode::count_) == TIO_ERR_OBJECT_DTYPE + 1);
static_assert(static_cast<int>(ErrorCode::count_) < TIO_ERR_OUT_OF_MEMORY);

static_assert(static_cast<int>(tensorio::DType::count_) == TIO_DTYPE_COUNT);
static_assert(static_cast<int>(tensorio::DType::float32) == TIO_DTYPE_FLOAT32);
static_assert(static_cast<int>(tensorio::DType::float6_e3m2fn) == TIO_DTYPE_FLOAT6_E3M2FN);
static_assert(static_cast<int>(tensorio::DType::q4_0) == TIO_DTYPE_Q4_0);
static_assert(static_cast<int>(tensorio::DType::q2_0) == TIO_DTYPE_Q2_0);
static_assert(static_cast<int>(tensorio::DType::opaque) == TIO_DTYPE_OPAQUE);

static_assert(static_cast<int>(tensorio::Format::npy) == TIO_FORMAT_NPY);
static_assert(static_cast<int>(tensorio::Format::npz) == TIO_FORMAT_NPZ);
static_assert(static_cast<int>(tensorio::Format::safetensors) == TIO_FORMAT_SAFETENSORS);
static_assert(static_cast<int>(tensorio::Format::gguf) == TIO_FORMAT_GGUF);

[[noreturn]] void throw_invalid(const std::string& file, std::string detail) {
  throw tensorio::Error(ErrorCode::invalid_argument, file, tensorio::no_offset, std::move(detail));
}

// `what` names the argument the way the header does ("path", "archive", ...).
void require(const void* pointer, const char* function, const char* what) {
  if (pointer == nullptr) {
    throw_invalid({}, std::string(function) + ": expected " + what + ", found NULL");
  }
}

void require_index(size_t index, size_t count, const char* function, const std::string& file,
                   const char* what) {
  if (index >= count) {
    throw_invalid(file, std::string(function) + ": expected " + what + " index below " +
                            std::to_string(count) + ", found " + std::to_string(index));
  }
}

// A copy the caller releases with tio_string_free (free()).
char* owned_copy(std::string_view text) {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) throw std::bad_alloc();
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

bool valid_format(tio_format format) {
  return format == TIO_FORMAT_NPY || format == TIO_FORMAT_NPZ || format == TIO_FORMAT_SAFETENSORS ||
         format == TIO_FORMAT_GGUF;
}

bool valid_dtype(tio_dtype dtype) {
  return static_cast<int>(dtype) >= 0 && static_cast<int>(dtype) < TIO_DTYPE_COUNT;
}

void check_sizeof(size_t given, size_t expected, const char* function, const char* type) {
  if (given != expected) {
    throw_invalid({}, std::string(function) + ": expected " + type + ".sizeof_options " +
                          std::to_string(expected) + " (fill the options with " + type +
                          "_init), found " + std::to_string(given));
  }
}

tensorio::OpenOptions open_options(const tio_open_options* options, const char* function) {
  tensorio::OpenOptions o;
  if (options == nullptr) return o;
  check_sizeof(options->sizeof_options, sizeof(tio_open_options), function, "tio_open_options");
  const tio_limits& l = options->limits;
  o.limits.max_header_bytes = l.max_header_bytes;
  o.limits.max_tensors = l.max_tensors;
  o.limits.max_dims = l.max_dims;
  o.limits.max_gguf_dims = l.max_gguf_dims;
  o.limits.max_gguf_name_bytes = l.max_gguf_name_bytes;
  o.limits.max_string_bytes = l.max_string_bytes;
  o.limits.max_array_elements = l.max_array_elements;
  o.limits.max_array_depth = l.max_array_depth;
  o.limits.max_alignment = l.max_alignment;
  o.limits.max_member_bytes = l.max_member_bytes;
  o.limits.max_total_inflated_bytes = l.max_total_inflated_bytes;
  switch (options->access) {
    case TIO_ACCESS_MMAP: o.access = tensorio::AccessMode::mmap; break;
    case TIO_ACCESS_PREAD: o.access = tensorio::AccessMode::pread; break;
    default:
      throw_invalid({}, std::string(function) +
                            ": expected tio_open_options.access TIO_ACCESS_MMAP or "
                            "TIO_ACCESS_PREAD, found " +
                            std::to_string(static_cast<int>(options->access)));
  }
  o.verify_crc_on_access = options->verify_crc_on_access != 0;
  o.gguf_mlx_quantized = options->gguf_mlx_quantized != 0;
  o.open_threads = options->open_threads;
  o.map_next_view = options->map_next_view != 0;
  return o;
}

tensorio::SaveOptions save_options(const tio_save_options* options, const std::string& path) {
  tensorio::SaveOptions o;
  if (options == nullptr) return o;
  check_sizeof(options->sizeof_options, sizeof(tio_save_options), "tio_save", "tio_save_options");
  o.buffer_bytes = options->buffer_bytes;
  o.fsync = options->fsync != 0;
  o.compress = options->compress != 0;
  o.compression_level = options->compression_level;
  o.threads = options->threads;
  o.max_shard_size = options->max_shard_size;
  if (options->metadata_count != 0) require(options->metadata, "tio_save", "metadata pairs");
  o.metadata.reserve(options->metadata_count);
  for (size_t i = 0; i < options->metadata_count; ++i) {
    const tio_string_pair& pair = options->metadata[i];
    if (pair.key == nullptr || pair.value == nullptr) {
      throw_invalid(path, "tio_save: metadata pair " + std::to_string(i) +
                              ": expected a key and a value, found NULL");
    }
    o.metadata.emplace_back(pair.key, pair.value);
  }
  return o;
}

tensorio::TensorRef tensor_ref(const tio_tensor_desc& desc, size_t index, const std::string& path) {
  std::string where = "tio_save: tensor " + std::to_string(index);
  if (desc.name == nullptr) throw_invalid(path, where + ": expected a name, found NULL");
  where += " ('" + std::string(desc.name) + "')";
  if (!valid_dtype(desc.dtype)) {
    throw tensorio::Error(ErrorCode::unknown_dtype, path, tensorio::no_offset,
                          where + ": expected a tio_dtype value below " +
                              std::to_string(TIO_DTYPE_COUNT) + ", found " +
                              std::to_string(static_cast<int>(desc.dtype)));
  }
  if (desc.dtype == TIO_DTYPE_OPAQUE) {
    throw_invalid(path, where +
                            ": expected a dtype with a meaning of its own, found "
                            "TIO_DTYPE_OPAQUE (its NumPy descr cannot be given here)");
  }
  if (desc.ndim != 0 && desc.shape == nullptr) {
    throw_invalid(path, where + ": expected a shape of " + std::to_string(desc.ndim) +
                            " dimensions, found NULL");
  }
  if (desc.nbytes != 0 && desc.data == nullptr) {
    throw_invalid(
        path, where + ": expected " + std::to_string(desc.nbytes) + " bytes of data, found NULL");
  }
  if constexpr (sizeof(size_t) < sizeof(uint64_t)) {
    if (desc.nbytes > SIZE_MAX) {
      throw_invalid(path, where + ": expected at most " + std::to_string(SIZE_MAX) +
                              " bytes of data, found " + std::to_string(desc.nbytes));
    }
  }
  tensorio::TensorRef ref;
  ref.name = desc.name;
  ref.dtype = static_cast<tensorio::DType>(desc.dtype);
  if (desc.ndim != 0) ref.shape.assign(desc.shape, desc.shape + desc.ndim);
  ref.data = {static_cast<const std::byte*>(desc.data), static_cast<size_t>(desc.nbytes)};
  return ref;
}

bool is_safetensors_index(std::string_view given) {
  // A URL's query and fragment are not part of its name.
  std::string name =
      tensorio::detail::is_remote_url(given) ? tensorio::detail::url_file_name(given) : "";
  std::string_view path = name.empty() ? given : std::string_view(name);
  constexpr std::string_view suffix = ".safetensors.index.json";
  if (path.size() < suffix.size()) return false;
  std::string_view tail = path.substr(path.size() - suffix.size());
  return std::equal(tail.begin(), tail.end(), suffix.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
}

tensorio::Archive open_as(const char* path, tio_format format,
                          const tensorio::OpenOptions& options) {
  switch (format) {
    case TIO_FORMAT_AUTO: return tensorio::load(path, options);
    case TIO_FORMAT_NPY: return tensorio::open_npy(path, options);
    case TIO_FORMAT_NPZ: return tensorio::open_npz(path, options);
    case TIO_FORMAT_SAFETENSORS:
      return is_safetensors_index(path) ? tensorio::open_safetensors_index(path, options)
                                        : tensorio::open_safetensors(path, options);
    case TIO_FORMAT_GGUF: return tensorio::open_gguf(path, options);
  }
  throw_invalid(path, "tio_open: expected a tio_format value from -1 to 3, found " +
                          std::to_string(static_cast<int>(format)));
}

}  // namespace

extern "C" {

// ---- Errors and strings ----------------------------------------------------------------------

// The C++ name and message tables are string literals, so their views are NUL-terminated.
const char* tio_status_name(tio_status status) {
  if (status == TIO_ERR_OUT_OF_MEMORY) return "out_of_memory";
  if (status == TIO_ERR_INTERNAL) return "internal";
  if (status < TIO_OK || status >= static_cast<int>(ErrorCode::count_)) return "unknown";
  return tensorio::error_code_name(static_cast<ErrorCode>(status)).data();
}

const char* tio_status_message(tio_status status) {
  if (status == TIO_ERR_OUT_OF_MEMORY) return "an allocation inside the library failed";
  if (status == TIO_ERR_INTERNAL) return "an unexpected failure inside tensorio";
  if (status < TIO_OK || status >= static_cast<int>(ErrorCode::count_)) return "unknown status";
  return tensorio::error_code_message(static_cast<ErrorCode>(status)).data();
}

tio_status tio_last_error_code(void) { return tensorio::capi::last_error_code(); }

const char* tio_last_error_message(void) { return tensorio::capi::last_error_message(); }

void tio_string_free(char* string) { std::free(string); }

// ---- Dtypes and formats ----------------------------------------------------------------------

const char* tio_dtype_name(tio_dtype dtype) {
  if (!valid_dtype(dtype)) return nullptr;
  return tensorio::dtype_name(static_cast<tensorio::DType>(dtype)).data();
}

tio_status tio_dtype_from_name(const char* name, tio_dtype* dtype) {
  if (dtype != nullptr) *dtype = TIO_DTYPE_COUNT;
  return guarded([&] {
    require(name, "tio_dtype_from_name", "a name");
    require(dtype, "tio_dtype_from_name", "a dtype output");
    auto found = tensorio::dtype_from_name(name);
    if (!found) {
      throw tensorio::Error(ErrorCode::unknown_dtype, {}, tensorio::no_offset,
                            std::string("tio_dtype_from_name: expected a dtype name such as "
                                        "'float32' or 'q4_k', found '") +
                                name + "'");
    }
    *dtype = static_cast<tio_dtype>(*found);
  });
}

tio_status tio_dtype_block(tio_dtype dtype, uint32_t* elements, uint32_t* bytes) {
  if (elements != nullptr) *elements = 0;
  if (bytes != nullptr) *bytes = 0;
  return guarded([&] {
    require(elements, "tio_dtype_block", "an elements output");
    require(bytes, "tio_dtype_block", "a bytes output");
    if (!valid_dtype(dtype)) {
      throw tensorio::Error(ErrorCode::unknown_dtype, {}, tensorio::no_offset,
                            "tio_dtype_block: expected a tio_dtype value below " +
                                std::to_string(TIO_DTYPE_COUNT) + ", found " +
                                std::to_string(static_cast<int>(dtype)));
    }
    if (dtype == TIO_DTYPE_OPAQUE) {
      throw tensorio::Error(ErrorCode::opaque_dtype, {}, tensorio::no_offset,
                            "tio_dtype_block: expected a dtype with a size of its own, found "
                            "opaque (each opaque tensor has its own: tio_tensor_nbytes)");
    }
    const tensorio::DTypeInfo& info = tensorio::dtype_info(static_cast<tensorio::DType>(dtype));
    *elements = info.block_elements;
    *bytes = info.block_bytes;
  });
}

const char* tio_format_name(tio_format format) {
  if (!valid_format(format)) return nullptr;
  return tensorio::format_name(static_cast<tensorio::Format>(format)).data();
}

tio_status tio_format_from_path(const char* path, tio_format* format) {
  if (format != nullptr) *format = TIO_FORMAT_AUTO;
  return guarded([&] {
    require(path, "tio_format_from_path", "a path");
    require(format, "tio_format_from_path", "a format output");
    *format = static_cast<tio_format>(tensorio::format_from_path(path));
  });
}

// ---- Opening ---------------------------------------------------------------------------------

void tio_open_options_init(tio_open_options* options) {
  if (options == nullptr) return;
  const tensorio::OpenOptions d;
  *options = tio_open_options{};
  options->sizeof_options = sizeof(tio_open_options);
  tio_limits& l = options->limits;
  l.max_header_bytes = d.limits.max_header_bytes;
  l.max_tensors = d.limits.max_tensors;
  l.max_dims = d.limits.max_dims;
  l.max_gguf_dims = d.limits.max_gguf_dims;
  l.max_gguf_name_bytes = d.limits.max_gguf_name_bytes;
  l.max_string_bytes = d.limits.max_string_bytes;
  l.max_array_elements = d.limits.max_array_elements;
  l.max_array_depth = d.limits.max_array_depth;
  l.max_alignment = d.limits.max_alignment;
  l.max_member_bytes = d.limits.max_member_bytes;
  l.max_total_inflated_bytes = d.limits.max_total_inflated_bytes;
  options->access = d.access == tensorio::AccessMode::pread ? TIO_ACCESS_PREAD : TIO_ACCESS_MMAP;
  options->verify_crc_on_access = d.verify_crc_on_access ? 1 : 0;
  options->gguf_mlx_quantized = d.gguf_mlx_quantized ? 1 : 0;
  options->open_threads = d.open_threads;
  options->map_next_view = d.map_next_view ? 1 : 0;
}

tio_status tio_open(const char* path, tio_format format, const tio_open_options* options,
                    tio_archive** archive) {
  if (archive != nullptr) *archive = nullptr;
  return guarded([&] {
    require(path, "tio_open", "a path");
    require(archive, "tio_open", "an archive output");
    if (format != TIO_FORMAT_AUTO && !valid_format(format)) {
      throw_invalid(path, "tio_open: expected a tio_format value from -1 to 3, found " +
                              std::to_string(static_cast<int>(format)));
    }
    tensorio::OpenOptions o = open_options(options, "tio_open");
    auto handle = std::make_unique<tio_archive>(tio_archive{open_as(path, format, o)});
    *archive = handle.release();
  });
}

tio_status tio_open_memory(const void* data, size_t size, tio_format format,
                           const tio_open_options* options, tio_archive** archive) {
  if (archive != nullptr) *archive = nullptr;
  return guarded([&] {
    require(archive, "tio_open_memory", "an archive output");
    if (size != 0) require(data, "tio_open_memory", "data for a nonzero size");
    if (!valid_format(format)) {
      throw_invalid({},
                    "tio_open_memory: expected the format TIO_FORMAT_NPY, _NPZ, "
                    "_SAFETENSORS or _GGUF (a buffer has no extension to choose by), "
                    "found value " +
                        std::to_string(static_cast<int>(format)));
    }
    tensorio::OpenOptions o = open_options(options, "tio_open_memory");
    std::span<const std::byte> bytes{static_cast<const std::byte*>(data), size};
    auto handle = std::make_unique<tio_archive>(
        tio_archive{tensorio::load_from_memory(bytes, static_cast<tensorio::Format>(format), o)});
    *archive = handle.release();
  });
}

void tio_archive_free(tio_archive* archive) { delete archive; }

tio_format tio_archive_format(const tio_archive* archive) {
  return archive ? static_cast<tio_format>(archive->archive.format()) : TIO_FORMAT_AUTO;
}

const char* tio_archive_path(const tio_archive* archive) {
  return archive ? archive->archive.path().c_str() : nullptr;
}

uint64_t tio_archive_file_size(const tio_archive* archive) {
  return archive ? archive->archive.file_size() : 0;
}

size_t tio_archive_tensor_count(const tio_archive* archive) {
  return archive ? archive->archive.size() : 0;
}

// ---- Tensors ---------------------------------------------------------------------------------

tio_status tio_archive_tensor(const tio_archive* archive, size_t index, tio_tensor** tensor) {
  if (tensor != nullptr) *tensor = nullptr;
  return guarded([&] {
    require(archive, "tio_archive_tensor", "an archive");
    require(tensor, "tio_archive_tensor", "a tensor output");
    const tensorio::Archive& a = archive->archive;
    require_index(index, a.size(), "tio_archive_tensor", a.path(), "a tensor");
    *tensor = new tio_tensor{a.tensors()[index]};
  });
}

tio_status tio_archive_find(const tio_archive* archive, const char* name, tio_tensor** tensor) {
  if (tensor != nullptr) *tensor = nullptr;
  return guarded([&] {
    require(archive, "tio_archive_find", "an archive");
    require(name, "tio_archive_find", "a name");
    require(tensor, "tio_archive_find", "a tensor output");
    *tensor = new tio_tensor{archive->archive.at(name)};
  });
}

void tio_tensor_free(tio_tensor* tensor) { delete tensor; }

const char* tio_tensor_descr(const tio_tensor* tensor, size_t* length) {
  if (tensor == nullptr) {
    if (length != nullptr) *length = 0;
    return nullptr;
  }
  const std::string& descr = tensor->view.descr();
  if (length != nullptr) *length = descr.size();
  return descr.c_str();
}

const char* tio_tensor_name(const tio_tensor* tensor, size_t* length) {
  if (tensor == nullptr) {
    if (length != nullptr) *length = 0;
    return nullptr;
  }
  const std::string& name = tensor->view.name();
  if (length != nullptr) *length = name.size();
  return name.c_str();
}

tio_dtype tio_tensor_dtype(const tio_tensor* tensor) {
  return tensor ? static_cast<tio_dtype>(tensor->view.dtype()) : TIO_DTYPE_COUNT;
}

size_t tio_tensor_ndim(const tio_tensor* tensor) { return tensor ? tensor->view.ndim() : 0; }

const uint64_t* tio_tensor_shape(const tio_tensor* tensor) {
  return tensor ? tensor->view.shape().data() : nullptr;
}

uint64_t tio_tensor_num_elements(const tio_tensor* tensor) {
  return tensor ? tensor->view.num_elements() : 0;
}

uint64_t tio_tensor_nbytes(const tio_tensor* tensor) { return tensor ? tensor->view.nbytes() : 0; }

uint64_t tio_tensor_file_offset(const tio_tensor* tensor) {
  return tensor ? tensor->view.file_offset() : 0;
}

int tio_tensor_zero_copy(const tio_tensor* tensor) {
  return tensor && tensor->view.zero_copy() ? 1 : 0;
}

tio_status tio_tensor_data(const tio_tensor* tensor, const void** data, uint64_t* size) {
  if (data != nullptr) *data = nullptr;
  if (size != nullptr) *size = 0;
  return guarded([&] {
    require(tensor, "tio_tensor_data", "a tensor");
    require(data, "tio_tensor_data", "a data output");
    require(size, "tio_tensor_data", "a size output");
    std::span<const std::byte> bytes = tensor->view.data();
    *data = bytes.data();
    *size = bytes.size();
  });
}

tio_status tio_tensor_stored_bytes(const tio_tensor* tensor, const void** data, uint64_t* size) {
  if (data != nullptr) *data = nullptr;
  if (size != nullptr) *size = 0;
  return guarded([&] {
    require(tensor, "tio_tensor_stored_bytes", "a tensor");
    require(data, "tio_tensor_stored_bytes", "a data output");
    require(size, "tio_tensor_stored_bytes", "a size output");
    if (tensorio::detail::is_remote_url(tensor->view.file_path())) {
      throw tensorio::Error(ErrorCode::invalid_argument, tensor->view.file_path(),
                            tensorio::no_offset,
                            "tio_tensor_stored_bytes: expected a tensor of a local file or "
                            "memory, found one of a URL (its payload is not in memory: use "
                            "tio_tensor_data)");
    }
    std::span<const std::byte> bytes = tensor->view.stored_bytes();
    *data = bytes.data();
    *size = bytes.size();
  });
}

// ---- Metadata --------------------------------------------------------------------------------

size_t tio_archive_string_metadata_count(const tio_archive* archive) {
  return archive ? archive->archive.string_metadata().size() : 0;
}

tio_status tio_archive_string_metadata(const tio_archive* archive, size_t index, const char** key,
                                       size_t* key_length, const char** value,
                                       size_t* value_length) {
  if (key != nullptr) *key = nullptr;
  if (key_length != nullptr) *key_length = 0;
  if (value != nullptr) *value = nullptr;
  if (value_length != nullptr) *value_length = 0;
  return guarded([&] {
    require(archive, "tio_archive_string_metadata", "an archive");
    require(key, "tio_archive_string_metadata", "a key output");
    require(value, "tio_archive_string_metadata", "a value output");
    const auto& pairs = archive->archive.string_metadata();
    require_index(index, pairs.size(), "tio_archive_string_metadata", archive->archive.path(),
                  "a metadata");
    const auto& [k, v] = pairs[index];
    *key = k.c_str();
    *value = v.c_str();
    if (key_length != nullptr) *key_length = k.size();
    if (value_length != nullptr) *value_length = v.size();
  });
}

tio_status tio_archive_metadata_json(const tio_archive* archive, int full, char** json) {
  if (json != nullptr) *json = nullptr;
  return guarded([&] {
    require(archive, "tio_archive_metadata_json", "an archive");
    require(json, "tio_archive_metadata_json", "a json output");
    *json = owned_copy(archive->archive.metadata_json(full != 0));
  });
}

size_t tio_archive_note_count(const tio_archive* archive) {
  return archive ? archive->archive.notes().size() : 0;
}

tio_status tio_archive_note(const tio_archive* archive, size_t index, const char** note) {
  if (note != nullptr) *note = nullptr;
  return guarded([&] {
    require(archive, "tio_archive_note", "an archive");
    require(note, "tio_archive_note", "a note output");
    const auto& notes = archive->archive.notes();
    require_index(index, notes.size(), "tio_archive_note", archive->archive.path(), "a note");
    *note = notes[index].c_str();
  });
}

// ---- Verification ----------------------------------------------------------------------------

tio_status tio_verify(const tio_archive* archive, tio_problems** problems) {
  if (problems != nullptr) *problems = nullptr;
  return guarded([&] {
    require(archive, "tio_verify", "an archive");
    require(problems, "tio_verify", "a problems output");
    *problems = new tio_problems{tensorio::verify(archive->archive)};
  });
}

size_t tio_problems_count(const tio_problems* problems) {
  return problems ? problems->problems.size() : 0;
}

tio_status tio_problems_get(const tio_problems* problems, size_t index, const char** tensor,
                            const char** message) {
  if (tensor != nullptr) *tensor = nullptr;
  if (message != nullptr) *message = nullptr;
  return guarded([&] {
    require(problems, "tio_problems_get", "a problem list");
    require(tensor, "tio_problems_get", "a tensor output");
    require(message, "tio_problems_get", "a message output");
    require_index(index, problems->problems.size(), "tio_problems_get", {}, "a problem");
    const tensorio::VerifyProblem& p = problems->problems[index];
    *tensor = p.tensor.c_str();
    *message = p.message.c_str();
  });
}

void tio_problems_free(tio_problems* problems) { delete problems; }

// ---- Saving ----------------------------------------------------------------------------------

void tio_save_options_init(tio_save_options* options) {
  if (options == nullptr) return;
  const tensorio::SaveOptions d;
  *options = tio_save_options{};
  options->sizeof_options = sizeof(tio_save_options);
  options->buffer_bytes = d.buffer_bytes;
  options->fsync = d.fsync ? 1 : 0;
  options->compress = d.compress ? 1 : 0;
  options->compression_level = d.compression_level;
  options->threads = d.threads;
  options->max_shard_size = d.max_shard_size;
}

tio_status tio_save(const char* path, const tio_tensor_desc* tensors, size_t count,
                    const tio_save_options* options, char** written_path) {
  if (written_path != nullptr) *written_path = nullptr;
  return guarded([&] {
    require(path, "tio_save", "a path");
    if (count != 0 && tensors == nullptr) {
      throw_invalid(
          path, "tio_save: expected " + std::to_string(count) + " tensor descriptions, found NULL");
    }
    tensorio::SaveOptions o = save_options(options, path);
    std::vector<tensorio::TensorRef> refs;
    refs.reserve(count);
    for (size_t i = 0; i < count; ++i) refs.push_back(tensor_ref(tensors[i], i, path));
    // The written path is copied before the save, so that a save that succeeded is never
    // reported as an allocation failure afterwards.
    std::unique_ptr<char, decltype(&std::free)> copy(nullptr, &std::free);
    if (written_path != nullptr) {
      copy.reset(owned_copy(tensorio::save_target_path(path).string()));
    }
    tensorio::save(path, refs, o);
    if (written_path != nullptr) *written_path = copy.release();
  });
}

}  // extern "C"
