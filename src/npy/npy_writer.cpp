// Saving a .npy file through the atomic writer.
#include "core/checked_math.hpp"
#include "core/save_checks.hpp"
#include "io/atomic_writer.hpp"
#include "io/source_prefetch.hpp"
#include "tensorio/npy.hpp"

namespace tensorio {

void save_npy(const std::filesystem::path& path, const TensorRef& tensor,
              const SaveOptions& options) {
  detail::check_tensor_ref(tensor, path.string());
  bool opaque = tensor.dtype == DType::opaque;
  if (!opaque && dtype_info(tensor.dtype).numpy_descr.empty()) {
    throw Error(ErrorCode::unrepresentable, path.string(), no_offset,
                "tensor '" + tensor.name + "': expected a dtype NumPy can store, found " +
                    std::string(dtype_name(tensor.dtype)));
  }
  std::string header = opaque ? serialize_npy_header(std::string_view(tensor.descr), tensor.shape)
                              : serialize_npy_header(tensor.dtype, tensor.shape);
  detail::SourcePrefetcher prefetch({tensor.data});
  detail::AtomicWriter out(path, options);
  out.attach(&prefetch);
  out.write(std::as_bytes(std::span(header)));
  out.write(tensor.data);
  out.commit();
}

}  // namespace tensorio
