#include "backend/cpu/cpu_kernel.h"
#include "ops/fused_activation.h"

namespace twb {

namespace {
// Add: a oneDNN sum in the first input's layout and the compute type (inputs of another type
// are converted first). Its gradient is the output's gradient, copied (reordered) into each
// input's layout and type. Two inputs with a fused ReLU, or int8 inputs, go through a binary
// add instead: it takes a post-op and per-input scales, so int8 inputs of different scales are
// added without leaving int8 (dst = s_a / s_y * a + s_b / s_y * b).
class CpuAdd : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const bool activated = fusedActivation(node.op->attrs()) != FusedActivation::none;
    m_binary = activated || isInt8();
    if (m_binary && in.size() != 2)
      throw Error("node '" + node.name + "': a fused activation or int8 needs exactly 2 inputs");
    if (m_binary) return prepareBinary(node, in, training);
    m_dst = in[0].data_type() == dnnlType(m_compute) ? in[0] : plainDesc(shapeOf(in[0]), m_compute);
    const std::vector<dnnl::memory::desc> sources(in.size(), m_dst);
    m_pd = dnnl::sum::primitive_desc(m_dst, std::vector<float>(in.size(), 1.f), sources,
                                     cpuEngine(), attributes());
    noteScratchpad(m_pd.scratchpad_desc());
    return m_pd.dst_desc();
  }

  void bind(const KernelIO& io) override {
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_DST, io.output}};
    if (m_binary) {
      args[DNNL_ARG_SRC_0] = inLayout(m_forward, io.inputs[0], m_binaryPd.src_desc(0));
      args[DNNL_ARG_SRC_1] = inLayout(m_forward, io.inputs[1], m_binaryPd.src_desc(1));
      addStep(m_forward, dnnl::binary(m_binaryPd), args, m_binaryPd.scratchpad_desc(), io);
      return;
    }
    for (size_t i = 0; i < io.inputs.size(); ++i)
      args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] = inLayout(m_forward, io.inputs[i], m_dst);
    addStep(m_forward, dnnl::sum(m_pd), args, m_pd.scratchpad_desc(), io);
    if (!io.outputGrad) return;
    for (const auto& grad : io.inputGrads)
      if (grad)
        addReorder(m_backward, io.outputGrad, grad);
  }

  // The sum's gradient is the output's, copied: no value is read (the binary form has none).
  bool backwardReadsInput(size_t) const override { return m_binary; }
  bool backwardReadsOutput() const override { return m_binary; }

 private:
  dnnl::memory::desc prepareBinary(const GraphNode& node,
                                   const std::vector<dnnl::memory::desc>& in, bool training) {
    dnnl::primitive_attr attr = attributesWithActivation(node, training);
    std::vector<dnnl::memory::desc> sources = in;
    if (isInt8()) {
      const float to = activationSeesRealValues(node) ? 1.f : m_quant.outputScale;
      attr.set_scales(DNNL_ARG_SRC_0, 0, {m_quant.inputScales[0] / to});
      attr.set_scales(DNNL_ARG_SRC_1, 0, {m_quant.inputScales[1] / to});
    } else {
      for (auto& s : sources)
        if (s.data_type() != dnnlType(m_compute)) s = plainDesc(shapeOf(s), m_compute);
    }
    const dnnl::memory::desc dst(in[0].dims(), dnnlType(m_output), dnnl::memory::format_tag::any);
    m_binaryPd = dnnl::binary::primitive_desc(
        {dnnl::algorithm::binary_add, sources[0], sources[1], dst}, attr, cpuEngine());
    noteScratchpad(m_binaryPd.scratchpad_desc());
    return m_binaryPd.dst_desc();
  }

  bool m_binary = false;
  dnnl::memory::desc m_dst;
  dnnl::sum::primitive_desc m_pd;
  dnnl::binary::primitive_desc m_binaryPd;
};

// Concat: a oneDNN concat into a plain output of the compute type (inputs converted to it);
// each input's gradient is reordered out of its slice of the output's gradient.
class CpuConcat : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool) override {
    m_axis = static_cast<int>(node.op->attrs().integer("axis"));
    Shape out = shapeOf(in[0]);
    m_sources.clear();
    for (size_t i = 0; i < in.size(); ++i) {
      if (i) out[m_axis] += in[i].dims()[m_axis];
      m_sources.push_back(in[i].data_type() == dnnlType(m_compute)
                              ? in[i]
                              : plainDesc(shapeOf(in[i]), m_compute));
    }
    const auto dst = plainDesc(out, m_compute);
    m_pd = dnnl::concat::primitive_desc(dst, m_axis, m_sources, cpuEngine(), attributes());
    noteScratchpad(m_pd.scratchpad_desc());
    return dst;
  }

  void bind(const KernelIO& io) override {
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_DST, io.output}};
    for (size_t i = 0; i < io.inputs.size(); ++i)
      args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] =
          inLayout(m_forward, io.inputs[i], m_sources[i]);
    addStep(m_forward, dnnl::concat(m_pd), args, m_pd.scratchpad_desc(), io);
    if (!io.outputGrad) return;
    dnnl::memory::dims offset(io.output.get_desc().dims().size(), 0);
    for (size_t i = 0; i < io.inputs.size(); ++i) {
      const auto dims = io.inputs[i].get_desc().dims();
      if (io.inputGrads[i]) {
        const dnnl::memory slice(io.outputGrad.get_desc().submemory_desc(dims, offset),
                                 cpuEngine(), io.outputGrad.get_data_handle());
        addReorder(m_backward, slice, io.inputGrads[i]);
      }
      offset[m_axis] += dims[m_axis];
    }
  }

 private:
  int m_axis = 1;
  std::vector<dnnl::memory::desc> m_sources;
  dnnl::concat::primitive_desc m_pd;
};
}  // namespace

const CpuKernelRegistration kAdd{{"Add"}, makeKernel<CpuAdd>};
const CpuKernelRegistration kConcat{{"Concat"}, makeKernel<CpuConcat>};

}  // namespace twb
