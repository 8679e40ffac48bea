#include "safetensors/foreign_file.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace tensorio::detail {

namespace {

// Case-insensitive prefix test after skipping leading whitespace (HTML often starts with it).
bool starts_with_ci(std::string_view text, std::string_view prefix) {
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  text.remove_prefix(i);
  if (text.size() < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
}

}  // namespace

std::string describe_foreign_file(std::span<const std::byte> file) {
  std::string_view text(reinterpret_cast<const char*>(file.data()),
                        std::min<size_t>(file.size(), 512));
  if (starts_with_ci(text, "version https://git-lfs.github.com/spec/")) {
    return "this is a git-lfs pointer file, not the weights: fetch them with `git lfs pull`";
  }
  for (std::string_view tag : {"<!doctype html", "<html", "<head", "<?xml", "<!--"}) {
    if (starts_with_ci(text, tag)) {
      return "this is an HTML/XML page, not a safetensors file (a failed or redirected "
             "download?)";
    }
  }
  if (starts_with_ci(text, "{") || starts_with_ci(text, "[")) {
    return "this is bare JSON text without the 8-byte header length, not a safetensors file "
           "(an error response saved as the file?)";
  }
  return "";
}

}  // namespace tensorio::detail
