/* tensorio/export.h — which declarations the shared library exports.
 *
 * libtensorio.so is built with hidden visibility: only what a public header marks TENSORIO_API is
 * part of its ABI, so internal helpers can change freely and a program cannot come to depend on
 * them. The static library and programs that include the headers see an empty macro.
 * Valid C and C++. */
#ifndef TENSORIO_EXPORT_H
#define TENSORIO_EXPORT_H

#if defined(TENSORIO_BUILDING_SHARED) && (defined(__GNUC__) || defined(__clang__))
#define TENSORIO_API __attribute__((visibility("default")))
#else
#define TENSORIO_API
#endif

#endif /* TENSORIO_EXPORT_H */
