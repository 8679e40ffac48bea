// open_file — how an opener gets its file's bytes: a local path is mapped (core/mapped_file.hpp),
// an http:// or https:// URL becomes a remote file whose first window is fetched
// (io/remote/remote_open.hpp). Either way the parsers see one span of the whole file.
//
// For a remote file, a parser may only be trusted with bytes that were fetched. An opener asks
// for the ranges its format needs (fetch_ranges: nothing happens for a local file) and runs
// each parsing step through parse_fetched(), which, for a remote file, fetches whatever the
// step read that had not been fetched and runs the step again, until a run reads only fetched
// bytes: its result (or its error) is then exactly what the same bytes give locally. For a
// local file parse_fetched() is a plain call.
#pragma once

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "core/mapped_file.hpp"
#include "io/remote/remote_open.hpp"
#include "tensorio/error.hpp"
#include "tensorio/options.hpp"

namespace tensorio::detail {

// Maps `path` (as MappedFile::open with the options' access mode), or opens the URL with
// `first` as its first request. Throws Error.
std::shared_ptr<const MappedFile> open_file(const std::string& path, const OpenOptions& options,
                                            FirstWindow first);

inline bool is_remote(const MappedFile& file) noexcept { return file.source() != nullptr; }

// Makes `ranges` present in a remote file's bytes() (one batch of parallel requests); nothing
// for a local file.
inline void fetch_ranges(const MappedFile& file, std::initializer_list<ByteRange> ranges) {
  if (is_remote(file))
    fetch_remote_ranges(file, std::span<const ByteRange>(ranges.begin(), ranges.size()));
}

// One round of parse_fetched() for a remote file: fetches what the last run read without it
// having been fetched; false when it read nothing such (its outcome stands). Throws
// Error(io_error) after kMaxParseRounds rounds.
inline constexpr unsigned kMaxParseRounds = 48;
bool fetch_after_parse(const MappedFile& file, unsigned round);

template <class Parse>
auto parse_fetched(const MappedFile& file, Parse&& parse) -> decltype(parse()) {
  using Result = decltype(parse());
  if (!is_remote(file)) return parse();
  for (unsigned round = 0;; ++round) {
    if constexpr (std::is_void_v<Result>) {
      try {
        parse();
      } catch (const Error&) {
        if (fetch_after_parse(file, round)) continue;
        throw;
      }
      if (!fetch_after_parse(file, round)) return;
    } else {
      std::optional<Result> result;
      try {
        result.emplace(parse());
      } catch (const Error&) {
        if (fetch_after_parse(file, round)) continue;
        throw;
      }
      if (!fetch_after_parse(file, round)) return std::move(*result);
    }
  }
}

}  // namespace tensorio::detail
