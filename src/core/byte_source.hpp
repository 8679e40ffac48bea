// ByteSource — where a MappedFile's bytes come from when they are not a file on this machine.
//
// A remote file (io/remote/) is presented to the parsers as a MappedFile whose bytes() span the
// whole resource, of which only the ranges its opener fetched are filled in; payloads are read
// through read_at(), as AccessMode::pread reads a local file. The MappedFile routes every read
// it cannot serve from its own bytes here.
#pragma once

#include <cstdint>
#include <span>

namespace tensorio::detail {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Copies bytes [offset, offset + out.size()) of the resource into `out`, or throws
  // tensorio::Error naming the resource and the range. Thread-safe.
  virtual void read_at(uint64_t offset, std::span<std::byte> out) const = 0;
};

}  // namespace tensorio::detail
