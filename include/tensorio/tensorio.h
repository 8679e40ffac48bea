/* tensorio/tensorio.h — the C API of tensorio: open, list, read, verify and save .npy, .npz,
 * .safetensors and .gguf tensors from C, Rust, Go or any language with a C FFI.
 *
 *   tio_archive* a;
 *   if (tio_open("model.safetensors", TIO_FORMAT_AUTO, NULL, &a) != TIO_OK) {
 *     fprintf(stderr, "%s\n", tio_last_error_message());
 *     return 1;
 *   }
 *   tio_tensor* t;
 *   const void* data;
 *   uint64_t size;
 *   if (tio_archive_find(a, "lm_head.weight", &t) == TIO_OK) {
 *     if (tio_tensor_data(t, &data, &size) == TIO_OK) use(data, size);
 *     tio_tensor_free(t);
 *   }
 *   tio_archive_free(a);
 *
 * This header is the specification of the C API. It is valid C11 and C++; it is a thin layer
 * over the C++ API (tensorio/tensorio.hpp), whose documentation describes the formats, the
 * validation done at open and the laziness of payloads in more depth.
 *
 * ERRORS. Every function that can fail returns a tio_status: TIO_OK (0) on success, otherwise
 * one of the TIO_ERR_* codes. No C++ exception ever crosses this boundary; an allocation failure
 * inside the library is TIO_ERR_OUT_OF_MEMORY. Every function that returns a tio_status also
 * records, before it returns, the calling thread's *last error*: on success the code TIO_OK and
 * an empty message, on failure the returned code and a message that names the file, the byte
 * offset, what was expected and what was found (for example "model.npy: offset 10: npy header:
 * expected key 'shape', found 'shap'"). tio_last_error_code() and tio_last_error_message() read
 * it. Functions that do not return a tio_status (accessors, name lookups, the *_free functions,
 * tio_last_error_* themselves) never change it. The last error is per thread: a failure on one
 * thread is never seen by another.
 *
 * OUTPUT ARGUMENTS. Results are returned through pointer arguments, which must not be NULL
 * unless a function says so (a NULL one fails with TIO_ERR_INVALID_ARGUMENT). On failure, every
 * output the function was given is cleared (NULL for pointers and handles, 0 for numbers,
 * TIO_DTYPE_COUNT for a dtype, TIO_FORMAT_AUTO for a format), so a handle output can always be
 * passed to its *_free function afterwards.
 *
 * OWNERSHIP AND LIFETIME. Handles (tio_archive, tio_tensor, tio_problems) are created by the
 * library and released by the caller with the matching *_free function, exactly once. Strings
 * returned as `char*` through an output argument are owned by the caller and released with
 * tio_string_free(). Strings and arrays returned as `const` pointers are borrowed: each function
 * says which handle they live as long as. A tio_tensor holds on to its file independently of the
 * tio_archive it came from, so the archive may be freed before the tensor.
 *
 * THREAD-SAFETY. Archives and tensors are read-only once created: any function taking a
 * `const` handle may be called concurrently from several threads on the same handle (a payload
 * that needs a transform is transformed exactly once, whichever thread asks first). A *_free
 * call must not overlap any other use of the same handle. Different handles are independent.
 *
 * MEMORY-MAPPED FILES. Payloads are read through a read-only shared mapping of the file
 * (unless TIO_ACCESS_PREAD is chosen). If another process truncates the file while it is open,
 * touching a pointer into the mapping can raise SIGBUS; TIO_ACCESS_PREAD avoids mapped payloads
 * for filesystems where that can happen. */
#ifndef TENSORIO_TENSORIO_H
#define TENSORIO_TENSORIO_H

#include <stddef.h>
#include <stdint.h>

#include "tensorio/export.h"

/* The enums below take any int in C. C++ allows an enum without a fixed underlying type only
 * the values of its enumerators' bit width, so a value the library must reject (a dtype of 77)
 * would be undefined behaviour on its side: there they are given `int` as their type. */
#ifdef __cplusplus
#define TIO_ENUM_INT : int
#else
#define TIO_ENUM_INT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Status codes. Values 1..35 are those of tensorio::ErrorCode in tensorio/error.hpp, one to one
 * and with the same meaning; the values are stable and new codes are only ever added. Codes that
 * exist only on the C side start at 1000. */
typedef enum tio_status TIO_ENUM_INT {
  TIO_OK = 0,
  TIO_ERR_IO_ERROR = 1,             /* an operating-system call failed (open, read, mmap, ...) */
  TIO_ERR_FILE_NOT_FOUND = 2,       /* the path does not exist */
  TIO_ERR_UNKNOWN_FORMAT = 3,       /* the extension is not one tensorio reads or writes */
  TIO_ERR_BAD_MAGIC = 4,            /* the file does not start with its format's magic bytes */
  TIO_ERR_TRUNCATED = 5,            /* the file ends before a structure it declares */
  TIO_ERR_HEADER_TOO_LARGE = 6,     /* a header is larger than tio_limits.max_header_bytes */
  TIO_ERR_BAD_HEADER = 7,           /* a header is malformed */
  TIO_ERR_UNSUPPORTED_VERSION = 8,  /* a format version tensorio does not read */
  TIO_ERR_UNSUPPORTED_DTYPE = 9,    /* a dtype the format allows but tensorio refuses */
  TIO_ERR_UNKNOWN_DTYPE = 10,       /* a dtype name or value that nothing defines */
  TIO_ERR_BAD_SHAPE = 11,           /* a negative, non-integer or too long shape */
  TIO_ERR_SIZE_OVERFLOW = 12,       /* shape x item size (or an offset sum) overflows */
  TIO_ERR_OUT_OF_BOUNDS = 13,       /* an offset or size points outside the file */
  TIO_ERR_OVERLAP = 14,             /* two regions of the file overlap */
  TIO_ERR_DUPLICATE_NAME = 15,      /* two tensors, keys or members share a name */
  TIO_ERR_LIMIT_EXCEEDED = 16,      /* a tio_limits cap was exceeded */
  TIO_ERR_BAD_CHECKSUM = 17,        /* a CRC-32 does not match */
  TIO_ERR_BAD_COMPRESSED_DATA = 18, /* a deflate stream is corrupt */
  TIO_ERR_UNSUPPORTED_COMPRESSION = 19, /* a zip compression method other than stored/deflate */
  TIO_ERR_ENCRYPTED = 20,               /* an encrypted zip member */
  TIO_ERR_BAD_UTF8 = 21,                /* a string that must be UTF-8 is not */
  TIO_ERR_BAD_JSON = 22,                /* the safetensors header is not valid JSON */
  TIO_ERR_BAD_OFFSETS = 23,             /* safetensors data offsets are malformed */
  TIO_ERR_BAD_ALIGNMENT = 24,           /* an alignment value or an aligned offset is invalid */
  TIO_ERR_TYPE_MISMATCH = 25,           /* a value has another type than requested */
  TIO_ERR_NOT_FOUND = 26,               /* no tensor or key of that name */
  TIO_ERR_INVALID_ARGUMENT = 27,        /* the caller passed something unusable */
  TIO_ERR_UNREPRESENTABLE = 28,         /* the target format cannot hold the tensors */
  TIO_ERR_FILE_CHANGED = 29,            /* the file was truncated or replaced after opening */
  TIO_ERR_BAD_METADATA = 30,            /* metadata of the wrong shape */
  TIO_ERR_FILE_TOO_SMALL = 31,          /* shorter than the smallest valid file of the format */
  TIO_ERR_PARTIAL_BYTE = 32,            /* a sub-byte tensor does not fill whole bytes */
  TIO_ERR_SIZE_MISMATCH = 33,           /* a payload's byte span differs from its shape */
  TIO_ERR_OFFSET_GAP = 34,              /* payloads leave a hole in the data section */
  TIO_ERR_TRAILING_BYTES = 35,          /* bytes after the last structure of the file */
  TIO_ERR_OPAQUE_DTYPE = 36,    /* a numeric access to a dtype tensorio does not interpret */
  TIO_ERR_OBJECT_DTYPE = 37,    /* an npy dtype of Python objects (a pickle, never loaded) */
  TIO_ERR_OUT_OF_MEMORY = 1000, /* an allocation inside the library failed */
  TIO_ERR_INTERNAL = 1001       /* an unexpected failure inside tensorio (a bug) */
} tio_status;

/* Short stable identifier of a status, e.g. "truncated", "ok", "out_of_memory"; "unknown" for
 * a value that is not a tio_status. Static storage; never NULL. Thread-safe. */
TENSORIO_API const char* tio_status_name(tio_status status);
/* One-sentence description of a status, e.g. "the file ends before a structure it declares";
 * "unknown status" for a value that is not a tio_status. Static storage; never NULL. */
TENSORIO_API const char* tio_status_message(tio_status status);

/* The calling thread's last error (see ERRORS above): the status returned by the most recent
 * tio_status-returning call on this thread, TIO_OK before the first one. */
TENSORIO_API tio_status tio_last_error_code(void);
/* The message of the calling thread's last error: "" after a success. Never NULL. The string
 * belongs to the thread and stays valid until the thread's next tio_status-returning call or
 * the thread's exit, whichever comes first; copy it to keep it. */
TENSORIO_API const char* tio_last_error_message(void);

/* Releases a string the library returned as `char*` (tio_archive_metadata_json, tio_save's
 * written path). NULL is ignored. */
TENSORIO_API void tio_string_free(char* string);

/* ---------------------------------------------------------------------------------------------
 * Element types. Values are those of tensorio::DType and are stable. */
typedef enum tio_dtype TIO_ENUM_INT {
  TIO_DTYPE_BOOL = 0,
  TIO_DTYPE_INT8 = 1,
  TIO_DTYPE_INT16 = 2,
  TIO_DTYPE_INT32 = 3,
  TIO_DTYPE_INT64 = 4,
  TIO_DTYPE_UINT8 = 5,
  TIO_DTYPE_UINT16 = 6,
  TIO_DTYPE_UINT32 = 7,
  TIO_DTYPE_UINT64 = 8,
  TIO_DTYPE_FLOAT16 = 9,
  TIO_DTYPE_BFLOAT16 = 10,
  TIO_DTYPE_FLOAT32 = 11,
  TIO_DTYPE_FLOAT64 = 12,
  TIO_DTYPE_COMPLEX64 = 13,
  TIO_DTYPE_COMPLEX128 = 14,
  TIO_DTYPE_FLOAT8_E5M2 = 15,
  TIO_DTYPE_FLOAT8_E4M3FN = 16,
  TIO_DTYPE_FLOAT8_E8M0FNU = 17,
  TIO_DTYPE_FLOAT8_E4M3FNUZ = 18,
  TIO_DTYPE_FLOAT8_E5M2FNUZ = 19,
  TIO_DTYPE_FLOAT4_E2M1FN = 20, /* 2 elements per byte */
  TIO_DTYPE_FLOAT6_E2M3FN = 21, /* 4 elements in 3 bytes */
  TIO_DTYPE_FLOAT6_E3M2FN = 22, /* 4 elements in 3 bytes */
  /* ggml block-quantized types (gguf only). */
  TIO_DTYPE_Q4_0 = 23,
  TIO_DTYPE_Q4_1 = 24,
  TIO_DTYPE_Q5_0 = 25,
  TIO_DTYPE_Q5_1 = 26,
  TIO_DTYPE_Q8_0 = 27,
  TIO_DTYPE_Q8_1 = 28,
  TIO_DTYPE_Q2_K = 29,
  TIO_DTYPE_Q3_K = 30,
  TIO_DTYPE_Q4_K = 31,
  TIO_DTYPE_Q5_K = 32,
  TIO_DTYPE_Q6_K = 33,
  TIO_DTYPE_Q8_K = 34,
  TIO_DTYPE_IQ2_XXS = 35,
  TIO_DTYPE_IQ2_XS = 36,
  TIO_DTYPE_IQ3_XXS = 37,
  TIO_DTYPE_IQ1_S = 38,
  TIO_DTYPE_IQ4_NL = 39,
  TIO_DTYPE_IQ3_S = 40,
  TIO_DTYPE_IQ2_S = 41,
  TIO_DTYPE_IQ4_XS = 42,
  TIO_DTYPE_IQ1_M = 43,
  TIO_DTYPE_TQ1_0 = 44,
  TIO_DTYPE_TQ2_0 = 45,
  TIO_DTYPE_MXFP4 = 46,
  TIO_DTYPE_NVFP4 = 47,
  TIO_DTYPE_Q1_0 = 48,
  TIO_DTYPE_Q2_0 = 49,
  /* A fixed-size NumPy dtype stored but not interpreted (strings, records, long double,
   * datetime; .npy/.npz only): tio_tensor_descr gives its descr. tio_save refuses it. */
  TIO_DTYPE_OPAQUE = 50,
  TIO_DTYPE_COUNT /* not a dtype: the number of dtypes */
} tio_dtype;

/* Canonical lower-case name of a dtype ("float32", "bfloat16", "q4_k"); NULL for a value that
 * is not a dtype. Static storage. Thread-safe. */
TENSORIO_API const char* tio_dtype_name(tio_dtype dtype);
/* The dtype named `name` (exactly as tio_dtype_name spells it, case-sensitive).
 * Fails: TIO_ERR_INVALID_ARGUMENT (NULL argument), TIO_ERR_UNKNOWN_DTYPE (no such name). */
TENSORIO_API tio_status tio_dtype_from_name(const char* name, tio_dtype* dtype);
/* A dtype's storage block: `elements` elements in `bytes` bytes (1 element for ordinary types,
 * e.g. float32 is 1 in 4; q4_0 is 32 in 18). A tensor's byte size is its element count divided
 * by `elements`, times `bytes`, and exists only when `elements` divides the count.
 * Fails: TIO_ERR_INVALID_ARGUMENT (NULL output), TIO_ERR_UNKNOWN_DTYPE (not a dtype),
 * TIO_ERR_OPAQUE_DTYPE (TIO_DTYPE_OPAQUE: each such tensor has a size of its own). */
TENSORIO_API tio_status tio_dtype_block(tio_dtype dtype, uint32_t* elements, uint32_t* bytes);

/* ---------------------------------------------------------------------------------------------
 * Formats. Values are those of tensorio::Format. */
typedef enum tio_format TIO_ENUM_INT {
  TIO_FORMAT_AUTO = -1, /* tio_open only: choose by the path's extension */
  TIO_FORMAT_NPY = 0,
  TIO_FORMAT_NPZ = 1,
  TIO_FORMAT_SAFETENSORS = 2,
  TIO_FORMAT_GGUF = 3
} tio_format;

/* "npy", "npz", "safetensors", "gguf"; NULL for any other value (TIO_FORMAT_AUTO included).
 * Static storage. Thread-safe. */
TENSORIO_API const char* tio_format_name(tio_format format);
/* The format of a path's extension: .npy .npz .safetensors .safetensors.index.json .gguf (any
 * case). Fails: TIO_ERR_INVALID_ARGUMENT (NULL argument), TIO_ERR_UNKNOWN_FORMAT (any other
 * extension, or none). */
TENSORIO_API tio_status tio_format_from_path(const char* path, tio_format* format);

/* ---------------------------------------------------------------------------------------------
 * Opening. */

/* Caps on what a file may make tensorio allocate or accept; see tensorio::Limits in
 * tensorio/options.hpp for each field. A file exceeding one fails with
 * TIO_ERR_LIMIT_EXCEEDED or TIO_ERR_HEADER_TOO_LARGE. */
typedef struct tio_limits {
  uint64_t max_header_bytes;
  uint64_t max_tensors;
  uint32_t max_dims;
  uint32_t max_gguf_dims;
  uint32_t max_gguf_name_bytes;
  uint64_t max_string_bytes;
  uint64_t max_array_elements;
  uint32_t max_array_depth;
  uint64_t max_alignment;
  uint64_t max_member_bytes;
  uint64_t max_total_inflated_bytes;
} tio_limits;

typedef enum tio_access TIO_ENUM_INT {
  TIO_ACCESS_MMAP = 0, /* payloads are pointers into a read-only mapping (zero-copy) */
  TIO_ACCESS_PREAD = 1 /* payloads are copied with pread() into owned buffers on first access */
} tio_access;

/* Options of tio_open and tio_open_memory. Fill with tio_open_options_init() and change fields
 * afterwards; passing NULL instead of options means the defaults. `sizeof_options` lets a
 * later library tell which version of this struct the caller was compiled with: a value other
 * than sizeof(tio_open_options) fails with TIO_ERR_INVALID_ARGUMENT. */
typedef struct tio_open_options {
  size_t sizeof_options;
  tio_limits limits;
  tio_access access;        /* default TIO_ACCESS_MMAP */
  int verify_crc_on_access; /* npz: check STORED members' CRC-32 on first access (default 0) */
  int gguf_mlx_quantized;   /* gguf: present Q4_0/Q4_1/Q8_0 as MLX does (default 0) */
  unsigned open_threads;    /* npz: header-decoding threads, 0 = automatic (default 0) */
  int map_next_view;        /* populate the next view in file order ahead (default 1) */
} tio_open_options;

/* Fills `options` with the defaults (the C++ OpenOptions defaults) and sets sizeof_options.
 * NULL is ignored. */
TENSORIO_API void tio_open_options_init(tio_open_options* options);

/* An opened file: its tensors in file order and its metadata. Create with tio_open or
 * tio_open_memory; release with tio_archive_free. */
typedef struct tio_archive tio_archive;

/* Opens the file at `path` (a NUL-terminated file system path, or an http:// or https:// URL:
 * see "Remote files" in README.md; the defaults of the C++ RemoteOptions apply, the bearer
 * token from $TENSORIO_HTTP_BEARER). Headers are decoded and fully
 * validated now; payloads are read lazily. With TIO_FORMAT_AUTO the format is chosen by the
 * extension (a name ending in .safetensors.index.json opens a sharded safetensors checkpoint
 * through its index); another format opens the file as that format whatever its name (a
 * .safetensors.index.json name given TIO_FORMAT_SAFETENSORS still opens the index). Either way
 * the file's magic bytes are checked. `options` may be NULL (defaults).
 * On success `*archive` is a new handle; on failure it is NULL.
 * Fails: TIO_ERR_INVALID_ARGUMENT (NULL path or archive, bad format value, bad sizeof_options),
 * TIO_ERR_UNKNOWN_FORMAT (AUTO and an unknown extension), TIO_ERR_FILE_NOT_FOUND,
 * TIO_ERR_IO_ERROR, TIO_ERR_BAD_MAGIC, or the code of whatever is malformed in the file
 * (TIO_ERR_TRUNCATED, TIO_ERR_BAD_HEADER, TIO_ERR_BAD_JSON, ...). */
TENSORIO_API tio_status tio_open(const char* path, tio_format format,
                                 const tio_open_options* options, tio_archive** archive);

/* Opens `size` bytes at `data`, a whole file already in memory (received over a network,
 * embedded in a binary), as `format`, with the same validation as tio_open. `format` must be
 * given (TIO_FORMAT_AUTO is refused: there is no name to take an extension from); a sharded
 * safetensors index cannot be opened from memory. The bytes are not copied: they must stay
 * valid and unchanged until the archive and every tensor handle taken from it are freed.
 * Payloads are borrowed from `data` where no transform is needed. Error messages and
 * tio_archive_path name the buffer with a synthetic "memory:..." path. The single tensor of an
 * npy file is best reached by index 0 (its name is derived from that synthetic path).
 * On failure `*archive` is NULL.
 * Fails: TIO_ERR_INVALID_ARGUMENT (NULL archive, NULL data with a nonzero size,
 * TIO_FORMAT_AUTO or another bad format value, bad sizeof_options), TIO_ERR_BAD_MAGIC,
 * TIO_ERR_FILE_TOO_SMALL, or the code of whatever is malformed in the bytes. */
TENSORIO_API tio_status tio_open_memory(const void* data, size_t size, tio_format format,
                                        const tio_open_options* options, tio_archive** archive);

/* Releases an archive. Tensor handles taken from it stay valid (each holds its own reference
 * to the file); so do data pointers obtained through those tensor handles. NULL is ignored. */
TENSORIO_API void tio_archive_free(tio_archive* archive);

/* Accessors: never fail and never change the last error; a NULL archive gives 0 / NULL. */
/* The archive's format (TIO_FORMAT_AUTO for a NULL archive). */
TENSORIO_API tio_format tio_archive_format(const tio_archive* archive);
/* The path it was opened from (a synthetic "memory:..." one for tio_open_memory). Borrowed:
 * valid while the archive lives. */
TENSORIO_API const char* tio_archive_path(const tio_archive* archive);
/* Size of the file in bytes (of all shards together for a sharded checkpoint). */
TENSORIO_API uint64_t tio_archive_file_size(const tio_archive* archive);
/* Number of tensors. */
TENSORIO_API size_t tio_archive_tensor_count(const tio_archive* archive);

/* ---------------------------------------------------------------------------------------------
 * Tensors. A tio_tensor is a read-only view of one tensor of an archive; it keeps the file
 * open (and its mapping alive) by itself. Several handles of the same tensor share its payload:
 * they all return the same data pointer. Release each with tio_tensor_free. */
typedef struct tio_tensor tio_tensor;

/* A new handle of the tensor at position `index` in file order (0 <= index <
 * tio_archive_tensor_count). On failure `*tensor` is NULL.
 * Fails: TIO_ERR_INVALID_ARGUMENT (NULL argument, index out of range). */
TENSORIO_API tio_status tio_archive_tensor(const tio_archive* archive, size_t index,
                                           tio_tensor** tensor);
/* A new handle of the tensor named `name` (NUL-terminated, compared byte for byte; a name with
 * an embedded NUL byte can only be reached by index). On failure `*tensor` is NULL.
 * Fails: TIO_ERR_INVALID_ARGUMENT (NULL argument), TIO_ERR_NOT_FOUND (no such tensor; the
 * message names the archive and the tensor). */
TENSORIO_API tio_status tio_archive_find(const tio_archive* archive, const char* name,
                                         tio_tensor** tensor);
/* Releases a tensor handle. NULL is ignored. */
TENSORIO_API void tio_tensor_free(tio_tensor* tensor);

/* Accessors: never fail and never change the last error; a NULL tensor gives 0 / NULL. */
/* The tensor's name, NUL-terminated; if `length` is not NULL it receives the name's length in
 * bytes (safetensors names may contain NUL bytes). Borrowed: valid while the tensor lives. */
TENSORIO_API const char* tio_tensor_name(const tio_tensor* tensor, size_t* length);
/* The dtype (TIO_DTYPE_COUNT for a NULL tensor); tio_dtype_name gives its name. */
TENSORIO_API tio_dtype tio_tensor_dtype(const tio_tensor* tensor);
/* For a TIO_DTYPE_OPAQUE tensor, its NumPy descr exactly as stored ("|S3", "<U8",
 * "[('x', '<f4'), ('y', '<i2')]"), NUL-terminated; "" for every other tensor (and NULL for a
 * NULL tensor). If `length` is not NULL it receives the length. Borrowed: valid while the
 * tensor lives. */
TENSORIO_API const char* tio_tensor_descr(const tio_tensor* tensor, size_t* length);
/* Number of dimensions; 0 for a scalar. */
TENSORIO_API size_t tio_tensor_ndim(const tio_tensor* tensor);
/* The shape in C (row-major) order, outermost dimension first: tio_tensor_ndim values.
 * Borrowed: valid while the tensor lives. May be NULL when ndim is 0. */
TENSORIO_API const uint64_t* tio_tensor_shape(const tio_tensor* tensor);
/* Number of elements (1 for a scalar). */
TENSORIO_API uint64_t tio_tensor_num_elements(const tio_tensor* tensor);
/* Bytes of the payload as tio_tensor_data presents it. */
TENSORIO_API uint64_t tio_tensor_nbytes(const tio_tensor* tensor);
/* Absolute offset in the file of the stored payload (for a deflated npz member: of its
 * compressed bytes). */
TENSORIO_API uint64_t tio_tensor_file_offset(const tio_tensor* tensor);
/* 1 when tio_tensor_data is a pointer into the file's mapping rather than an owned buffer
 * (no transform needed and TIO_ACCESS_MMAP), else 0. */
TENSORIO_API int tio_tensor_zero_copy(const tio_tensor* tensor);

/* The payload in native byte order and C order: tio_tensor_nbytes bytes. Materialized on the
 * first call for this tensor (from any handle): pages of the mapping are brought in, or the
 * payload is transformed once into an owned buffer (byte swap of a big-endian npy, transpose of
 * a Fortran-order one, inflation of a deflated npz member, a pread copy). Later calls return the
 * same pointer. The bytes are read-only and stay valid as long as this tensor handle, another
 * handle of the same tensor, or the archive it came from is alive. `*data` may be NULL when
 * `*size` is 0. On failure both are cleared.
 * Fails: TIO_ERR_INVALID_ARGUMENT (NULL argument), TIO_ERR_BAD_COMPRESSED_DATA,
 * TIO_ERR_BAD_CHECKSUM (a deflated member, or a stored one with verify_crc_on_access),
 * TIO_ERR_FILE_CHANGED (the file shrank since it was opened), TIO_ERR_IO_ERROR,
 * TIO_ERR_OUT_OF_MEMORY. Nothing is kept from a failed call: the next one tries again (and
 * fails again, with the same status, for a damaged payload). */
TENSORIO_API tio_status tio_tensor_data(const tio_tensor* tensor, const void** data,
                                        uint64_t* size);
/* The payload exactly as stored in the file, zero-copy: big-endian bytes stay big-endian,
 * Fortran-order data stays column-major, a deflated npz member is its compressed stream. A
 * pointer into the mapping: valid as long as any handle of this file is alive. Not meant for
 * TIO_ACCESS_PREAD archives (their mapping is only read for headers). `*data` may be NULL
 * when `*size` is 0.
 * Fails: TIO_ERR_INVALID_ARGUMENT (NULL argument, or a tensor of an http(s) URL, whose stored
 * payload is not in memory). */
TENSORIO_API tio_status tio_tensor_stored_bytes(const tio_tensor* tensor, const void** data,
                                                uint64_t* size);

/* ---------------------------------------------------------------------------------------------
 * Metadata. */

/* Number of string metadata pairs: safetensors' __metadata__, gguf's string-valued keys; 0 for
 * npy and npz (and a NULL archive). Never fails; does not change the last error. */
TENSORIO_API size_t tio_archive_string_metadata_count(const tio_archive* archive);
/* The pair at `index` (file order). `key` and `value` are NUL-terminated and borrowed: valid
 * while the archive lives. `key_length` and `value_length` may be NULL; when given they
 * receive the byte lengths (values may contain NUL bytes). On failure all given outputs are
 * cleared. Fails: TIO_ERR_INVALID_ARGUMENT (NULL archive/key/value, index out of range). */
TENSORIO_API tio_status tio_archive_string_metadata(const tio_archive* archive, size_t index,
                                                    const char** key, size_t* key_length,
                                                    const char** value, size_t* value_length);
/* The format's full metadata as one JSON object, in a new string the caller frees with
 * tio_string_free (gguf: every key with its typed value; arrays longer than 16 elements are
 * summarized as {"type": ..., "count": N} unless `full` is nonzero). On failure `*json` is NULL.
 * Fails: TIO_ERR_INVALID_ARGUMENT (NULL argument), TIO_ERR_OUT_OF_MEMORY. */
TENSORIO_API tio_status tio_archive_metadata_json(const tio_archive* archive, int full,
                                                  char** json);
/* Number of notes: things a user should know that are not errors (an npz member that is not
 * .npy, bytes after an npy payload, ...). Never fails; does not change the last error. */
TENSORIO_API size_t tio_archive_note_count(const tio_archive* archive);
/* The note at `index`, NUL-terminated and borrowed: valid while the archive lives. On failure
 * `*note` is NULL. Fails: TIO_ERR_INVALID_ARGUMENT (NULL argument, index out of range). */
TENSORIO_API tio_status tio_archive_note(const tio_archive* archive, size_t index,
                                         const char** note);

/* ---------------------------------------------------------------------------------------------
 * Verification. */

/* The problems found by tio_verify; release with tio_problems_free. */
typedef struct tio_problems tio_problems;

/* Reads every payload of the archive in full (inflating, byte-swapping, checking CRC-32s where
 * the format has them) and collects every problem instead of stopping at the first. A file
 * with problems is still a success: `*problems` then has a nonzero count. On failure
 * `*problems` is NULL. Fails: TIO_ERR_INVALID_ARGUMENT (NULL argument), TIO_ERR_OUT_OF_MEMORY. */
TENSORIO_API tio_status tio_verify(const tio_archive* archive, tio_problems** problems);
/* Number of problems found (0: the file is sound; also 0 for NULL). Never fails. */
TENSORIO_API size_t tio_problems_count(const tio_problems* problems);
/* Problem `index`: the tensor (or member) it concerns ("" when it is about the whole file) and
 * its message, both borrowed: valid while `problems` lives. On failure both are NULL.
 * Fails: TIO_ERR_INVALID_ARGUMENT (NULL argument, index out of range). */
TENSORIO_API tio_status tio_problems_get(const tio_problems* problems, size_t index,
                                         const char** tensor, const char** message);
/* Releases a problem list. NULL is ignored. */
TENSORIO_API void tio_problems_free(tio_problems* problems);

/* ---------------------------------------------------------------------------------------------
 * Saving. */

/* One tensor to save: `nbytes` bytes at `data`, in native byte order and C order, of a tensor
 * of `dtype` with `ndim` dimensions `shape` (outermost first). `nbytes` must equal the byte
 * size of the shape in `dtype`'s blocks. The bytes are only read, during the save call. */
typedef struct tio_tensor_desc {
  const char* name; /* NUL-terminated; "" is a valid name (npz member ".npy") */
  tio_dtype dtype;
  size_t ndim;
  const uint64_t* shape; /* may be NULL when ndim is 0 */
  const void* data;      /* may be NULL when nbytes is 0 */
  uint64_t nbytes;
} tio_tensor_desc;

/* One string metadata pair (NUL-terminated key and value). */
typedef struct tio_string_pair {
  const char* key;
  const char* value;
} tio_string_pair;

/* Options of tio_save. Fill with tio_save_options_init() and change fields afterwards; NULL
 * instead of options means the defaults. `sizeof_options` as for tio_open_options. */
typedef struct tio_save_options {
  size_t sizeof_options;
  size_t buffer_bytes;     /* size of each aligned write buffer (default 4 MiB) */
  int fsync;               /* fsync the file before it replaces the target (default 0) */
  int compress;            /* npz: DEFLATE members, as numpy.savez_compressed (default 0) */
  int compression_level;   /* npz: libdeflate level 0..12 (default 6) */
  unsigned threads;        /* npz: compression threads, 0 = hardware concurrency (default 0) */
  uint64_t max_shard_size; /* sharded safetensors: largest shard in bytes (default 5e9) */
  const tio_string_pair* metadata; /* safetensors __metadata__, gguf string keys (default none) */
  size_t metadata_count;
} tio_save_options;

/* Fills `options` with the defaults (the C++ SaveOptions defaults) and sets sizeof_options.
 * NULL is ignored. */
TENSORIO_API void tio_save_options_init(tio_save_options* options);

/* Saves `count` tensors to `path` in the format of its extension (.npy .npz .safetensors
 * .gguf; a name ending in .safetensors.index.json writes a sharded checkpoint next to the
 * index; a path without an extension gets ".npy" appended). The save is atomic: the data goes
 * to a temporary file that replaces the target only once complete; on failure the target is
 * untouched and the temporary file removed. `tensors` may be NULL when `count` is 0. `options`
 * may be NULL (defaults). If `written_path` is not NULL it receives, on success, the path
 * actually written as a new string (free with tio_string_free), and NULL on failure.
 * Fails: TIO_ERR_INVALID_ARGUMENT (NULL path, NULL tensors with a nonzero count, a tensor
 * with a NULL name, a NULL shape with nonzero ndim, NULL data with nonzero nbytes,
 * nbytes not matching the shape, bad sizeof_options, a NULL metadata key or value, an npz
 * compression level outside 0..12), TIO_ERR_UNKNOWN_DTYPE (a dtype value that is not a
 * tio_dtype), TIO_ERR_UNKNOWN_FORMAT (an unknown extension), TIO_ERR_UNREPRESENTABLE (the
 * format cannot hold the tensors: not exactly one tensor for .npy, a dtype the format has no
 * code for), TIO_ERR_DUPLICATE_NAME, TIO_ERR_IO_ERROR, TIO_ERR_OUT_OF_MEMORY. */
TENSORIO_API tio_status tio_save(const char* path, const tio_tensor_desc* tensors, size_t count,
                                 const tio_save_options* options, char** written_path);

#ifdef __cplusplus
} /* extern "C" */
#endif

#undef TIO_ENUM_INT

#endif /* TENSORIO_TENSORIO_H */
