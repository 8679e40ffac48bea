// tensorio convert IN OUT [--compress] [--level N] [--max-shard-size SIZE] [--fsync]
#include <cstdio>

#include "cli/cli.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio::cli {

const Command kConvert{
    "convert", "rewrite a file in the format of OUT's extension",
    "usage: tensorio convert IN OUT [options]\n"
    "  Reads any supported IN and writes OUT in the format of OUT's extension (.npy, .npz,\n"
    "  .safetensors, .gguf). OUT is replaced atomically. Fails (exit 1) when the target\n"
    "  format cannot hold a tensor, e.g. several tensors into one .npy.\n"
    "  --compress            .npz: DEFLATE the members (savez_compressed)\n"
    "  --level N             .npz: compression level 0..12 (default 6)\n"
    "  --threads N           compression threads (default: all cores)\n"
    "  --max-shard-size SIZE .safetensors.index.json: largest shard (default 5GB)\n"
    "  --fsync               fsync before the final rename\n",
    run_convert};

int run_convert(const std::vector<std::string>& argv) {
  Args args(argv, {"--compress", "--fsync"}, {"--level", "--threads", "--max-shard-size"});
  if (args.help()) {
    std::fputs(kConvert.usage.data(), stdout);
    return 0;
  }
  if (args.positionals().size() != 2) throw UsageError("expected IN and OUT");
  SaveOptions opts;
  opts.compress = args.flag("--compress");
  opts.fsync = args.flag("--fsync");
  uint64_t level = args.value_u64("--level", 6);
  if (level > 12) throw UsageError("--level expects 0..12");
  opts.compression_level = static_cast<int>(level);
  opts.threads = static_cast<unsigned>(args.value_u64("--threads", 0));
  if (auto s = args.value("--max-shard-size")) opts.max_shard_size = parse_size(*s);
  if (opts.max_shard_size == 0) throw UsageError("--max-shard-size must be positive");

  Archive in = load(args.positionals()[0]);
  opts.metadata = in.string_metadata();
  std::vector<TensorRef> refs;
  refs.reserve(in.size());
  for (const TensorView& v : in.tensors()) refs.push_back(TensorRef::from_view(v));
  auto written = save(args.positionals()[1], refs, opts);
  std::printf("wrote %s (%zu tensors)\n", written.string().c_str(), refs.size());
  return 0;
}

}  // namespace tensorio::cli
