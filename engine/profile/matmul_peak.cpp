#include "profile/matmul_peak.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "backend/cpu/cpu_kernel.h"

namespace twb {

double measureMatmulPeakGflops(Precision precision, int size, int repeats) {
  using tag = dnnl::memory::format_tag;
  const dnnl::memory::dim n = size;
  // int8: u8 activations times s8 weights into s32, what int8 Linear and Conv2d run on.
  const bool int8 = precision == Precision::int8;
  const auto type = dnnlType(int8 ? DType::u8 : precision == Precision::bf16 ? DType::bf16 : DType::f32);
  const dnnl::memory::desc a({n, n}, type, tag::ab);
  const dnnl::memory::desc anyB({n, n}, int8 ? dnnlType(DType::s8) : type, tag::any);
  const dnnl::memory::desc c({n, n}, int8 ? dnnlType(DType::s32) : type, tag::ab);
  const dnnl::matmul::primitive_desc pd({a, anyB, c}, cpuEngine());
  dnnl::memory src(a, cpuEngine()), weights(pd.weights_desc(), cpuEngine()), dst(c, cpuEngine());
  for (auto* m : {&src, &weights})  // small values; the same bytes read as f32, bf16 or int8
    std::memset(m->get_data_handle(), 0x3c, m->get_desc().get_size());
  const BoundPrimitive matmul(dnnl::matmul(pd), {{DNNL_ARG_SRC, src},
                                                 {DNNL_ARG_WEIGHTS, weights},
                                                 {DNNL_ARG_DST, dst}});
  auto& stream = cpuStream();
  matmul.execute(stream);  // warm-up
  stream.wait();
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    matmul.execute(stream);
    stream.wait();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return 2.0 * n * n * n / best / 1e9;
}

}  // namespace twb
