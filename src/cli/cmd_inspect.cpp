// tensorio inspect FILE [--json] [--full]
#include <cstdio>
#include <string>

#include "cli/cli.hpp"
#include "core/json_writer.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio::cli {

namespace {

std::string shape_text(std::span<const uint64_t> shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

void print_json(const Archive& a, bool full) {
  detail::JsonWriter w;
  w.begin_object();
  w.key("format").value(format_name(a.format()));
  w.key("metadata").raw(a.metadata_json(full));
  w.key("tensors").begin_array();
  for (const TensorView& v : a.tensors()) {
    w.begin_object();
    w.key("name").value(v.name());
    w.key("dtype").value(dtype_name(v.dtype()));
    if (v.opaque()) {
      w.key("descr").value(v.descr());
      w.key("item_bytes").value(v.item_bytes());
    }
    w.key("shape").begin_array();
    for (uint64_t d : v.shape()) w.value(d);
    w.end_array();
    w.key("nbytes").value(v.nbytes());
    w.key("offset").value(v.file_offset());
    w.end_object();
  }
  w.end_array();
  w.end_object();
  std::string out = w.str() + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
}

void print_table(const Archive& a) {
  std::printf("%s: %s, %zu tensors, %llu bytes\n", a.path().c_str(),
              std::string(format_name(a.format())).c_str(), a.size(),
              static_cast<unsigned long long>(a.file_size()));
  std::string meta = a.metadata_json(false);
  if (meta != "{}") std::printf("metadata: %s\n", meta.c_str());
  size_t name_w = 4;
  for (const TensorView& v : a.tensors()) name_w = std::max(name_w, v.name().size());
  name_w = std::min<size_t>(name_w, 60);
  std::printf("%-*s  %-14s  %-24s  %14s  %14s\n", static_cast<int>(name_w), "name", "dtype",
              "shape", "nbytes", "offset");
  size_t opaque = 0;
  for (const TensorView& v : a.tensors()) {
    // An opaque dtype is shown as its NumPy descr, marked: its bytes mean nothing to tensorio.
    std::string dtype = std::string(dtype_name(v.dtype()));
    if (v.opaque()) {
      dtype = v.descr().size() <= 40 ? v.descr() : v.descr().substr(0, 37) + "...";
      dtype += " (opaque)";
      ++opaque;
    }
    std::printf("%-*s  %-14s  %-24s  %14llu  %14llu\n", static_cast<int>(name_w), v.name().c_str(),
                dtype.c_str(), shape_text(v.shape()).c_str(),
                static_cast<unsigned long long>(v.nbytes()),
                static_cast<unsigned long long>(v.file_offset()));
  }
  for (const std::string& n : a.notes()) std::printf("note: %s\n", n.c_str());
  if (opaque > 0) {
    std::printf(
        "note: %zu tensor%s of a NumPy dtype tensorio stores but does not interpret "
        "(strings, records, long double, datetime): listed, verified and copied to "
        ".npy/.npz byte for byte, never converted\n",
        opaque, opaque == 1 ? "" : "s");
  }
}

}  // namespace

const Command kInspect{
    "inspect", "list a file's tensors and metadata",
    "usage: tensorio inspect FILE [--json] [--full]\n"
    "  Prints the format, metadata and tensors (name, dtype, shape, nbytes, offset) in file\n"
    "  order. Reads headers only: payloads are not touched. FILE may be an http(s) URL: only\n"
    "  the header's byte ranges are fetched.\n"
    "  --json   one JSON object: {\"format\", \"metadata\", \"tensors\": [{\"name\", \"dtype\",\n"
    "           \"shape\", \"nbytes\", \"offset\"}]}; a tensor of a NumPy dtype tensorio keeps\n"
    "           opaque (strings, records, ...) has \"dtype\": \"opaque\" and its \"descr\" and\n"
    "           \"item_bytes\"\n"
    "  --full   do not summarize long metadata arrays (gguf)\n",
    run_inspect};

int run_inspect(const std::vector<std::string>& argv) {
  Args args(argv, {"--json", "--full"}, {});
  if (args.help()) {
    std::fputs(kInspect.usage.data(), stdout);
    return 0;
  }
  if (args.positionals().size() != 1) throw UsageError("expected exactly one FILE");
  Archive a = load(args.positionals()[0]);
  if (args.flag("--json")) {
    print_json(a, args.flag("--full"));
  } else {
    print_table(a);
  }
  return 0;
}

}  // namespace tensorio::cli
