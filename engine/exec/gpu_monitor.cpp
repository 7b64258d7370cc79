#include "exec/gpu_monitor.h"

#include <dlfcn.h>

#include <type_traits>

#include "core/error.h"

namespace twb {

namespace {
// The few NVML declarations used, as NVML's documentation gives them (nvml.h is not needed to
// build): a status of 0 is success, a device is an opaque handle.
using NvmlStatus = int;
using NvmlDevice = void*;
struct NvmlUtilization {
  unsigned int gpu, memory;
};
struct NvmlMemory {
  unsigned long long total, free, used;
};
constexpr const char* kLibrary = "libnvidia-ml.so.1";
}  // namespace

struct GpuMonitor::Nvml {
  void* library = nullptr;
  NvmlStatus (*init)() = nullptr;
  NvmlStatus (*shutdown)() = nullptr;
  const char* (*errorString)(NvmlStatus) = nullptr;
  NvmlStatus (*byBusId)(const char*, NvmlDevice*) = nullptr;
  NvmlStatus (*utilization)(NvmlDevice, NvmlUtilization*) = nullptr;
  NvmlStatus (*memory)(NvmlDevice, NvmlMemory*) = nullptr;
  bool initialised = false;

  ~Nvml() {
    if (initialised) shutdown();
    if (library) dlclose(library);
  }
  std::string describe(NvmlStatus status) const {
    return errorString ? errorString(status) : "status " + std::to_string(status);
  }
};

std::unique_ptr<GpuMonitor> GpuMonitor::open(const std::string& pciBusId, std::string* whyNot) {
  auto nvml = std::make_unique<Nvml>();
  nvml->library = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (!nvml->library) {
    *whyNot = std::string(kLibrary) + " cannot be loaded: " + dlerror();
    return nullptr;
  }
  auto find = [&](auto& function, const char* name) {
    function =
        reinterpret_cast<std::remove_reference_t<decltype(function)>>(dlsym(nvml->library, name));
    if (!function) *whyNot = std::string(kLibrary) + " has no " + name;
    return function != nullptr;
  };
  if (!find(nvml->init, "nvmlInit_v2") || !find(nvml->shutdown, "nvmlShutdown") ||
      !find(nvml->errorString, "nvmlErrorString") ||
      !find(nvml->byBusId, "nvmlDeviceGetHandleByPciBusId_v2") ||
      !find(nvml->utilization, "nvmlDeviceGetUtilizationRates") ||
      !find(nvml->memory, "nvmlDeviceGetMemoryInfo"))
    return nullptr;
  if (const NvmlStatus status = nvml->init(); status != 0) {
    *whyNot = "NVML does not start: " + nvml->describe(status);
    return nullptr;
  }
  nvml->initialised = true;
  NvmlDevice device = nullptr;
  if (const NvmlStatus status = nvml->byBusId(pciBusId.c_str(), &device); status != 0) {
    *whyNot = "NVML finds no GPU at PCI " + pciBusId + ": " + nvml->describe(status);
    return nullptr;
  }
  return std::unique_ptr<GpuMonitor>(new GpuMonitor(std::move(nvml), device));
}

GpuMonitor::GpuMonitor(std::unique_ptr<Nvml> nvml, void* device)
    : m_nvml(std::move(nvml)), m_device(device) {}

GpuMonitor::~GpuMonitor() = default;

GpuLoad GpuMonitor::sample() const {
  NvmlUtilization busy{};
  if (const NvmlStatus status = m_nvml->utilization(m_device, &busy); status != 0)
    throw Error("NVML: GPU utilization: " + m_nvml->describe(status));
  NvmlMemory memory{};
  if (const NvmlStatus status = m_nvml->memory(m_device, &memory); status != 0)
    throw Error("NVML: GPU memory: " + m_nvml->describe(status));
  return {static_cast<double>(busy.gpu), static_cast<int64_t>(memory.used),
          static_cast<int64_t>(memory.total)};
}

}  // namespace twb
