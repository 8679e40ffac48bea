/* tensorio/export.h — TENSORIO_API, the mark on every function the shared library exports.
 *
 * The library is meant to be compiled with -fvisibility=hidden, so only what carries this mark
 * is visible to programs linking libtensorio.so. The attribute is the same when the library is
 * built and when a consumer includes the header (on a declaration it changes nothing for the
 * consumer), so no "building the library" switch is needed. Valid C and C++. Define
 * TENSORIO_API before including any tensorio header to override it. */
#ifndef TENSORIO_EXPORT_H
#define TENSORIO_EXPORT_H

#ifndef TENSORIO_API
#if defined(__GNUC__) || defined(__clang__)
#define TENSORIO_API __attribute__((visibility("default")))
#else
#define TENSORIO_API
#endif
#endif

#endif /* TENSORIO_EXPORT_H */
