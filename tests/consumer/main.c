/* A C program outside the project that uses only the installed C API: proves tensorio.h is a
 * self-contained C11 header and that the shared library links from C with nothing but
 * `pkg-config --cflags --libs tensorio` (the library brings its own C++ runtime). */
#include <stdio.h>
#include <string.h>
#include <tensorio/tensorio.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const float values[3] = {1.0f, 2.0f, 3.0f};
  const uint64_t shape[1] = {3};
  tio_tensor_desc desc = {"v", TIO_DTYPE_FLOAT32, 1, shape, values, sizeof values};
  tio_archive* archive = NULL;
  tio_tensor* tensor = NULL;
  const void* data = NULL;
  uint64_t size = 0;
  if (tio_save(argv[1], &desc, 1, NULL, NULL) != TIO_OK ||
      tio_open(argv[1], TIO_FORMAT_AUTO, NULL, &archive) != TIO_OK ||
      tio_archive_find(archive, "v", &tensor) != TIO_OK ||
      tio_tensor_data(tensor, &data, &size) != TIO_OK) {
    fprintf(stderr, "c consumer: %s: %s\n", tio_status_name(tio_last_error_code()),
            tio_last_error_message());
    return 1;
  }
  int same = size == sizeof values && memcmp(data, values, size) == 0;
  tio_tensor_free(tensor);
  tio_archive_free(archive);
  if (!same) return 1;
  printf("c consumer ok: %s\n", argv[1]);
  return 0;
}
