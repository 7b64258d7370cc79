#include <cstring>

#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
// ReduceMean and ReduceSum on oneDNN's reduction, in f32 over plain layouts; the output is
// computed with the reduced axes kept as 1 (the same bytes either way). Backward spreads the
// output's gradient back over the input's shape (added to zeros, scaled by 1/count for a mean).
class CpuReduce : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const Shape shape = shapeOf(in[0]);
    const Shape out = node.op->outputShape({shape});
    Shape kept = shape;
    for (int64_t a : node.op->attrs().integers("axes")) kept[a < 0 ? a + kept.size() : a] = 1;
    const bool mean = node.opName == "ReduceMean";
    m_x = plainDesc(shape);
    m_kept = plainDesc(kept);
    m_fwd = dnnl::reduction::primitive_desc(
        {mean ? dnnl::algorithm::reduction_mean : dnnl::algorithm::reduction_sum, m_x, m_kept, 0.f,
         0.f},
        attributes(), cpuEngine());
    noteScratchpad(m_fwd.scratchpad_desc());
    if (training) {
      dnnl::primitive_attr attr = attributes();
      if (mean) {
        dnnl::post_ops ops;
        ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear,
                           static_cast<float>(numel(kept)) / static_cast<float>(numel(shape)), 0.f);
        attr.set_post_ops(ops);
      }
      m_bwd = dnnl::binary::primitive_desc({dnnl::algorithm::binary_add, m_x, m_kept, m_x}, attr,
                                           cpuEngine());
      noteScratchpad(m_bwd.scratchpad_desc());
    }
    return plainDesc(out);
  }

  void bind(const KernelIO& io) override {
    const dnnl::memory kept(m_kept, cpuEngine(), io.output.get_data_handle());
    addStep(m_forward, dnnl::reduction(m_fwd),
            {{DNNL_ARG_SRC, inLayout(m_forward, io.inputs[0], m_x)}, {DNNL_ARG_DST, kept}},
            m_fwd.scratchpad_desc(), io);
    if (!io.outputGrad || !io.inputGrads[0]) return;
    m_zeros = dnnl::memory(m_x, cpuEngine());
    std::memset(m_zeros.get_data_handle(), 0, m_x.get_size());
    const dnnl::memory dx = writeBuffer(io.inputGrads[0], m_x);
    addStep(m_backward, dnnl::binary(m_bwd),
            {{DNNL_ARG_SRC_0, m_zeros},
             {DNNL_ARG_SRC_1, dnnl::memory(m_kept, cpuEngine(), io.outputGrad.get_data_handle())},
             {DNNL_ARG_DST, dx}},
            m_bwd.scratchpad_desc(), io);
    finishInto(m_backward, dx, io.inputGrads[0]);
  }

 private:
  dnnl::memory::desc m_x, m_kept;
  dnnl::memory m_zeros;
  dnnl::reduction::primitive_desc m_fwd;
  dnnl::binary::primitive_desc m_bwd;
};
}  // namespace

const CpuKernelRegistration kReduce{{"ReduceMean", "ReduceSum"}, makeKernel<CpuReduce>};

}  // namespace twb
