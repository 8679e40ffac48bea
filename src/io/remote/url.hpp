// URLs where a path is expected: recognizing them, naming them in messages, and resolving a
// shard's name against its index's URL. Pure string work (RFC 3986), no network.
#pragma once

#include <string>
#include <string_view>

namespace tensorio::detail {

// True for an http:// or https:// URL (scheme case-insensitive).
bool is_remote_url(std::string_view path) noexcept;

// The URL for messages and for MappedFile::path(): a password in the user-info part is
// replaced by "***" (the query is kept: it often names the version).
std::string redact_url(std::string_view url);

// The last segment of the URL's path, percent-decoded, without query or fragment:
// "https://h/d/model.safetensors?download=1" -> "model.safetensors". Used for the format
// (extension) and for an npy's tensor name.
std::string url_file_name(std::string_view url);

// `relative` (a shard name from an index: a relative path, already checked not to climb out)
// resolved against `base`'s directory, percent-encoding what a path segment cannot hold:
// ("https://h/d/model.safetensors.index.json?x", "model-1.safetensors") ->
// "https://h/d/model-1.safetensors".
std::string resolve_url(std::string_view base, std::string_view relative);

// Scheme, host and port of a URL, lower-cased, for "same origin" tests ("https://h:443").
std::string url_origin(std::string_view url);

}  // namespace tensorio::detail
