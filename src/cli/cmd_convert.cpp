// tensorio convert IN OUT [--compress] [--level N] [--max-shard-size SIZE] [--fsync]
//                         [--dequantize [--dequantize-to DTYPE]] [--skip-unsupported]
#include <cstdio>
#include <string>

#include "cli/cli.hpp"
#include "cli/remote_payloads.hpp"
#include "tensorio/dequantize.hpp"
#include "tensorio/gguf.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio::cli {

const Command kConvert{
    "convert", "rewrite a file in the format of OUT's extension",
    "usage: tensorio convert IN OUT [options]\n"
    "  Reads any supported IN and writes OUT in the format of OUT's extension (.npy, .npz,\n"
    "  .safetensors, .gguf); IN may be an http(s) URL (its payloads are fetched first, with a\n"
    "  progress bar on stderr when it is a terminal). OUT is replaced atomically. Fails (exit 1) "
    "when the target\n"
    "  format cannot hold a tensor, e.g. several tensors into one .npy, or a quantized gguf\n"
    "  tensor into anything but .gguf without --dequantize. gguf to gguf keeps every typed\n"
    "  metadata value.\n"
    "  --compress            .npz: DEFLATE the members (savez_compressed)\n"
    "  --level N             .npz: compression level 0..12 (default 6)\n"
    "  --threads N           compression threads (default: all cores)\n"
    "  --max-shard-size SIZE .safetensors.index.json: largest shard (default 5GB)\n"
    "  --fsync               fsync before the final rename\n"
    "  --dequantize          convert ggml-quantized tensors (q4_0, q4_k, ...) to floats, so\n"
    "                        they can go to formats other than .gguf\n"
    "  --dequantize-to DTYPE float32 (default), float16 or bfloat16\n"
    "  Tensors of NumPy dtypes tensorio keeps opaque (strings, records, long double,\n"
    "  datetime) are copied byte for byte, with their descr, into .npy and .npz; other\n"
    "  formats cannot hold them:\n"
    "  --skip-unsupported    leave such tensors out (one warning each on stderr) instead of\n"
    "                        failing\n",
    run_convert};

int run_convert(const std::vector<std::string>& argv) {
  Args args(argv, {"--compress", "--fsync", "--dequantize", "--skip-unsupported"},
            {"--level", "--threads", "--max-shard-size", "--dequantize-to"});
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

  const bool dequantize = args.flag("--dequantize");
  DType dequantize_to = DType::float32;
  if (auto to = args.value("--dequantize-to")) {
    auto dt = dtype_from_name(*to);
    if (!dt || !is_dequantize_output(*dt)) {
      throw UsageError("--dequantize-to expects float32, float16 or bfloat16, got '" + *to + "'");
    }
    if (!dequantize) throw UsageError("--dequantize-to needs --dequantize");
    dequantize_to = *dt;
  }

  // MLX behaviour: a target without an extension is saved as .npy (save() appends it too).
  const std::string out_path = save_target_path(args.positionals()[1]).string();
  Archive in = load(args.positionals()[0]);
  fetch_remote_payloads(in, args.positionals()[0]);
  opts.metadata = in.string_metadata();
  // Quantized blocks only mean something to gguf readers: anywhere else they need --dequantize.
  const Format target = format_from_path(out_path);
  const bool target_is_gguf = target == Format::gguf;
  const bool target_is_numpy = target == Format::npy || target == Format::npz;
  const bool skip_unsupported = args.flag("--skip-unsupported");
  size_t skipped = 0;
  // Views stay alive in `views` while `refs` borrow their (lazily dequantized) bytes.
  std::vector<TensorView> views;
  views.reserve(in.size());
  for (const TensorView& v : in.tensors()) {
    if (v.opaque() && !target_is_numpy) {
      if (!skip_unsupported) {
        throw Error(ErrorCode::unrepresentable, out_path, no_offset,
                    "tensor '" + v.name() + "': expected a dtype " +
                        std::string(format_name(target)) + " can store, found the opaque NumPy " +
                        "dtype '" + v.descr().substr(0, 256) +
                        "' (only .npy and .npz hold it; pass --skip-unsupported to leave it out)");
      }
      std::fprintf(stderr,
                   "tensorio convert: warning: left out tensor '%s' of NumPy dtype '%s' "
                   "(%s cannot store it)\n",
                   v.name().c_str(), v.descr().substr(0, 256).c_str(),
                   std::string(format_name(target)).c_str());
      ++skipped;
      continue;
    }
    if (dtype_info(v.dtype()).kind != DTypeKind::quantized) {
      views.push_back(v);
    } else if (dequantize) {
      views.push_back(dequantized(v, dequantize_to));
    } else if (!target_is_gguf) {
      throw Error(ErrorCode::unrepresentable, out_path, no_offset,
                  "tensor '" + v.name() + "': expected a dtype " +
                      std::string(format_name(format_from_path(out_path))) + " can store, found " +
                      std::string(dtype_name(v.dtype())) +
                      " (only .gguf stores ggml-quantized blocks; pass --dequantize)");
    } else {
      views.push_back(v);
    }
  }
  std::vector<TensorRef> refs;
  refs.reserve(views.size());
  for (const TensorView& v : views) refs.push_back(TensorRef::from_view(v));
  std::filesystem::path written = out_path;
  if (target_is_gguf && in.format() == Format::gguf) {
    // The generic save() carries string metadata only; gguf to gguf keeps every typed value.
    save_gguf(out_path, refs, copy_gguf_metadata(gguf_file(in).metadata()), opts);
  } else {
    written = save(out_path, refs, opts);
  }
  std::printf("wrote %s (%zu tensors", written.string().c_str(), refs.size());
  if (skipped > 0) std::printf(", %zu left out", skipped);
  std::printf(")\n");
  return 0;
}

}  // namespace tensorio::cli
