#include "exec/gpu_loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "core/error.h"

namespace twb {

namespace {
namespace fs = std::filesystem;
constexpr const char* kPlugin = "libtwb-cuda.so";

// Build tree: beside the engine; bundle: bin/../lib; installed: PREFIX/lib/twb-engine.
std::string pluginPath() {
  if (const char* chosen = std::getenv("TWB_CUDA_BACKEND"); chosen && *chosen) return chosen;
  std::error_code error;
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  if (error) return "";
  const fs::path dir = exe.parent_path();
  for (const fs::path& candidate :
       {dir / kPlugin, dir / ".." / "lib" / kPlugin, dir / ".." / "lib" / "twb-engine" / kPlugin})
    if (fs::exists(candidate)) return candidate.lexically_normal().string();
  return "";
}

// dlerror() names the library the loader could not find; say what provides it.
std::string explainLoadError(const std::string& path, const std::string& loader) {
  std::string hint;
  if (loader.find("libcublasLt") != std::string::npos)
    hint =
        " (cuBLASLt 13 is part of the CUDA 13 toolkit or the nvidia-cublas wheel: install it, "
        "or add its lib folder to LD_LIBRARY_PATH)";
  else if (loader.find("libcudnn") != std::string::npos)
    hint =
        " (cuDNN 9 for CUDA 13 is NVIDIA's cudnn9-cuda-13 package or the nvidia-cudnn-cu13 wheel: "
        "install it, or add its lib folder to LD_LIBRARY_PATH)";
  return "the CUDA backend " + path + " cannot be loaded: " + loader + hint;
}

struct Loaded {
  gpu::GpuBackend* backend = nullptr;
  std::string whyNot;
};

Loaded load() {
  const std::string path = pluginPath();
  if (path.empty())
    return {nullptr, std::string("this engine was built without the CUDA backend (") + kPlugin +
                         " is not beside it)"};
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) return {nullptr, explainLoadError(path, dlerror())};
  using Entry = gpu::GpuBackend* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(handle, "twb_cuda_backend"));
  if (!entry)
    return {nullptr, path + " is not a CUDA backend of this engine (no twb_cuda_backend)"};
  return {entry(), ""};
}
}  // namespace

gpu::GpuBackend* findGpuBackend(std::string* whyNot) {
  static std::once_flag once;
  static Loaded loaded;
  std::call_once(once, [] { loaded = load(); });
  if (!loaded.backend && whyNot) *whyNot = loaded.whyNot;
  return loaded.backend;
}

gpu::GpuBackend& gpuBackend() {
  std::string whyNot;
  gpu::GpuBackend* backend = findGpuBackend(&whyNot);
  if (!backend) throw Error(whyNot);
  return *backend;
}

}  // namespace twb
