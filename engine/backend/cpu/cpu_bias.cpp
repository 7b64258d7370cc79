#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
// Bias: one oneDNN binary add with the f32 parameter broadcast as its second source. Backward
// passes dy through to x and sums it over the batch and the broadcast dimensions for the
// parameter (a reduction into its f32 gradient).
class CpuBias : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const Shape x = shapeOf(in[0]);
    Shape p = node.op->attrs().integers("shape");
    p.insert(p.begin(), x.size() - p.size(), 1);  // aligned at the last dimension
    m_x = plainDesc(x, m_compute);
    m_param = plainDesc(p);
    const dnnl::memory::desc y = plainDesc(x, m_output);
    m_fwd = dnnl::binary::primitive_desc({dnnl::algorithm::binary_add, m_x, m_param, y},
                                         attributes(), cpuEngine());
    noteScratchpad(m_fwd.scratchpad_desc());
    if (training) {
      m_reduce = dnnl::reduction::primitive_desc(
          {dnnl::algorithm::reduction_sum, m_x, m_param, 0.f, 0.f}, attributes(), cpuEngine());
      noteScratchpad(m_reduce.scratchpad_desc());
    }
    return y;
  }

  void bind(const KernelIO& io) override {
    addStep(m_forward, dnnl::binary(m_fwd),
            {{DNNL_ARG_SRC_0, inLayout(m_forward, io.inputs[0], m_x)},
             {DNNL_ARG_SRC_1, wrap(io.params[0], m_param)},
             {DNNL_ARG_DST, io.output}},
            m_fwd.scratchpad_desc(), io);
    if (!io.outputGrad) return;
    const dnnl::memory dy = inLayout(m_backward, io.outputGrad, m_x);
    if (io.inputGrads[0]) addReorder(m_backward, dy, io.inputGrads[0]);
    addStep(m_backward, dnnl::reduction(m_reduce),
            {{DNNL_ARG_SRC, dy}, {DNNL_ARG_DST, wrap(io.paramGrads[0], m_param)}},
            m_reduce.scratchpad_desc(), io);
  }

 private:
  dnnl::memory::desc m_x, m_param;
  dnnl::binary::primitive_desc m_fwd;
  dnnl::reduction::primitive_desc m_reduce;
};
}  // namespace

const CpuKernelRegistration kBias{{"Bias"}, makeKernel<CpuBias>};

}  // namespace twb
