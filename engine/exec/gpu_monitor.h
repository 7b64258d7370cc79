#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace twb {

// How busy one GPU is, read from NVML (the NVIDIA driver's management library, loaded at run
// time like the CUDA backend, so the engine runs where it is missing).
struct GpuLoad {
  double utilization = 0;  // percent of the last sample period with a kernel running
  int64_t memoryUsed = 0, memoryTotal = 0;  // bytes, every process's
};

class GpuMonitor {
 public:
  // The GPU at `pciBusId` ("0000:3b:00.0", gpu::DeviceInfo::pciBusId); null with the reason in
  // `whyNot` where NVML or that GPU cannot be reached.
  static std::unique_ptr<GpuMonitor> open(const std::string& pciBusId, std::string* whyNot);
  ~GpuMonitor();
  GpuMonitor(const GpuMonitor&) = delete;
  GpuMonitor& operator=(const GpuMonitor&) = delete;

  // Throws twb::Error with NVML's words when a reading fails.
  GpuLoad sample() const;

 private:
  struct Nvml;
  GpuMonitor(std::unique_ptr<Nvml> nvml, void* device);
  std::unique_ptr<Nvml> m_nvml;
  void* m_device;  // nvmlDevice_t
};

}  // namespace twb
