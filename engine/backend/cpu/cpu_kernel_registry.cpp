#include <map>

#include "backend/cpu/cpu_kernel.h"
#include "core/error.h"

namespace twb {

namespace {
// Built on first use, so registrations running in any order at start-up all find it.
std::map<std::string, CpuKernelRegistration::Factory>& kernelFactories() {
  static std::map<std::string, CpuKernelRegistration::Factory> factories;
  return factories;
}
}  // namespace

CpuKernelRegistration::CpuKernelRegistration(std::initializer_list<const char*> ops, Factory make) {
  for (const char* op : ops) kernelFactories()[op] = make;
}

std::unique_ptr<CpuKernel> makeCpuKernel(const std::string& op) {
  auto it = kernelFactories().find(op);
  if (it == kernelFactories().end()) throw Error("op '" + op + "' has no CPU kernel");
  return it->second();
}

}  // namespace twb
