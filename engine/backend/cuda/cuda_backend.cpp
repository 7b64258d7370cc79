// The CUDA backend plugin: libtwb-cuda.so, loaded by the engine when a job asks for a GPU
// (exec/gpu_loader.h). Links the CUDA runtime statically, so a node needs only its driver,
// cuBLASLt and cuDNN.
#include <cublasLt.h>
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <map>
#include <mutex>

#include "backend/cuda/cuda_check.h"
#include "backend/cuda/cuda_nodes.h"
#include "backend/cuda/cuda_session.h"
#include "backend/cuda/cudnn_support.h"
#include "backend/cuda/matmul_rate.h"
#include "backend/cuda/memory_plan.h"
#include "backend/gpu_backend.h"

namespace twb::gpu {

namespace {
std::string versionText(int v) {
  return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
}

std::string formatGiB(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f GiB", bytes / double(int64_t(1) << 30));
  return text;
}

class CudaBackend : public GpuBackend {
 public:
  ~CudaBackend() override {
    for (auto& [device, dnn] : m_dnn) cudnnDestroy(dnn);
    if (m_lt) cublasLtDestroy(m_lt);
  }

  std::string version() const override {
    int runtime = 0, driver = 0;
    cudaRuntimeGetVersion(&runtime);
    cudaDriverGetVersion(&driver);
    return "CUDA runtime " + versionText(runtime) + ", driver " +
           (driver ? versionText(driver) : "none") + ", cuBLASLt " +
           std::to_string(cublasLtGetVersion()) + ", cuDNN " + std::to_string(cudnnGetVersion());
  }

  std::vector<DeviceInfo> devices() override {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status == cudaErrorNoDevice) return {};
    // The static runtime loads the driver itself and calls its absence "insufficient".
    if (status == cudaErrorInsufficientDriver && !dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD) &&
        !dlopen("libcuda.so.1", RTLD_LAZY))
      throw Error("this node has no NVIDIA driver (libcuda.so.1 cannot be loaded: " +
                  std::string(dlerror()) + ")");
    if (status != cudaSuccess)
      throw Error(std::string("CUDA finds no usable GPU: ") + cudaGetErrorString(status));
    std::vector<DeviceInfo> found;
    for (int d = 0; d < count; ++d) {
      cudaDeviceProp p{};
      TWB_CUDA(cudaGetDeviceProperties(&p, d));
      DeviceInfo info;
      info.index = d;
      info.name = p.name;
      info.totalBytes = static_cast<int64_t>(p.totalGlobalMem);
      info.major = p.major;
      info.minor = p.minor;
      info.multiprocessors = p.multiProcessorCount;
      info.bf16 = info.tf32 = p.major >= 8;
      char busId[32];
      std::snprintf(busId, sizeof busId, "%04x:%02x:%02x.0", p.pciDomainID, p.pciBusID,
                    p.pciDeviceID);
      info.pciBusId = busId;
      found.push_back(info);
    }
    return found;
  }

  std::vector<std::string> ops() const override { return cudaOps(); }

  int64_t planBytes(const GpuPlan& plan) const override { return MemoryPlan::of(plan).totalBytes; }

  double matmulTflops(int device, int64_t n, bool bf16, bool tf32) override {
    TWB_CUDA(cudaSetDevice(device));
    return measureMatmulTflops(handle(), n, bf16, tf32);
  }

  std::unique_ptr<GpuSession> compile(const GpuPlan& plan) override {
    const std::vector<DeviceInfo> all = devices();
    if (plan.device < 0 || plan.device >= static_cast<int>(all.size()))
      throw Error("device: cuda:" + std::to_string(plan.device) +
                  " does not exist (this node has " + std::to_string(all.size()) + " GPU" +
                  (all.size() == 1 ? "" : "s") + ")");
    DeviceInfo gpu = all[plan.device];
    TWB_CUDA(cudaSetDevice(plan.device));
    size_t freeBytes = 0, totalBytes = 0;
    TWB_CUDA(cudaMemGetInfo(&freeBytes, &totalBytes));
    gpu.freeBytes = static_cast<int64_t>(freeBytes);
    const int64_t needed = planBytes(plan);
    if (needed > gpu.freeBytes)
      throw Error("batch " + std::to_string(plan.values[plan.inputs[0]].shape[0]) +
                  ": the job needs " + formatGiB(needed) +
                  " of GPU memory, cuda:" + std::to_string(plan.device) + " (" + gpu.name +
                  ") has " + formatGiB(gpu.freeBytes) + " free of " + formatGiB(gpu.totalBytes) +
                  " (lower the batch)");
    bool bf16 = false;
    for (const PlanNode& node : plan.nodes) bf16 |= node.bf16;
    if (bf16 && !gpu.bf16)
      throw Error("precision: bf16 needs compute capability 8.0 or newer; cuda:" +
                  std::to_string(plan.device) + " (" + gpu.name + ") has " +
                  std::to_string(gpu.major) + "." + std::to_string(gpu.minor));
    TWB_CUDA(cudaSetDevice(plan.device));
    return std::make_unique<CudaSession>(plan, CudaLibraries{handle(), dnnHandle(plan.device)});
  }

 private:
  cublasLtHandle_t handle() {
    std::call_once(m_ltOnce, [this] { TWB_CUBLAS(cublasLtCreate(&m_lt)); });
    return m_lt;
  }

  // cuDNN's handle belongs to the device current when it is made, so one per device.
  cudnnHandle_t dnnHandle(int device) {
    std::lock_guard<std::mutex> lock(m_dnnMutex);
    cudnnHandle_t& dnn = m_dnn[device];
    if (!dnn) TWB_CUDNN(cudnnCreate(&dnn));
    return dnn;
  }

  std::once_flag m_ltOnce;
  cublasLtHandle_t m_lt = nullptr;
  std::mutex m_dnnMutex;
  std::map<int, cudnnHandle_t> m_dnn;
};
}  // namespace

}  // namespace twb::gpu

extern "C" __attribute__((visibility("default"))) twb::gpu::GpuBackend* twb_cuda_backend() {
  static twb::gpu::CudaBackend backend;
  return &backend;
}
