/* The C API's test, compiled as C11 so that tensorio/tensorio.h is checked as a C header. It
 * calls every function of the header, on success and on every failure the header documents,
 * and checks the thread's last error after each call.
 *
 * Usage: c_api_test CORPUS_DIR WORK_DIR
 *   CORPUS_DIR  tests/corpus (bad safetensors files name their expected status)
 *   WORK_DIR    a directory for the files the test writes (created if missing)
 * Exits 0 when every check passed, 1 (after listing each failed check) otherwise. */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <limits.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <threads.h>
#include <unistd.h>

#include "tensorio/tensorio.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static int g_checks;
static int g_failures;
static const char* g_corpus;
static const char* g_work;

static void report_failure(const char* file, int line, const char* what) {
  fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what);
  ++g_failures;
}

#define CHECK(cond)                                                      \
  do {                                                                   \
    ++g_checks;                                                          \
    if (!(cond)) report_failure(__FILE__, __LINE__, "CHECK(" #cond ")"); \
  } while (0)

#define CHECK_STR(actual, expected)                                                         \
  do {                                                                                      \
    const char* a_ = (actual);                                                              \
    const char* e_ = (expected);                                                            \
    ++g_checks;                                                                             \
    if (a_ == NULL || strcmp(a_, e_) != 0) {                                                \
      fprintf(stderr, "%s:%d: FAILED: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
              #actual, a_ ? a_ : "(null)", e_);                                             \
      ++g_failures;                                                                         \
    }                                                                                       \
  } while (0)

/* The call must return `expected`, the thread's last error must agree with it, and its message
 * must be empty exactly on success and contain `fragment` (when not NULL) on failure. */
static void check_status(const char* file, int line, const char* call, tio_status got,
                         tio_status expected, const char* fragment) {
  const char* message = tio_last_error_message();
  ++g_checks;
  if (got != expected) {
    fprintf(stderr, "%s:%d: FAILED: %s returned %s (\"%s\"), expected %s\n", file, line, call,
            tio_status_name(got), message, tio_status_name(expected));
    ++g_failures;
    return;
  }
  if (tio_last_error_code() != got) {
    fprintf(stderr, "%s:%d: FAILED: after %s the last error is %s, expected %s\n", file, line, call,
            tio_status_name(tio_last_error_code()), tio_status_name(got));
    ++g_failures;
  }
  if (message == NULL || (got == TIO_OK) != (message[0] == '\0')) {
    fprintf(stderr, "%s:%d: FAILED: after %s (%s) the last message is \"%s\"\n", file, line, call,
            tio_status_name(got), message ? message : "(null)");
    ++g_failures;
  }
  if (fragment != NULL && (message == NULL || strstr(message, fragment) == NULL)) {
    fprintf(stderr, "%s:%d: FAILED: the message of %s, \"%s\", does not mention \"%s\"\n", file,
            line, call, message ? message : "(null)", fragment);
    ++g_failures;
  }
}

#define EXPECT_OK(call) check_status(__FILE__, __LINE__, #call, (call), TIO_OK, NULL)
#define EXPECT_ERR(call, code, fragment) \
  check_status(__FILE__, __LINE__, #call, (call), (code), (fragment))

/* ---- Files ---------------------------------------------------------------------------------- */

static char* path_in(const char* dir, const char* name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char* p = malloc(n);
  if (p == NULL) abort();
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

static char* work_path(const char* name) { return path_in(g_work, name); }

static void write_file(const char* path, const void* data, size_t size) {
  FILE* f = fopen(path, "wb");
  if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
    fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
    exit(1);
  }
}

static unsigned char* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "cannot read %s: %s\n", path, strerror(errno));
    exit(1);
  }
  unsigned char* data = NULL;
  size_t used = 0, capacity = 0;
  for (;;) {
    if (used == capacity) {
      capacity = capacity ? capacity * 2 : 4096;
      data = realloc(data, capacity);
      if (data == NULL) abort();
    }
    size_t got = fread(data + used, 1, capacity - used, f);
    used += got;
    if (got == 0) break;
  }
  fclose(f);
  *size = used;
  return data;
}

static void flip_byte(const char* path, uint64_t offset) {
  size_t size;
  unsigned char* data = read_file(path, &size);
  if (offset >= size) {
    fprintf(stderr, "flip_byte: offset %llu past the end of %s\n", (unsigned long long)offset,
            path);
    exit(1);
  }
  data[offset] ^= 0xff;
  write_file(path, data, size);
  free(data);
}

static int file_exists(const char* path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* ---- Sample tensors ------------------------------------------------------------------------- */

static const float k_weights[6] = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};
static const uint64_t k_weights_shape[2] = {2, 3};
static const int64_t k_ids[4] = {10, -20, 30, -40};
static const uint64_t k_ids_shape[1] = {4};

static tio_tensor_desc weights_desc(void) {
  tio_tensor_desc d = {"weights",       TIO_DTYPE_FLOAT32, 2,
                       k_weights_shape, k_weights,         sizeof k_weights};
  return d;
}

static tio_tensor_desc ids_desc(void) {
  tio_tensor_desc d = {"ids", TIO_DTYPE_INT64, 1, k_ids_shape, k_ids, sizeof k_ids};
  return d;
}

/* Checks that `tensor` is `desc`, in name, dtype, shape, size and bytes. */
static void check_tensor_is_at(int line, const tio_tensor* tensor, const tio_tensor_desc* desc) {
  int failures_before = g_failures;
  size_t name_length = 0;
  CHECK_STR(tio_tensor_name(tensor, &name_length), desc->name);
  CHECK(name_length == strlen(desc->name));
  CHECK(tio_tensor_dtype(tensor) == desc->dtype);
  CHECK(tio_tensor_ndim(tensor) == desc->ndim);
  const uint64_t* shape = tio_tensor_shape(tensor);
  uint64_t elements = 1;
  for (size_t i = 0; i < desc->ndim; ++i) {
    CHECK(shape != NULL && shape[i] == desc->shape[i]);
    elements *= desc->shape[i];
  }
  CHECK(tio_tensor_num_elements(tensor) == elements);
  CHECK(tio_tensor_nbytes(tensor) == desc->nbytes);
  const void* data = NULL;
  uint64_t size = 0;
  EXPECT_OK(tio_tensor_data(tensor, &data, &size));
  CHECK(size == desc->nbytes);
  CHECK(data != NULL && memcmp(data, desc->data, desc->nbytes) == 0);
  if (g_failures != failures_before)
    fprintf(stderr, "  (in the tensor checked at line %d)\n", line);
}
#define check_tensor_is(tensor, desc) check_tensor_is_at(__LINE__, (tensor), (desc))

/* Saves `count` tensors to WORK_DIR/name and returns the written path (caller frees). */
static char* save_sample(const char* name, const tio_tensor_desc* tensors, size_t count,
                         const tio_save_options* options) {
  char* path = work_path(name);
  char* written = NULL;
  EXPECT_OK(tio_save(path, tensors, count, options, &written));
  CHECK(written != NULL && strcmp(written, path) == 0);
  tio_string_free(written);
  return path;
}

/* ---- Errors, names, dtypes, formats --------------------------------------------------------- */

static void test_status_names(void) {
  CHECK_STR(tio_status_name(TIO_OK), "ok");
  CHECK_STR(tio_status_name(TIO_ERR_IO_ERROR), "io_error");
  CHECK_STR(tio_status_name(TIO_ERR_TRUNCATED), "truncated");
  CHECK_STR(tio_status_name(TIO_ERR_TRAILING_BYTES), "trailing_bytes");
  CHECK_STR(tio_status_name(TIO_ERR_OUT_OF_MEMORY), "out_of_memory");
  CHECK_STR(tio_status_name(TIO_ERR_INTERNAL), "internal");
  CHECK_STR(tio_status_name((tio_status)38), "unknown");
  CHECK_STR(tio_status_name((tio_status)-1), "unknown");
  CHECK_STR(tio_status_message(TIO_OK), "no error");
  CHECK_STR(tio_status_message(TIO_ERR_TRUNCATED), "the file ends before a structure it declares");
  CHECK_STR(tio_status_message(TIO_ERR_OUT_OF_MEMORY), "an allocation inside the library failed");
  CHECK_STR(tio_status_message(TIO_ERR_INTERNAL), "an unexpected failure inside tensorio");
  CHECK_STR(tio_status_message((tio_status)999), "unknown status");
  /* Every mirrored code has a name and a message of its own. */
  CHECK_STR(tio_status_name(TIO_ERR_OPAQUE_DTYPE), "opaque_dtype");
  CHECK_STR(tio_status_name(TIO_ERR_OBJECT_DTYPE), "object_dtype");
  for (int code = TIO_ERR_IO_ERROR; code <= TIO_ERR_OBJECT_DTYPE; ++code) {
    const char* name = tio_status_name((tio_status)code);
    CHECK(name != NULL && strcmp(name, "unknown") != 0 && strcmp(name, "ok") != 0);
    const char* message = tio_status_message((tio_status)code);
    CHECK(message != NULL && strcmp(message, "unknown status") != 0 && message[0] != '\0');
    if (code > TIO_ERR_IO_ERROR) CHECK(strcmp(name, tio_status_name((tio_status)(code - 1))) != 0);
  }
}

static void test_dtypes(void) {
  CHECK_STR(tio_dtype_name(TIO_DTYPE_BOOL), "bool");
  CHECK_STR(tio_dtype_name(TIO_DTYPE_FLOAT32), "float32");
  CHECK_STR(tio_dtype_name(TIO_DTYPE_BFLOAT16), "bfloat16");
  CHECK_STR(tio_dtype_name(TIO_DTYPE_Q4_K), "q4_k");
  CHECK_STR(tio_dtype_name(TIO_DTYPE_Q2_0), "q2_0");
  CHECK(tio_dtype_name(TIO_DTYPE_COUNT) == NULL);
  CHECK(tio_dtype_name((tio_dtype)-1) == NULL);

  /* Every dtype's name leads back to it, except opaque's, which names no element type. */
  CHECK_STR(tio_dtype_name(TIO_DTYPE_OPAQUE), "opaque");
  for (int d = 0; d < TIO_DTYPE_COUNT; ++d) {
    if (d == TIO_DTYPE_OPAQUE) continue;
    tio_dtype back = TIO_DTYPE_COUNT;
    EXPECT_OK(tio_dtype_from_name(tio_dtype_name((tio_dtype)d), &back));
    CHECK(back == (tio_dtype)d);
  }
  tio_dtype out = TIO_DTYPE_INT8;
  EXPECT_ERR(tio_dtype_from_name("float33", &out), TIO_ERR_UNKNOWN_DTYPE, "'float33'");
  CHECK(out == TIO_DTYPE_COUNT);
  EXPECT_ERR(tio_dtype_from_name("Float32", &out), TIO_ERR_UNKNOWN_DTYPE, "'Float32'");
  EXPECT_ERR(tio_dtype_from_name("opaque", &out), TIO_ERR_UNKNOWN_DTYPE, "'opaque'");
  EXPECT_ERR(tio_dtype_from_name(NULL, &out), TIO_ERR_INVALID_ARGUMENT, "found NULL");
  EXPECT_ERR(tio_dtype_from_name("float32", NULL), TIO_ERR_INVALID_ARGUMENT, "found NULL");

  uint32_t elements = 99, bytes = 99;
  EXPECT_OK(tio_dtype_block(TIO_DTYPE_FLOAT32, &elements, &bytes));
  CHECK(elements == 1 && bytes == 4);
  EXPECT_OK(tio_dtype_block(TIO_DTYPE_Q4_0, &elements, &bytes));
  CHECK(elements == 32 && bytes == 18);
  EXPECT_OK(tio_dtype_block(TIO_DTYPE_FLOAT6_E2M3FN, &elements, &bytes));
  CHECK(elements == 4 && bytes == 3);
  EXPECT_ERR(tio_dtype_block(TIO_DTYPE_COUNT, &elements, &bytes), TIO_ERR_UNKNOWN_DTYPE, "51");
  CHECK(elements == 0 && bytes == 0);
  EXPECT_ERR(tio_dtype_block(TIO_DTYPE_OPAQUE, &elements, &bytes), TIO_ERR_OPAQUE_DTYPE,
             "tio_tensor_nbytes");
  CHECK(elements == 0 && bytes == 0);
  EXPECT_ERR(tio_dtype_block(TIO_DTYPE_INT8, NULL, &bytes), TIO_ERR_INVALID_ARGUMENT, NULL);
  EXPECT_ERR(tio_dtype_block(TIO_DTYPE_INT8, &elements, NULL), TIO_ERR_INVALID_ARGUMENT, NULL);
}

static void test_formats(void) {
  CHECK_STR(tio_format_name(TIO_FORMAT_NPY), "npy");
  CHECK_STR(tio_format_name(TIO_FORMAT_NPZ), "npz");
  CHECK_STR(tio_format_name(TIO_FORMAT_SAFETENSORS), "safetensors");
  CHECK_STR(tio_format_name(TIO_FORMAT_GGUF), "gguf");
  CHECK(tio_format_name(TIO_FORMAT_AUTO) == NULL);
  CHECK(tio_format_name((tio_format)4) == NULL);

  tio_format f = TIO_FORMAT_AUTO;
  EXPECT_OK(tio_format_from_path("dir/a.NPZ", &f));
  CHECK(f == TIO_FORMAT_NPZ);
  EXPECT_OK(tio_format_from_path("model.safetensors.index.json", &f));
  CHECK(f == TIO_FORMAT_SAFETENSORS);
  EXPECT_OK(tio_format_from_path("m.gguf", &f));
  CHECK(f == TIO_FORMAT_GGUF);
  EXPECT_ERR(tio_format_from_path("notes.txt", &f), TIO_ERR_UNKNOWN_FORMAT, "'.txt'");
  CHECK(f == TIO_FORMAT_AUTO);
  EXPECT_ERR(tio_format_from_path(NULL, &f), TIO_ERR_INVALID_ARGUMENT, "found NULL");
  EXPECT_ERR(tio_format_from_path("a.npy", NULL), TIO_ERR_INVALID_ARGUMENT, "found NULL");
}

static void test_options_init(void) {
  tio_open_options o;
  memset(&o, 0xab, sizeof o);
  tio_open_options_init(&o);
  CHECK(o.sizeof_options == sizeof o);
  CHECK(o.access == TIO_ACCESS_MMAP);
  CHECK(o.verify_crc_on_access == 0 && o.gguf_mlx_quantized == 0 && o.open_threads == 0);
  CHECK(o.map_next_view == 1);
  CHECK(o.limits.max_dims == 64 && o.limits.max_gguf_dims == 4);
  CHECK(o.limits.max_header_bytes == 100000000u);
  tio_open_options_init(NULL);

  tio_save_options s;
  memset(&s, 0xab, sizeof s);
  tio_save_options_init(&s);
  CHECK(s.sizeof_options == sizeof s);
  CHECK(s.compress == 0 && s.compression_level == 6 && s.fsync == 0 && s.threads == 0);
  CHECK(s.buffer_bytes == (size_t)4 << 20);
  CHECK(s.max_shard_size == 5000000000ull);
  CHECK(s.metadata == NULL && s.metadata_count == 0);
  tio_save_options_init(NULL);
}

/* The free functions accept NULL; accessors given NULL return neutral values and leave the
 * last error alone. */
static void test_null_handles(void) {
  tio_archive_free(NULL);
  tio_tensor_free(NULL);
  tio_problems_free(NULL);
  tio_string_free(NULL);

  EXPECT_ERR(tio_archive_tensor(NULL, 0, NULL), TIO_ERR_INVALID_ARGUMENT, "tio_archive_tensor");
  size_t length = 7;
  CHECK(tio_archive_format(NULL) == TIO_FORMAT_AUTO);
  CHECK(tio_archive_path(NULL) == NULL);
  CHECK(tio_archive_file_size(NULL) == 0);
  CHECK(tio_archive_tensor_count(NULL) == 0);
  CHECK(tio_archive_string_metadata_count(NULL) == 0);
  CHECK(tio_archive_note_count(NULL) == 0);
  CHECK(tio_tensor_name(NULL, &length) == NULL && length == 0);
  CHECK(tio_tensor_name(NULL, NULL) == NULL);
  CHECK(tio_tensor_dtype(NULL) == TIO_DTYPE_COUNT);
  CHECK(tio_tensor_ndim(NULL) == 0);
  CHECK(tio_tensor_shape(NULL) == NULL);
  CHECK(tio_tensor_num_elements(NULL) == 0);
  CHECK(tio_tensor_nbytes(NULL) == 0);
  CHECK(tio_tensor_file_offset(NULL) == 0);
  CHECK(tio_tensor_zero_copy(NULL) == 0);
  CHECK(tio_problems_count(NULL) == 0);
  /* None of the above touched the error of the failed call before them. */
  CHECK(tio_last_error_code() == TIO_ERR_INVALID_ARGUMENT);
  CHECK(strstr(tio_last_error_message(), "tio_archive_tensor") != NULL);

  const void* data = &length;
  uint64_t size = 9;
  const char* text = "x";
  const char* text2 = "y";
  tio_tensor* tensor = (tio_tensor*)&length;
  tio_problems* problems = (tio_problems*)&length;
  char* json = (char*)"x";
  EXPECT_ERR(tio_tensor_data(NULL, &data, &size), TIO_ERR_INVALID_ARGUMENT, "a tensor");
  CHECK(data == NULL && size == 0);
  EXPECT_ERR(tio_tensor_stored_bytes(NULL, &data, &size), TIO_ERR_INVALID_ARGUMENT, "a tensor");
  EXPECT_ERR(tio_archive_find(NULL, "w", &tensor), TIO_ERR_INVALID_ARGUMENT, "an archive");
  CHECK(tensor == NULL);
  EXPECT_ERR(tio_archive_string_metadata(NULL, 0, &text, NULL, &text2, NULL),
             TIO_ERR_INVALID_ARGUMENT, "an archive");
  CHECK(text == NULL && text2 == NULL);
  EXPECT_ERR(tio_archive_metadata_json(NULL, 0, &json), TIO_ERR_INVALID_ARGUMENT, "an archive");
  CHECK(json == NULL);
  text = "x";
  EXPECT_ERR(tio_archive_note(NULL, 0, &text), TIO_ERR_INVALID_ARGUMENT, "an archive");
  CHECK(text == NULL);
  EXPECT_ERR(tio_verify(NULL, &problems), TIO_ERR_INVALID_ARGUMENT, "an archive");
  CHECK(problems == NULL);
  EXPECT_ERR(tio_problems_get(NULL, 0, &text, &text2), TIO_ERR_INVALID_ARGUMENT, "a problem list");
}

/* ---- Per-thread last error ------------------------------------------------------------------ */

static int other_thread(void* arg) {
  int* ok = arg;
  /* A new thread starts clean, whatever the main thread did. */
  *ok = tio_last_error_code() == TIO_OK && tio_last_error_message()[0] == '\0';
  tio_format f;
  *ok = *ok && tio_format_from_path("x.bin", &f) == TIO_ERR_UNKNOWN_FORMAT &&
        tio_last_error_code() == TIO_ERR_UNKNOWN_FORMAT &&
        strstr(tio_last_error_message(), "x.bin") != NULL;
  return 0;
}

static void test_thread_local_errors(void) {
  tio_dtype d;
  EXPECT_ERR(tio_dtype_from_name("main-thread-name", &d), TIO_ERR_UNKNOWN_DTYPE,
             "main-thread-name");
  thrd_t thread;
  int ok = 0;
  CHECK(thrd_create(&thread, other_thread, &ok) == thrd_success);
  CHECK(thrd_join(thread, NULL) == thrd_success);
  CHECK(ok == 1);
  /* The other thread's failure did not replace this thread's. */
  CHECK(tio_last_error_code() == TIO_ERR_UNKNOWN_DTYPE);
  CHECK(strstr(tio_last_error_message(), "main-thread-name") != NULL);
  /* A success resets it. */
  EXPECT_OK(tio_dtype_from_name("int8", &d));
  CHECK_STR(tio_last_error_message(), "");
}

/* ---- Save and open each format -------------------------------------------------------------- */

static void check_archive_round_trip(const char* path, tio_format format) {
  tio_archive* a = NULL;
  EXPECT_OK(tio_open(path, TIO_FORMAT_AUTO, NULL, &a));
  if (a == NULL) return;
  CHECK(tio_archive_format(a) == format);
  CHECK_STR(tio_archive_path(a), path);
  struct stat st;
  CHECK(stat(path, &st) == 0 && tio_archive_file_size(a) == (uint64_t)st.st_size);
  CHECK(tio_archive_tensor_count(a) == 2);

  /* Formats may store tensors in another order than given (safetensors sorts them): match by
   * name, and check that file order is offset order. */
  tio_tensor_desc w = weights_desc(), ids = ids_desc();
  tio_tensor* t0 = NULL;
  tio_tensor* t1 = NULL;
  EXPECT_OK(tio_archive_tensor(a, 0, &t0));
  EXPECT_OK(tio_archive_tensor(a, 1, &t1));
  CHECK(tio_tensor_file_offset(t0) > 0 && tio_tensor_file_offset(t0) < tio_archive_file_size(a));
  CHECK(tio_tensor_file_offset(t1) > tio_tensor_file_offset(t0));
  if (strcmp(tio_tensor_name(t0, NULL), "weights") != 0) {
    tio_tensor* swap = t0;
    t0 = t1;
    t1 = swap;
  }
  check_tensor_is(t0, &w);
  check_tensor_is(t1, &ids);

  tio_tensor* found = NULL;
  EXPECT_OK(tio_archive_find(a, "ids", &found));
  const void* d1 = NULL;
  const void* d2 = NULL;
  uint64_t s1 = 0, s2 = 0;
  EXPECT_OK(tio_tensor_data(t1, &d1, &s1));
  EXPECT_OK(tio_tensor_data(found, &d2, &s2));
  CHECK(d1 == d2 && s1 == s2); /* two handles of one tensor share its payload */
  tio_tensor_free(found);

  tio_tensor* missing = (tio_tensor*)&w;
  EXPECT_ERR(tio_archive_find(a, "no_such_tensor", &missing), TIO_ERR_NOT_FOUND, "no_such_tensor");
  CHECK(missing == NULL);
  EXPECT_ERR(tio_archive_find(a, NULL, &missing), TIO_ERR_INVALID_ARGUMENT, "a name");
  EXPECT_ERR(tio_archive_find(a, "ids", NULL), TIO_ERR_INVALID_ARGUMENT, "a tensor output");
  tio_tensor* out_of_range = (tio_tensor*)&w;
  EXPECT_ERR(tio_archive_tensor(a, 2, &out_of_range), TIO_ERR_INVALID_ARGUMENT,
             "index below 2, found 2");
  CHECK(out_of_range == NULL);
  EXPECT_ERR(tio_archive_tensor(a, 0, NULL), TIO_ERR_INVALID_ARGUMENT, "a tensor output");

  /* Data outlives the archive while a tensor handle holds the file. */
  tio_archive_free(a);
  const void* data = NULL;
  uint64_t size = 0;
  EXPECT_OK(tio_tensor_data(t0, &data, &size));
  CHECK(size == sizeof k_weights && memcmp(data, k_weights, size) == 0);
  EXPECT_ERR(tio_tensor_data(t0, NULL, &size), TIO_ERR_INVALID_ARGUMENT, "a data output");
  EXPECT_ERR(tio_tensor_data(t0, &data, NULL), TIO_ERR_INVALID_ARGUMENT, "a size output");
  CHECK(data == NULL);
  tio_tensor_free(t0);
  tio_tensor_free(t1);
}

static void test_save_and_open(void) {
  tio_tensor_desc both[2] = {weights_desc(), ids_desc()};

  char* npz = save_sample("pair.npz", both, 2, NULL);
  check_archive_round_trip(npz, TIO_FORMAT_NPZ);

  tio_save_options compressed;
  tio_save_options_init(&compressed);
  compressed.compress = 1;
  compressed.compression_level = 9;
  compressed.threads = 2;
  char* npz_deflated = save_sample("pair_deflated.npz", both, 2, &compressed);
  check_archive_round_trip(npz_deflated, TIO_FORMAT_NPZ);

  tio_string_pair metadata[2] = {{"format", "pt"}, {"author", "c_api_test"}};
  tio_save_options with_metadata;
  tio_save_options_init(&with_metadata);
  with_metadata.metadata = metadata;
  with_metadata.metadata_count = 2;
  with_metadata.fsync = 1;
  with_metadata.buffer_bytes = 1 << 16;
  char* st = save_sample("pair.safetensors", both, 2, &with_metadata);
  check_archive_round_trip(st, TIO_FORMAT_SAFETENSORS);
  char* gguf = save_sample("pair.gguf", both, 2, &with_metadata);
  check_archive_round_trip(gguf, TIO_FORMAT_GGUF);

  /* Payloads of stored formats are zero-copy, deflated ones are not, and the stored bytes of a
   * deflated member are its compressed stream. */
  tio_archive* a = NULL;
  tio_tensor* t = NULL;
  const void* data = NULL;
  uint64_t size = 0;
  EXPECT_OK(tio_open(st, TIO_FORMAT_AUTO, NULL, &a));
  EXPECT_OK(tio_archive_find(a, "weights", &t));
  CHECK(tio_tensor_zero_copy(t) == 1);
  EXPECT_OK(tio_tensor_stored_bytes(t, &data, &size));
  CHECK(size == sizeof k_weights && memcmp(data, k_weights, size) == 0);
  tio_tensor_free(t);
  tio_archive_free(a);
  EXPECT_OK(tio_open(npz_deflated, TIO_FORMAT_AUTO, NULL, &a));
  EXPECT_OK(tio_archive_find(a, "weights", &t));
  CHECK(tio_tensor_zero_copy(t) == 0);
  EXPECT_OK(tio_tensor_stored_bytes(t, &data, &size));
  CHECK(size > 0 && data != NULL && size != sizeof k_weights);
  EXPECT_ERR(tio_tensor_stored_bytes(t, NULL, &size), TIO_ERR_INVALID_ARGUMENT, "a data output");
  EXPECT_ERR(tio_tensor_stored_bytes(t, &data, NULL), TIO_ERR_INVALID_ARGUMENT, "a size output");
  tio_tensor_free(t);
  tio_archive_free(a);

  /* One tensor to .npy, and a path without an extension gets ".npy". */
  tio_tensor_desc w = weights_desc();
  char* npy = save_sample("weights.npy", &w, 1, NULL);
  char* bare = work_path("bare");
  char* written = NULL;
  EXPECT_OK(tio_save(bare, &w, 1, NULL, &written));
  CHECK(written != NULL && strlen(written) == strlen(bare) + 4 &&
        strcmp(written + strlen(bare), ".npy") == 0);
  EXPECT_OK(tio_save(bare, &w, 1, NULL, NULL)); /* the written path is optional */
  EXPECT_OK(tio_open(written, TIO_FORMAT_AUTO, NULL, &a));
  CHECK(tio_archive_format(a) == TIO_FORMAT_NPY);
  EXPECT_OK(tio_archive_tensor(a, 0, &t));
  CHECK_STR(tio_tensor_name(t, NULL), "bare"); /* npy: named after the file */
  tio_tensor_free(t);
  tio_archive_free(a);
  tio_string_free(written);
  free(bare);

  /* A scalar (0-d) tensor with no shape array. */
  const double pi = 3.25;
  tio_tensor_desc scalar = {"pi", TIO_DTYPE_FLOAT64, 0, NULL, &pi, sizeof pi};
  char* scalar_path = save_sample("scalar.safetensors", &scalar, 1, NULL);
  EXPECT_OK(tio_open(scalar_path, TIO_FORMAT_AUTO, NULL, &a));
  EXPECT_OK(tio_archive_find(a, "pi", &t));
  CHECK(tio_tensor_ndim(t) == 0 && tio_tensor_num_elements(t) == 1);
  check_tensor_is(t, &scalar);
  tio_tensor_free(t);
  tio_archive_free(a);

  /* A sharded safetensors checkpoint, opened through its index by extension and explicitly. */
  tio_save_options sharded;
  tio_save_options_init(&sharded);
  sharded.max_shard_size = 16;
  char* index = save_sample("sharded.safetensors.index.json", both, 2, &sharded);
  EXPECT_OK(tio_open(index, TIO_FORMAT_AUTO, NULL, &a));
  CHECK(tio_archive_tensor_count(a) == 2);
  tio_archive_free(a);
  EXPECT_OK(tio_open(index, TIO_FORMAT_SAFETENSORS, NULL, &a));
  CHECK(tio_archive_tensor_count(a) == 2 && tio_archive_format(a) == TIO_FORMAT_SAFETENSORS);
  EXPECT_OK(tio_archive_find(a, "ids", &t));
  check_tensor_is(t, &both[1]);
  tio_tensor_free(t);
  tio_archive_free(a);

  free(npz);
  free(npz_deflated);
  free(st);
  free(gguf);
  free(npy);
  free(scalar_path);
  free(index);
}

/* ---- Open: options and failures ------------------------------------------------------------- */

static void test_open_options_and_failures(void) {
  tio_tensor_desc both[2] = {weights_desc(), ids_desc()};
  char* npz = save_sample("open.npz", both, 2, NULL);
  tio_archive* a = (tio_archive*)npz;

  EXPECT_ERR(tio_open(NULL, TIO_FORMAT_AUTO, NULL, &a), TIO_ERR_INVALID_ARGUMENT, "a path");
  CHECK(a == NULL);
  EXPECT_ERR(tio_open(npz, TIO_FORMAT_AUTO, NULL, NULL), TIO_ERR_INVALID_ARGUMENT,
             "an archive output");
  EXPECT_ERR(tio_open(npz, (tio_format)7, NULL, &a), TIO_ERR_INVALID_ARGUMENT, "found 7");

  tio_open_options o;
  tio_open_options_init(&o);
  o.sizeof_options = 3;
  EXPECT_ERR(tio_open(npz, TIO_FORMAT_AUTO, &o, &a), TIO_ERR_INVALID_ARGUMENT, "sizeof_options");
  tio_open_options_init(&o);
  o.access = (tio_access)5;
  EXPECT_ERR(tio_open(npz, TIO_FORMAT_AUTO, &o, &a), TIO_ERR_INVALID_ARGUMENT, "access");

  /* Limits apply. */
  tio_open_options_init(&o);
  o.limits.max_tensors = 1;
  EXPECT_ERR(tio_open(npz, TIO_FORMAT_AUTO, &o, &a), TIO_ERR_LIMIT_EXCEEDED, npz);
  CHECK(a == NULL);

  /* Every other option, set to its non-default. */
  tio_open_options_init(&o);
  o.access = TIO_ACCESS_PREAD;
  o.verify_crc_on_access = 1;
  o.open_threads = 1;
  o.map_next_view = 0;
  EXPECT_OK(tio_open(npz, TIO_FORMAT_AUTO, &o, &a));
  tio_tensor* t = NULL;
  EXPECT_OK(tio_archive_find(a, "weights", &t));
  CHECK(tio_tensor_zero_copy(t) == 0); /* pread: an owned copy */
  check_tensor_is(t, &both[0]);
  tio_tensor_free(t);
  tio_archive_free(a);

  /* Missing file, unknown extension, explicit format whatever the name, bad magic. */
  char* missing = work_path("does_not_exist.npz");
  EXPECT_ERR(tio_open(missing, TIO_FORMAT_AUTO, NULL, &a), TIO_ERR_FILE_NOT_FOUND,
             "does_not_exist.npz");
  CHECK(a == NULL);
  char* renamed = work_path("npz_bytes.bin");
  size_t size = 0;
  unsigned char* bytes = read_file(npz, &size);
  write_file(renamed, bytes, size);
  EXPECT_ERR(tio_open(renamed, TIO_FORMAT_AUTO, NULL, &a), TIO_ERR_UNKNOWN_FORMAT, "'.bin'");
  EXPECT_OK(tio_open(renamed, TIO_FORMAT_NPZ, NULL, &a));
  CHECK(tio_archive_tensor_count(a) == 2);
  tio_archive_free(a);
  EXPECT_ERR(tio_open(renamed, TIO_FORMAT_GGUF, NULL, &a), TIO_ERR_BAD_MAGIC, "npz_bytes.bin");
  EXPECT_ERR(tio_open(renamed, TIO_FORMAT_NPY, NULL, &a), TIO_ERR_BAD_MAGIC, NULL);
  /* Read as safetensors, the zip signature is a header length far past any cap. */
  EXPECT_ERR(tio_open(renamed, TIO_FORMAT_SAFETENSORS, NULL, &a), TIO_ERR_HEADER_TOO_LARGE,
             "max_header_bytes");
  free(bytes);

  /* A directory is not a file: an I/O error names it. */
  char* dir = work_path("a_directory.npy");
  mkdir(dir, 0755);
  EXPECT_ERR(tio_open(dir, TIO_FORMAT_AUTO, NULL, &a), TIO_ERR_IO_ERROR, "a_directory.npy");

  free(dir);
  free(missing);
  free(renamed);
  free(npz);
}

/* Hand-made npy files, each malformed in one way, with the status it must give. */
static void write_npy(const char* name, const char* magic_and_version, size_t magic_length,
                      const char* dict, size_t payload_bytes, char** path_out) {
  unsigned char buffer[256];
  size_t n = 0;
  memcpy(buffer, magic_and_version, magic_length);
  n += magic_length;
  size_t dict_length = strlen(dict);
  size_t padded = dict_length + 1;
  while ((10 + padded) % 64 != 0) ++padded;
  buffer[n++] = (unsigned char)(padded & 0xff);
  buffer[n++] = (unsigned char)(padded >> 8);
  memcpy(buffer + n, dict, dict_length);
  n += dict_length;
  while (n < 10 + padded - 1) buffer[n++] = ' ';
  buffer[n++] = '\n';
  memset(buffer + n, 0x3f, payload_bytes);
  n += payload_bytes;
  *path_out = work_path(name);
  write_file(*path_out, buffer, n);
}

static void test_malformed_files(void) {
  static const char k_magic_v1[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
  static const char k_magic_v9[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 9, 0};
  const char* good_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }";
  tio_archive* a = NULL;
  char* path = NULL;

  write_npy("good.npy", k_magic_v1, 8, good_dict, 16, &path);
  EXPECT_OK(tio_open(path, TIO_FORMAT_AUTO, NULL, &a));
  CHECK(tio_archive_tensor_count(a) == 1);
  tio_archive_free(a);
  free(path);

  write_npy("short_payload.npy", k_magic_v1, 8, good_dict, 8, &path);
  EXPECT_ERR(tio_open(path, TIO_FORMAT_AUTO, NULL, &a), TIO_ERR_TRUNCATED, "short_payload.npy");
  CHECK(a == NULL);
  free(path);

  write_npy("misspelt_key.npy", k_magic_v1, 8,
            "{'descr': '<f4', 'fortran_order': False, 'shap': (4,), }", 16, &path);
  EXPECT_ERR(tio_open(path, TIO_FORMAT_AUTO, NULL, &a), TIO_ERR_BAD_HEADER, "'shap'");
  free(path);

  write_npy("version9.npy", k_magic_v9, 8, good_dict, 16, &path);
  EXPECT_ERR(tio_open(path, TIO_FORMAT_AUTO, NULL, &a), TIO_ERR_UNSUPPORTED_VERSION,
             "version9.npy");
  free(path);

  write_npy("object.npy", k_magic_v1, 8, "{'descr': '|O', 'fortran_order': False, 'shape': (4,), }",
            32, &path);
  EXPECT_ERR(tio_open(path, TIO_FORMAT_AUTO, NULL, &a), TIO_ERR_OBJECT_DTYPE, "object.npy");
  free(path);

  path = work_path("not_numpy.npy");
  const char text[] = "this is a text file, not an array at all, and it is long enough";
  write_file(path, text, sizeof text);
  EXPECT_ERR(tio_open(path, TIO_FORMAT_AUTO, NULL, &a), TIO_ERR_BAD_MAGIC, "not_numpy.npy");
  free(path);
}

/* Every bad safetensors file of the corpus is named after the status it must give, from a
 * file and from memory alike. */
static void test_safetensors_corpus(void) {
  char* dir_path = path_in(g_corpus, "safetensors/bad");
  DIR* dir = opendir(dir_path);
  CHECK(dir != NULL);
  if (dir == NULL) {
    free(dir_path);
    return;
  }
  int files = 0;
  struct dirent* entry;
  while ((entry = readdir(dir)) != NULL) {
    const char* name = entry->d_name;
    const char* separator = strstr(name, "__");
    if (name[0] == '.' || separator == NULL) continue;
    ++files;
    char expected[64];
    size_t n = (size_t)(separator - name);
    if (n >= sizeof expected) n = sizeof expected - 1;
    memcpy(expected, name, n);
    expected[n] = '\0';

    char* path = path_in(dir_path, name);
    tio_archive* a = NULL;
    tio_status got = tio_open(path, TIO_FORMAT_AUTO, NULL, &a);
    ++g_checks;
    if (strcmp(tio_status_name(got), expected) != 0 || a != NULL ||
        strstr(tio_last_error_message(), name) == NULL) {
      fprintf(stderr, "FAILED: opening %s gave %s (\"%s\"), expected %s\n", path,
              tio_status_name(got), tio_last_error_message(), expected);
      ++g_failures;
    }
    size_t size = 0;
    unsigned char* bytes = read_file(path, &size);
    got = tio_open_memory(bytes, size, TIO_FORMAT_SAFETENSORS, NULL, &a);
    ++g_checks;
    if (strcmp(tio_status_name(got), expected) != 0 || a != NULL ||
        strstr(tio_last_error_message(), "memory:") == NULL) {
      fprintf(stderr, "FAILED: opening %s from memory gave %s (\"%s\"), expected %s\n", path,
              tio_status_name(got), tio_last_error_message(), expected);
      ++g_failures;
    }
    free(bytes);
    free(path);
  }
  closedir(dir);
  CHECK(files > 20);
  free(dir_path);
}

/* ---- Open from memory ----------------------------------------------------------------------- */

static void test_open_memory(void) {
  tio_tensor_desc both[2] = {weights_desc(), ids_desc()};
  char* st = save_sample("memory.safetensors", both, 2, NULL);
  size_t size = 0;
  unsigned char* bytes = read_file(st, &size);

  tio_archive* a = NULL;
  EXPECT_OK(tio_open_memory(bytes, size, TIO_FORMAT_SAFETENSORS, NULL, &a));
  CHECK(tio_archive_format(a) == TIO_FORMAT_SAFETENSORS);
  CHECK(strncmp(tio_archive_path(a), "memory:", 7) == 0);
  CHECK(tio_archive_file_size(a) == size);
  CHECK(tio_archive_tensor_count(a) == 2);
  tio_tensor* t = NULL;
  EXPECT_OK(tio_archive_find(a, "weights", &t));
  check_tensor_is(t, &both[0]);
  const void* data = NULL;
  uint64_t nbytes = 0;
  EXPECT_OK(tio_tensor_data(t, &data, &nbytes));
  /* Borrowed from the caller's buffer, not copied. */
  CHECK((const unsigned char*)data >= bytes && (const unsigned char*)data + nbytes <= bytes + size);
  tio_tensor_free(t);
  tio_archive_free(a);

  /* Each format, with options. */
  tio_open_options o;
  tio_open_options_init(&o);
  o.access = TIO_ACCESS_PREAD;
  EXPECT_OK(tio_open_memory(bytes, size, TIO_FORMAT_SAFETENSORS, &o, &a));
  EXPECT_OK(tio_archive_find(a, "ids", &t));
  check_tensor_is(t, &both[1]);
  tio_tensor_free(t);
  tio_archive_free(a);
  free(bytes);

  const char* names[3] = {"memory.npz", "memory.gguf", "memory.npy"};
  const tio_format formats[3] = {TIO_FORMAT_NPZ, TIO_FORMAT_GGUF, TIO_FORMAT_NPY};
  for (int i = 0; i < 3; ++i) {
    size_t count = formats[i] == TIO_FORMAT_NPY ? 1 : 2;
    char* path = save_sample(names[i], both, count, NULL);
    bytes = read_file(path, &size);
    EXPECT_OK(tio_open_memory(bytes, size, formats[i], NULL, &a));
    CHECK(tio_archive_tensor_count(a) == count);
    EXPECT_OK(tio_archive_tensor(a, 0, &t)); /* an npy's one tensor: by index */
    tio_tensor_desc expected = both[0];
    expected.name = tio_tensor_name(t, NULL);
    check_tensor_is(t, &expected);
    tio_tensor_free(t);
    tio_archive_free(a);
    /* The wrong format for the bytes. */
    tio_format wrong = formats[i] == TIO_FORMAT_GGUF ? TIO_FORMAT_NPY : TIO_FORMAT_GGUF;
    EXPECT_ERR(tio_open_memory(bytes, size, wrong, NULL, &a), TIO_ERR_BAD_MAGIC, "memory:");
    free(bytes);
    free(path);
  }

  static const unsigned char k_junk[16] = "0123456789abcde";
  a = (tio_archive*)&o;
  EXPECT_ERR(tio_open_memory(k_junk, sizeof k_junk, TIO_FORMAT_AUTO, NULL, &a),
             TIO_ERR_INVALID_ARGUMENT, "no extension");
  CHECK(a == NULL);
  EXPECT_ERR(tio_open_memory(k_junk, sizeof k_junk, (tio_format)9, NULL, &a),
             TIO_ERR_INVALID_ARGUMENT, "found value 9");
  EXPECT_ERR(tio_open_memory(NULL, 5, TIO_FORMAT_NPY, NULL, &a), TIO_ERR_INVALID_ARGUMENT,
             "found NULL");
  EXPECT_ERR(tio_open_memory(k_junk, sizeof k_junk, TIO_FORMAT_NPY, NULL, NULL),
             TIO_ERR_INVALID_ARGUMENT, "an archive output");
  EXPECT_ERR(tio_open_memory(NULL, 0, TIO_FORMAT_SAFETENSORS, NULL, &a), TIO_ERR_FILE_TOO_SMALL,
             "memory:");
  EXPECT_ERR(tio_open_memory(k_junk, sizeof k_junk, TIO_FORMAT_NPY, NULL, &a), TIO_ERR_BAD_MAGIC,
             "memory:");
  tio_open_options_init(&o);
  o.sizeof_options = sizeof o + 8;
  EXPECT_ERR(tio_open_memory(k_junk, sizeof k_junk, TIO_FORMAT_NPY, &o, &a),
             TIO_ERR_INVALID_ARGUMENT, "sizeof_options");
  free(st);
}

/* ---- Metadata and notes --------------------------------------------------------------------- */

static void test_metadata(void) {
  tio_tensor_desc w = weights_desc();
  tio_string_pair metadata[2] = {{"format", "pt"}, {"note", "hello"}};
  tio_save_options options;
  tio_save_options_init(&options);
  options.metadata = metadata;
  options.metadata_count = 2;
  char* st = save_sample("metadata.safetensors", &w, 1, &options);

  tio_archive* a = NULL;
  EXPECT_OK(tio_open(st, TIO_FORMAT_AUTO, NULL, &a));
  CHECK(tio_archive_string_metadata_count(a) == 2);
  const char* key = NULL;
  const char* value = NULL;
  size_t key_length = 0, value_length = 0;
  int saw_format = 0, saw_note = 0;
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_OK(tio_archive_string_metadata(a, i, &key, &key_length, &value, &value_length));
    CHECK(key != NULL && value != NULL && strlen(key) == key_length &&
          strlen(value) == value_length);
    if (key && strcmp(key, "format") == 0) saw_format = value && strcmp(value, "pt") == 0;
    if (key && strcmp(key, "note") == 0) saw_note = value && strcmp(value, "hello") == 0;
  }
  CHECK(saw_format && saw_note);
  EXPECT_OK(tio_archive_string_metadata(a, 0, &key, NULL, &value, NULL)); /* lengths optional */
  EXPECT_ERR(tio_archive_string_metadata(a, 2, &key, &key_length, &value, &value_length),
             TIO_ERR_INVALID_ARGUMENT, "index below 2, found 2");
  CHECK(key == NULL && value == NULL && key_length == 0 && value_length == 0);
  EXPECT_ERR(tio_archive_string_metadata(a, 0, NULL, NULL, &value, NULL), TIO_ERR_INVALID_ARGUMENT,
             "a key output");
  EXPECT_ERR(tio_archive_string_metadata(a, 0, &key, NULL, NULL, NULL), TIO_ERR_INVALID_ARGUMENT,
             "a value output");

  char* json = NULL;
  EXPECT_OK(tio_archive_metadata_json(a, 0, &json));
  CHECK(json != NULL && json[0] == '{' && strstr(json, "hello") != NULL);
  tio_string_free(json);
  EXPECT_ERR(tio_archive_metadata_json(a, 0, NULL), TIO_ERR_INVALID_ARGUMENT, "a json output");
  CHECK(tio_archive_note_count(a) == 0);
  const char* note = "x";
  EXPECT_ERR(tio_archive_note(a, 0, &note), TIO_ERR_INVALID_ARGUMENT, "index below 0, found 0");
  CHECK(note == NULL);
  EXPECT_ERR(tio_archive_note(a, 0, NULL), TIO_ERR_INVALID_ARGUMENT, "a note output");
  tio_archive_free(a);

  /* gguf: typed metadata as JSON, arrays summarized unless full. */
  char* gguf = path_in(g_corpus, "gguf/good/all_value_types.gguf");
  EXPECT_OK(tio_open(gguf, TIO_FORMAT_AUTO, NULL, &a));
  char* summary = NULL;
  char* full = NULL;
  EXPECT_OK(tio_archive_metadata_json(a, 0, &summary));
  EXPECT_OK(tio_archive_metadata_json(a, 1, &full));
  CHECK(summary != NULL && full != NULL && summary[0] == '{' && full[0] == '{');
  CHECK(full != NULL && summary != NULL && strlen(full) >= strlen(summary));
  CHECK(tio_archive_string_metadata_count(a) >= 1);
  tio_string_free(summary);
  tio_string_free(full);
  tio_archive_free(a);
  free(gguf);

  /* npz: a member that is not .npy is a note. */
  char* raw = path_in(g_corpus, "npz/good/raw_member.npz");
  EXPECT_OK(tio_open(raw, TIO_FORMAT_AUTO, NULL, &a));
  CHECK(tio_archive_note_count(a) >= 1);
  EXPECT_OK(tio_archive_note(a, 0, &note));
  CHECK(note != NULL && note[0] != '\0');
  tio_archive_free(a);
  free(raw);

  /* A big-endian npy: stored bytes differ from the native data. */
  char* be = path_in(g_corpus, "npy/good/f64_be.npy");
  EXPECT_OK(tio_open(be, TIO_FORMAT_AUTO, NULL, &a));
  tio_tensor* t = NULL;
  EXPECT_OK(tio_archive_tensor(a, 0, &t));
  const void* stored = NULL;
  const void* data = NULL;
  uint64_t stored_size = 0, size = 0;
  EXPECT_OK(tio_tensor_stored_bytes(t, &stored, &stored_size));
  EXPECT_OK(tio_tensor_data(t, &data, &size));
  CHECK(tio_tensor_dtype(t) == TIO_DTYPE_FLOAT64 && tio_tensor_zero_copy(t) == 0);
  CHECK(size == stored_size && size > 0 && memcmp(data, stored, size) != 0);
  tio_tensor_free(t);
  tio_archive_free(a);
  free(be);
  free(st);
}

/* gguf_mlx_quantized splits each Q4_0 tensor into MLX's three. */
static void test_gguf_mlx_option(void) {
  unsigned char blocks[2 * 18];
  memset(blocks, 0, sizeof blocks);
  static const uint64_t shape[2] = {1, 64};
  tio_tensor_desc q = {"q", TIO_DTYPE_Q4_0, 2, shape, blocks, sizeof blocks};
  char* path = save_sample("quantized.gguf", &q, 1, NULL);
  tio_archive* a = NULL;
  EXPECT_OK(tio_open(path, TIO_FORMAT_AUTO, NULL, &a));
  CHECK(tio_archive_tensor_count(a) == 1);
  tio_archive_free(a);
  tio_open_options o;
  tio_open_options_init(&o);
  o.gguf_mlx_quantized = 1;
  EXPECT_OK(tio_open(path, TIO_FORMAT_AUTO, &o, &a));
  CHECK(tio_archive_tensor_count(a) == 3);
  tio_tensor* t = NULL;
  EXPECT_OK(tio_archive_find(a, "q.scales", &t));
  CHECK(tio_tensor_dtype(t) == TIO_DTYPE_FLOAT16);
  tio_tensor_free(t);
  tio_archive_free(a);
  free(path);
}

/* ---- Verify and payload failures ------------------------------------------------------------ */

static void test_verify(void) {
  tio_tensor_desc both[2] = {weights_desc(), ids_desc()};
  char* good = save_sample("verify_good.npz", both, 2, NULL);
  tio_archive* a = NULL;
  tio_problems* problems = NULL;
  EXPECT_OK(tio_open(good, TIO_FORMAT_AUTO, NULL, &a));
  EXPECT_OK(tio_verify(a, &problems));
  CHECK(problems != NULL && tio_problems_count(problems) == 0);
  const char* tensor = "x";
  const char* message = "y";
  EXPECT_ERR(tio_problems_get(problems, 0, &tensor, &message), TIO_ERR_INVALID_ARGUMENT,
             "index below 0, found 0");
  CHECK(tensor == NULL && message == NULL);
  tio_problems_free(problems);
  EXPECT_ERR(tio_verify(a, NULL), TIO_ERR_INVALID_ARGUMENT, "a problems output");

  /* Corrupt the payload of a stored member: its CRC-32 no longer matches. */
  tio_tensor* t = NULL;
  EXPECT_OK(tio_archive_find(a, "ids", &t));
  uint64_t offset = tio_tensor_file_offset(t);
  tio_tensor_free(t);
  tio_archive_free(a);
  char* bad = work_path("verify_bad.npz");
  size_t size = 0;
  unsigned char* bytes = read_file(good, &size);
  write_file(bad, bytes, size);
  free(bytes);
  flip_byte(bad, offset);

  EXPECT_OK(tio_open(bad, TIO_FORMAT_AUTO, NULL, &a));
  EXPECT_OK(tio_verify(a, &problems));
  CHECK(tio_problems_count(problems) == 1);
  EXPECT_OK(tio_problems_get(problems, 0, &tensor, &message));
  CHECK_STR(tensor, "ids.npy"); /* npz problems name the member */
  CHECK(message != NULL && strstr(message, "verify_bad.npz") != NULL);
  EXPECT_ERR(tio_problems_get(problems, 0, NULL, &message), TIO_ERR_INVALID_ARGUMENT,
             "a tensor output");
  EXPECT_ERR(tio_problems_get(problems, 0, &tensor, NULL), TIO_ERR_INVALID_ARGUMENT,
             "a message output");
  tio_problems_free(problems);
  tio_archive_free(a);

  /* With verify_crc_on_access the bad member fails on access, the same way every time. */
  tio_open_options o;
  tio_open_options_init(&o);
  o.verify_crc_on_access = 1;
  EXPECT_OK(tio_open(bad, TIO_FORMAT_AUTO, &o, &a));
  EXPECT_OK(tio_archive_find(a, "ids", &t));
  const void* data = &o;
  uint64_t nbytes = 1;
  EXPECT_ERR(tio_tensor_data(t, &data, &nbytes), TIO_ERR_BAD_CHECKSUM, "verify_bad.npz");
  CHECK(data == NULL && nbytes == 0);
  EXPECT_ERR(tio_tensor_data(t, &data, &nbytes), TIO_ERR_BAD_CHECKSUM, "verify_bad.npz");
  tio_tensor_free(t);
  tio_archive_free(a);
  free(bad);
  free(good);
}

/* A deflated member whose compressed stream is damaged fails when it is inflated. */
static void test_bad_compressed_data(void) {
  static float zeros[4096];
  static const uint64_t shape[1] = {4096};
  tio_tensor_desc z = {"zeros", TIO_DTYPE_FLOAT32, 1, shape, zeros, sizeof zeros};
  tio_save_options options;
  tio_save_options_init(&options);
  options.compress = 1;
  char* path = save_sample("deflated.npz", &z, 1, &options);
  tio_archive* a = NULL;
  tio_tensor* t = NULL;
  EXPECT_OK(tio_open(path, TIO_FORMAT_AUTO, NULL, &a));
  EXPECT_OK(tio_archive_tensor(a, 0, &t));
  const void* stored = NULL;
  uint64_t stored_size = 0;
  EXPECT_OK(tio_tensor_stored_bytes(t, &stored, &stored_size));
  /* The first bytes of the stream hold its block header: 0xff there is an invalid block type. */
  uint64_t offset = tio_tensor_file_offset(t);
  tio_tensor_free(t);
  tio_archive_free(a);
  CHECK(stored_size > 0);
  size_t size = 0;
  unsigned char* bytes = read_file(path, &size);
  bytes[offset] = 0xff;
  write_file(path, bytes, size);
  free(bytes);
  /* The npy header inside the member is decoded at open, so the damage shows there or on
   * access; either way as bad_compressed_data. */
  tio_status status = tio_open(path, TIO_FORMAT_AUTO, NULL, &a);
  if (status == TIO_OK) {
    EXPECT_OK(tio_archive_tensor(a, 0, &t));
    const void* data = NULL;
    uint64_t n = 0;
    EXPECT_ERR(tio_tensor_data(t, &data, &n), TIO_ERR_BAD_COMPRESSED_DATA, "deflated.npz");
    tio_tensor_free(t);
    tio_archive_free(a);
  } else {
    check_status(__FILE__, __LINE__, "tio_open(deflated.npz)", status, TIO_ERR_BAD_COMPRESSED_DATA,
                 "deflated.npz");
  }
  free(path);
}

/* A file truncated after it was opened: pread access reports it instead of faulting. */
static void test_file_changed(void) {
  static float values[8192];
  static const uint64_t shape[1] = {8192};
  tio_tensor_desc v = {"v", TIO_DTYPE_FLOAT32, 1, shape, values, sizeof values};
  char* path = save_sample("shrinks.npy", &v, 1, NULL);
  tio_open_options o;
  tio_open_options_init(&o);
  o.access = TIO_ACCESS_PREAD;
  tio_archive* a = NULL;
  tio_tensor* t = NULL;
  EXPECT_OK(tio_open(path, TIO_FORMAT_AUTO, &o, &a));
  EXPECT_OK(tio_archive_tensor(a, 0, &t));
  CHECK(truncate(path, 256) == 0);
  const void* data = NULL;
  uint64_t size = 0;
  EXPECT_ERR(tio_tensor_data(t, &data, &size), TIO_ERR_FILE_CHANGED, "shrinks.npy");
  tio_tensor_free(t);
  tio_archive_free(a);
  free(path);
}

/* The descriptor this process has open on `path` (the newest one), or -1. */
static int descriptor_of(const char* path) {
  char* want = realpath(path, NULL);
  if (want == NULL) return -1;
  int found = -1;
  DIR* dir = opendir("/proc/self/fd");
  struct dirent* e;
  while (dir != NULL && (e = readdir(dir)) != NULL) {
    char link[300], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    int fd = atoi(e->d_name);
    if (strcmp(target, want) == 0 && fd > found) found = fd;
  }
  if (dir) closedir(dir);
  free(want);
  return found;
}

/* A read that fails on access in pread mode is TIO_ERR_IO_ERROR naming the file, and is not
 * kept: the same call succeeds once reads work again. The failure is made real by putting, where
 * the archive's descriptor was, a file of the same size open for writing only (pread fails with
 * EBADF, as a failing disk or network file system fails with EIO), then putting it back. */
static void test_io_error_on_access(void) {
  static float values[8192];
  static const uint64_t shape[1] = {8192};
  for (size_t i = 0; i < 8192; ++i) values[i] = (float)i;
  tio_tensor_desc v = {"v", TIO_DTYPE_FLOAT32, 1, shape, values, sizeof values};
  char* path = save_sample("unreadable.npy", &v, 1, NULL);
  tio_open_options o;
  tio_open_options_init(&o);
  o.access = TIO_ACCESS_PREAD;
  tio_archive* a = NULL;
  tio_tensor* t = NULL;
  EXPECT_OK(tio_open(path, TIO_FORMAT_AUTO, &o, &a));
  EXPECT_OK(tio_archive_tensor(a, 0, &t));
  const void* data = (const void*)1;
  uint64_t size = 1;
  int fd = descriptor_of(path);
  char* other = work_path("unreadable_stand_in.bin");
  size_t file_size = 0;
  unsigned char* bytes = read_file(path, &file_size);
  write_file(other, bytes, file_size);
  free(bytes);
  int write_only = open(other, O_WRONLY);
  CHECK(fd >= 0 && write_only >= 0);
  if (fd < 0 || write_only < 0) return;
  int saved = dup(fd);
  CHECK(saved >= 0 && dup2(write_only, fd) == fd);
  tio_status status = tio_tensor_data(t, &data, &size);
  CHECK(dup2(saved, fd) == fd);
  close(saved);
  close(write_only);
  free(other);
  check_status(__FILE__, __LINE__, "tio_tensor_data(unreadable descriptor)", status,
               TIO_ERR_IO_ERROR, "unreadable.npy");
  CHECK(data == NULL && size == 0);
  EXPECT_OK(tio_tensor_data(t, &data, &size));
  CHECK(size == sizeof values && data != NULL && memcmp(data, values, sizeof values) == 0);
  tio_tensor_free(t);
  tio_archive_free(a);
  free(path);
}

/* A tensor of a NumPy dtype tensorio keeps opaque: its descr, its bytes as stored, and no way
 * to save one through the C API (its descr cannot be given). */
static void test_opaque_tensor(void) {
  char* path = path_in(g_corpus, "npy/good/opaque_unicode.npy");
  tio_archive* a = NULL;
  tio_tensor* t = NULL;
  EXPECT_OK(tio_open(path, TIO_FORMAT_AUTO, NULL, &a));
  EXPECT_OK(tio_archive_tensor(a, 0, &t));
  CHECK(tio_tensor_dtype(t) == TIO_DTYPE_OPAQUE);
  size_t length = 0;
  CHECK_STR(tio_tensor_descr(t, &length), "<U3");
  CHECK(length == 3);
  CHECK(tio_tensor_nbytes(t) == 4 * 12);
  const void* data = NULL;
  uint64_t size = 0;
  EXPECT_OK(tio_tensor_data(t, &data, &size));
  /* U+00E9 'e acute' as the first UTF-32 code unit of the first element. */
  CHECK(size == 48 && data != NULL && ((const unsigned char*)data)[0] == 0xe9);
  CHECK(tio_tensor_descr(NULL, &length) == NULL && length == 0);
  tio_tensor_free(t);
  t = NULL;
  /* Every other tensor has an empty descr. */
  char* numeric = path_in(g_corpus, "npy/good/f32_2d.npy");
  tio_archive* b = NULL;
  EXPECT_OK(tio_open(numeric, TIO_FORMAT_AUTO, NULL, &b));
  EXPECT_OK(tio_archive_tensor(b, 0, &t));
  CHECK_STR(tio_tensor_descr(t, NULL), "");
  tio_tensor_free(t);
  tio_archive_free(b);
  free(numeric);

  tio_tensor_desc d = {"s", TIO_DTYPE_OPAQUE, 1, k_ids_shape, k_ids, sizeof k_ids};
  char* out = work_path("opaque.npy");
  char* written = (char*)"x";
  EXPECT_ERR(tio_save(out, &d, 1, NULL, &written), TIO_ERR_INVALID_ARGUMENT, "TIO_DTYPE_OPAQUE");
  CHECK(written == NULL && !file_exists(out));
  free(out);
  tio_archive_free(a);
  free(path);

  /* Object arrays are refused with their own status. */
  char* pickle = path_in(g_corpus, "npy/bad/object_dtype__object.npy");
  EXPECT_ERR(tio_open(pickle, TIO_FORMAT_AUTO, NULL, &a), TIO_ERR_OBJECT_DTYPE, "pickle");
  free(pickle);
}

/* ---- Save failures -------------------------------------------------------------------------- */

static void test_save_failures(void) {
  tio_tensor_desc both[2] = {weights_desc(), ids_desc()};
  char* npz = work_path("fail.npz");
  char* npy = work_path("fail.npy");
  char* written = (char*)"untouched";

  EXPECT_ERR(tio_save(NULL, both, 2, NULL, &written), TIO_ERR_INVALID_ARGUMENT, "a path");
  CHECK(written == NULL);
  EXPECT_ERR(tio_save(npz, NULL, 2, NULL, &written), TIO_ERR_INVALID_ARGUMENT,
             "2 tensor descriptions");
  EXPECT_OK(tio_save(npz, NULL, 0, NULL, NULL)); /* no tensors: an empty archive */
  tio_archive* a = NULL;
  EXPECT_OK(tio_open(npz, TIO_FORMAT_AUTO, NULL, &a));
  CHECK(tio_archive_tensor_count(a) == 0);
  tio_archive_free(a);

  tio_tensor_desc d = weights_desc();
  d.name = NULL;
  EXPECT_ERR(tio_save(npz, &d, 1, NULL, &written), TIO_ERR_INVALID_ARGUMENT, "expected a name");
  d = weights_desc();
  d.name = ""; /* a valid name: the member ".npy", NumPy's key '' */
  char* empty_name = work_path("empty_name.npz");
  EXPECT_OK(tio_save(empty_name, &d, 1, NULL, NULL));
  EXPECT_OK(tio_open(empty_name, TIO_FORMAT_AUTO, NULL, &a));
  CHECK(tio_archive_tensor_count(a) == 1);
  tio_archive_free(a);
  d = weights_desc();
  d.shape = NULL;
  EXPECT_ERR(tio_save(npz, &d, 1, NULL, &written), TIO_ERR_INVALID_ARGUMENT,
             "shape of 2 dimensions, found NULL");
  d = weights_desc();
  d.data = NULL;
  EXPECT_ERR(tio_save(npz, &d, 1, NULL, &written), TIO_ERR_INVALID_ARGUMENT,
             "24 bytes of data, found NULL");
  d = weights_desc();
  d.nbytes = 20;
  EXPECT_ERR(tio_save(npz, &d, 1, NULL, &written), TIO_ERR_INVALID_ARGUMENT, "found 20");
  d = weights_desc();
  d.dtype = (tio_dtype)77;
  EXPECT_ERR(tio_save(npz, &d, 1, NULL, &written), TIO_ERR_UNKNOWN_DTYPE, "found 77");
  d = weights_desc();
  d.dtype = (tio_dtype)-3;
  EXPECT_ERR(tio_save(npz, &d, 1, NULL, &written), TIO_ERR_UNKNOWN_DTYPE, "found -3");

  /* What the format cannot hold. */
  EXPECT_ERR(tio_save(npy, both, 2, NULL, &written), TIO_ERR_UNREPRESENTABLE, "fail.npy");
  unsigned char block[18] = {0};
  static const uint64_t q_shape[1] = {32};
  tio_tensor_desc q = {"q", TIO_DTYPE_Q4_0, 1, q_shape, block, sizeof block};
  EXPECT_ERR(tio_save(npy, &q, 1, NULL, &written), TIO_ERR_UNREPRESENTABLE, "q4_0");
  char* txt = work_path("fail.txt");
  EXPECT_ERR(tio_save(txt, both, 2, NULL, &written), TIO_ERR_UNKNOWN_FORMAT, "'.txt'");
  tio_tensor_desc twice[2] = {weights_desc(), weights_desc()};
  EXPECT_ERR(tio_save(npz, twice, 2, NULL, &written), TIO_ERR_DUPLICATE_NAME, "weights");
  CHECK(written == NULL);

  /* Options. */
  tio_save_options o;
  tio_save_options_init(&o);
  o.sizeof_options = 0;
  EXPECT_ERR(tio_save(npz, both, 2, &o, &written), TIO_ERR_INVALID_ARGUMENT, "sizeof_options");
  tio_save_options_init(&o);
  o.compress = 1;
  o.compression_level = 13;
  EXPECT_ERR(tio_save(npz, both, 2, &o, &written), TIO_ERR_INVALID_ARGUMENT, "13");
  tio_save_options_init(&o);
  o.metadata_count = 1;
  EXPECT_ERR(tio_save(npz, both, 2, &o, &written), TIO_ERR_INVALID_ARGUMENT,
             "metadata pairs, found NULL");
  tio_string_pair half[1] = {{"key", NULL}};
  o.metadata = half;
  EXPECT_ERR(tio_save(npz, both, 2, &o, &written), TIO_ERR_INVALID_ARGUMENT, "metadata pair 0");

  /* An unwritable place. */
  char* nowhere = work_path("no_such_dir/x.npz");
  EXPECT_ERR(tio_save(nowhere, both, 2, NULL, &written), TIO_ERR_IO_ERROR, "no_such_dir");
  CHECK(!file_exists(nowhere));

  /* None of the failures touched the target written first. */
  EXPECT_OK(tio_open(npz, TIO_FORMAT_AUTO, NULL, &a));
  CHECK(tio_archive_tensor_count(a) == 0);
  tio_archive_free(a);

  free(nowhere);
  free(empty_name);
  free(txt);
  free(npz);
  free(npy);
}

/* An allocation that fails inside the library is a status, not a crash: the process's address
 * space is capped a little above what it uses (RLIMIT_AS), then a call that needs more is made.
 * AddressSanitizer reserves more address space than any such cap, so these are skipped there. */
static int g_tight;
static struct rlimit g_saved_limit;

/* Caps the address space at its current size plus `headroom` bytes; 0 when that cannot be
 * done (the test is then skipped). */
static int tighten_address_space(size_t headroom) {
  if (UNDER_ASAN || getrlimit(RLIMIT_AS, &g_saved_limit) != 0) return 0;
  FILE* statm = fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  int ok = statm != NULL && fscanf(statm, "%lu", &pages) == 1;
  if (statm) fclose(statm);
  if (!ok) return 0;
  struct rlimit tight = g_saved_limit;
  tight.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (rlim_t)headroom;
  if (g_saved_limit.rlim_cur != RLIM_INFINITY && g_saved_limit.rlim_cur < tight.rlim_cur)
    tight.rlim_cur = g_saved_limit.rlim_cur;
  CHECK(setrlimit(RLIMIT_AS, &tight) == 0);
  g_tight = 1;
  return 1;
}

static void restore_address_space(void) {
  if (!g_tight) return;
  CHECK(setrlimit(RLIMIT_AS, &g_saved_limit) == 0);
  g_tight = 0;
}

static void test_out_of_memory_on_save(void) {
  size_t big = (size_t)256 << 20;
  char* name = malloc(big + 1);
  if (name == NULL) return;
  memset(name, 'n', big);
  name[big] = '\0';
  tio_tensor_desc d = weights_desc();
  d.name = name;
  char* path = work_path("oom.npz");
  char* written = (char*)"x";
  if (tighten_address_space((size_t)64 << 20)) {
    tio_status status = tio_save(path, &d, 1, NULL, &written);
    restore_address_space();
    check_status(__FILE__, __LINE__, "tio_save(256 MiB name)", status, TIO_ERR_OUT_OF_MEMORY,
                 "out of memory");
    CHECK(written == NULL);
  }
  free(path);
  free(name);
}

/* A deflated member larger than the headroom: inflating it on access (tio_tensor_data) and
 * reading it in full (tio_verify) need a buffer of its size. Neither keeps anything from the
 * failure: with the cap lifted, the same calls succeed. */
static void test_out_of_memory_on_access(void) {
  if (UNDER_ASAN) return;
  uint64_t count = (uint64_t)48 << 20; /* 192 MiB of float32 zeros: about 200 KiB deflated */
  float* zeros = calloc((size_t)count, sizeof(float));
  if (zeros == NULL) return;
  tio_tensor_desc z = {"zeros", TIO_DTYPE_FLOAT32, 1, &count, zeros, count * sizeof(float)};
  tio_save_options options;
  tio_save_options_init(&options);
  options.compress = 1;
  char* path = save_sample("oom_access.npz", &z, 1, &options);
  free(zeros);
  tio_archive* a = NULL;
  tio_tensor* t = NULL;
  EXPECT_OK(tio_open(path, TIO_FORMAT_AUTO, NULL, &a));
  EXPECT_OK(tio_archive_tensor(a, 0, &t));
  /* The library's threads exist before the cap, so that the failure met is the buffer's. */
  tio_problems* problems = NULL;
  EXPECT_OK(tio_verify(a, &problems));
  tio_problems_free(problems);
  tio_tensor_free(t);
  tio_archive_free(a);
  a = NULL;
  t = NULL;
  EXPECT_OK(tio_open(path, TIO_FORMAT_AUTO, NULL, &a));
  EXPECT_OK(tio_archive_tensor(a, 0, &t));

  if (tighten_address_space((size_t)64 << 20)) {
    const void* data = (const void*)1;
    uint64_t size = 1;
    tio_status s_data = tio_tensor_data(t, &data, &size);
    char* msg_data = strdup(tio_last_error_message());
    problems = (tio_problems*)1;
    tio_status s_verify = tio_verify(a, &problems);
    restore_address_space();
    check_status(__FILE__, __LINE__, "tio_tensor_data(192 MiB deflated)", s_data,
                 TIO_ERR_OUT_OF_MEMORY, NULL);
    CHECK(data == NULL && size == 0);
    CHECK(msg_data != NULL && strstr(msg_data, "out of memory") != NULL);
    free(msg_data);
    check_status(__FILE__, __LINE__, "tio_verify(192 MiB deflated)", s_verify,
                 TIO_ERR_OUT_OF_MEMORY, "out of memory");
    CHECK(problems == NULL);
    /* Nothing was kept from the failures. */
    EXPECT_OK(tio_tensor_data(t, &data, &size));
    CHECK(size == count * sizeof(float) && data != NULL && ((const float*)data)[count - 1] == 0.0f);
  }
  tio_tensor_free(t);
  tio_archive_free(a);
  free(path);
}

/* Metadata larger than the headroom: rendering it as JSON needs a string of its size. */
static void test_out_of_memory_on_metadata(void) {
  if (UNDER_ASAN) return;
  size_t big = (size_t)64 << 20;
  char* value = malloc(big + 1);
  if (value == NULL) return;
  memset(value, 'v', big);
  value[big] = '\0';
  tio_string_pair pair = {"note", value};
  tio_save_options options;
  tio_save_options_init(&options);
  options.metadata = &pair;
  options.metadata_count = 1;
  tio_tensor_desc w = weights_desc();
  char* path = save_sample("oom_metadata.safetensors", &w, 1, &options);
  free(value);
  tio_archive* a = NULL;
  EXPECT_OK(tio_open(path, TIO_FORMAT_AUTO, NULL, &a));
  if (tighten_address_space((size_t)32 << 20)) {
    char* json = (char*)"x";
    tio_status status = tio_archive_metadata_json(a, 1, &json);
    restore_address_space();
    check_status(__FILE__, __LINE__, "tio_archive_metadata_json(64 MiB value)", status,
                 TIO_ERR_OUT_OF_MEMORY, "out of memory");
    CHECK(json == NULL);
  }
  char* json = NULL;
  EXPECT_OK(tio_archive_metadata_json(a, 1, &json));
  CHECK(json != NULL && strlen(json) > big);
  tio_string_free(json);
  tio_archive_free(a);
  free(path);
}

int main(int argc, char** argv) {
  /* Before any call the thread has no error. */
  CHECK(tio_last_error_code() == TIO_OK);
  CHECK_STR(tio_last_error_message(), "");
  if (argc != 3) {
    fprintf(stderr, "usage: %s CORPUS_DIR WORK_DIR\n", argv[0]);
    return 2;
  }
  g_corpus = argv[1];
  g_work = argv[2];
  if (mkdir(g_work, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "cannot create %s: %s\n", g_work, strerror(errno));
    return 2;
  }

  test_status_names();
  test_dtypes();
  test_formats();
  test_options_init();
  test_null_handles();
  test_thread_local_errors();
  test_save_and_open();
  test_open_options_and_failures();
  test_malformed_files();
  test_safetensors_corpus();
  test_open_memory();
  test_metadata();
  test_gguf_mlx_option();
  test_verify();
  test_bad_compressed_data();
  test_file_changed();
  test_opaque_tensor();
  test_save_failures();
  test_out_of_memory_on_save();
  test_out_of_memory_on_access();
  test_out_of_memory_on_metadata();
  test_io_error_on_access();

  if (g_failures != 0) {
    fprintf(stderr, "c_api_test: %d of %d checks failed\n", g_failures, g_checks);
    return 1;
  }
  printf("c_api_test: all %d checks passed\n", g_checks);
  return 0;
}
