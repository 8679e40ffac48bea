// Recognizing files that are not safetensors at all but carry the name: the HTML page a failed
// download saved (login walls, 404 pages), a git-lfs pointer committed instead of the weights,
// or bare JSON. Their first 8 bytes read as an absurd header length, so the reference reports
// "HeaderTooLarge" — a message that has sent many users hunting for a size limit.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace tensorio::detail {

// A sentence saying what the file looks like, or "" when it looks like nothing we know.
std::string describe_foreign_file(std::span<const std::byte> file);

}  // namespace tensorio::detail
