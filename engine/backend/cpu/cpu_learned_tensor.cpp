#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
using Binary = dnnl::binary::primitive_desc;

// Bias and LayerScale: one oneDNN binary add or multiply with the f32 parameter broadcast as its
// second source. Backward sums the parameter's gradient over the batch and the broadcast
// dimensions (a reduction into its f32 gradient): of dy for Bias, of dy * x for LayerScale, whose
// input gradient is dy * p (Bias passes dy through).
class CpuLearnedTensor : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    using algorithm = dnnl::algorithm;
    const Shape x = shapeOf(in[0]);
    Shape p = node.op->attrs().integers("shape");
    p.insert(p.begin(), x.size() - p.size(), 1);  // aligned at the last dimension
    m_multiplies = node.opName == "LayerScale";
    m_x = plainDesc(x, m_compute);
    m_param = plainDesc(p);
    const dnnl::memory::desc y = plainDesc(x, m_output);
    m_fwd = binary(m_multiplies ? algorithm::binary_mul : algorithm::binary_add, m_x, m_param, y);
    if (training) {
      if (m_multiplies) {
        m_gradX = binary(algorithm::binary_mul, m_x, m_param, m_x);  // dy * p
        m_product = binary(algorithm::binary_mul, m_x, m_x, m_x);    // dy * x
      }
      m_reduce = dnnl::reduction::primitive_desc({algorithm::reduction_sum, m_x, m_param, 0.f, 0.f},
                                                 attributes(), cpuEngine());
      noteScratchpad(m_reduce.scratchpad_desc());
    }
    return y;
  }

  void bind(const KernelIO& io) override {
    const dnnl::memory x = inLayout(m_forward, io.inputs[0], m_x);
    const dnnl::memory param = wrap(io.params[0], m_param);
    addBinary(m_forward, m_fwd, x, param, io.output, io);
    if (!io.outputGrad) return;
    const dnnl::memory dy = inLayout(m_backward, io.outputGrad, m_x);
    if (io.inputGrads[0]) {
      if (m_multiplies) {
        const dnnl::memory gradX = writeBuffer(io.inputGrads[0], m_x);
        addBinary(m_backward, m_gradX, dy, param, gradX, io);
        finishInto(m_backward, gradX, io.inputGrads[0]);
      } else {
        addReorder(m_backward, dy, io.inputGrads[0]);
      }
    }
    if (io.paramGrads[0].empty()) return;  // a fixed tensor: nothing to learn
    dnnl::memory summed = dy;
    if (m_multiplies) {  // dy * x at x's shape, then summed like Bias's dy
      summed = dnnl::memory(m_x, cpuEngine());
      addBinary(m_backward, m_product, dy, inLayout(m_backward, io.inputs[0], m_x), summed, io);
    }
    addStep(m_backward, dnnl::reduction(m_reduce),
            {{DNNL_ARG_SRC, summed}, {DNNL_ARG_DST, wrap(io.paramGrads[0], m_param)}},
            m_reduce.scratchpad_desc(), io);
  }

 private:
  bool m_multiplies = false;
  dnnl::memory::desc m_x, m_param;
  Binary m_fwd, m_gradX, m_product;
  dnnl::reduction::primitive_desc m_reduce;
};
}  // namespace

const CpuKernelRegistration kLearnedTensor{{"Bias", "LayerScale"}, makeKernel<CpuLearnedTensor>};

}  // namespace twb
