#include <algorithm>

#include "backend/cpu/cpu_kernels.h"

namespace twb {

namespace {
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

// Linear as three oneDNN matmuls on plain buffers, the way BLAS users write it: no layout
// reorders at all, because matmul reads the transposed operands through their strides.
//   forward:          y (N, OUT) = x (N, K) . W^T   (W (OUT, K) read as (K, OUT), tag ba)
//   backward data:   dx (N, K)   = dy (N, OUT) . W
//   backward weights: dW (OUT, K) = dy^T . x        (dy read as (OUT, N), tag ba)
//   backward bias:    db (OUT)    = sum over N of dy (a loop: oneDNN 2.6 only has a reference
//                                   reduction, 50x slower here)
class CpuLinear : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const int64_t n = in[0].dims()[0], k = node.params[0].shape[1], out = node.params[0].shape[0];
    m_hasBias = node.params.size() > 1;
    m_batch = n;
    m_x = plainDesc({n, k});
    m_weights = dnnl::memory::desc({out, k}, dt::f32, tag::ab);
    m_bias = dnnl::memory::desc({1, out}, dt::f32, tag::ab);
    const dnnl::memory::desc weightsT({k, out}, dt::f32, tag::ba), y = plainDesc({n, out});
    m_fwd = m_hasBias ? dnnl::matmul::primitive_desc({m_x, weightsT, m_bias, y}, attributes(),
                                                     cpuEngine())
                      : dnnl::matmul::primitive_desc({m_x, weightsT, y}, attributes(), cpuEngine());
    noteScratchpad(m_fwd.scratchpad_desc());
    if (training) {
      m_bwdData = dnnl::matmul::primitive_desc({y, m_weights, m_x}, attributes(), cpuEngine());
      m_dyT = dnnl::memory::desc({out, n}, dt::f32, tag::ba);
      m_bwdWeights = dnnl::matmul::primitive_desc({m_dyT, m_x, m_weights}, attributes(),
                                                  cpuEngine());
      noteScratchpad(m_bwdData.scratchpad_desc());
      noteScratchpad(m_bwdWeights.scratchpad_desc());
    }
    return y;
  }

  void bind(const KernelIO& io) override {
    const dnnl::memory x = inLayout(m_forward, io.inputs[0], m_x);
    const dnnl::memory weightsT = wrap(io.params[0], m_fwd.weights_desc());
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, weightsT}, {DNNL_ARG_DST, io.output}};
    if (m_hasBias) args[DNNL_ARG_BIAS] = wrap(io.params[1], m_bias);
    addStep(m_forward, dnnl::matmul(m_fwd), args, m_fwd.scratchpad_desc(), io);
    if (!io.outputGrad) return;

    if (io.inputGrads[0]) {
      const dnnl::memory dx = writeBuffer(io.inputGrads[0], m_x);
      addStep(m_backward, dnnl::matmul(m_bwdData),
              {{DNNL_ARG_SRC, io.outputGrad},
               {DNNL_ARG_WEIGHTS, wrap(io.params[0], m_weights)},
               {DNNL_ARG_DST, dx}},
              m_bwdData.scratchpad_desc(), io);
      finishInto(m_backward, dx, io.inputGrads[0]);
    }
    const dnnl::memory dyT(m_dyT, cpuEngine(), io.outputGrad.get_data_handle());
    addStep(m_backward, dnnl::matmul(m_bwdWeights),
            {{DNNL_ARG_SRC, dyT}, {DNNL_ARG_WEIGHTS, x}, {DNNL_ARG_DST, wrap(io.paramGrads[0], m_weights)}},
            m_bwdWeights.scratchpad_desc(), io);
    if (m_hasBias) {
      m_dy = static_cast<const float*>(io.outputGrad.get_data_handle());
      m_biasGrad = io.paramGrads[1];
    }
  }

  void backward(dnnl::stream& stream) override {
    run(m_backward, stream);
    if (!m_biasGrad.empty()) {
      const int64_t n = m_batch, out = m_biasGrad.numel();
      float* db = m_biasGrad.data<float>();
      std::fill_n(db, out, 0.f);
      for (int64_t r = 0; r < n; ++r) {
        const float* row = m_dy + r * out;
#pragma omp simd
        for (int64_t c = 0; c < out; ++c) db[c] += row[c];
      }
    }
  }

 private:
  bool m_hasBias = true;
  int64_t m_batch = 0;
  dnnl::memory::desc m_x, m_weights, m_bias, m_dyT;
  dnnl::matmul::primitive_desc m_fwd, m_bwdData, m_bwdWeights;
  const float* m_dy = nullptr;
  Tensor m_biasGrad;  // empty without a bias or when not training
};
}  // namespace

std::unique_ptr<CpuKernel> makeCpuLinear() { return std::make_unique<CpuLinear>(); }

}  // namespace twb
