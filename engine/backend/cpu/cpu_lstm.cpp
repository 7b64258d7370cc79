#include <cstring>

#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
using Tag = dnnl::memory::format_tag;

dnnl::memory::desc f32Desc(const dnnl::memory::dims& dims, Tag tag) {
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, tag);
}

// LSTM on oneDNN's LSTM primitive, f32. oneDNN orders the gates as PyTorch does and reads the
// batch-first sequence (ntc) and PyTorch's weights, (D, 4H, I) being its ldgoi layout, as they
// are; it takes one bias, so the two are summed before each forward, and its bias gradient is
// both's. oneDNN's backward adds into the weight gradients, so they are zeroed first.
class CpuLstm : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const Attrs& a = node.op->attrs();
    const Shape x = shapeOf(in[0]);
    const int64_t n = x[0], t = x[1], features = x[2], h = a.integer("hidden_size");
    const int64_t d = a.boolean("bidirectional") ? 2 : 1;
    m_hasBias = a.boolean("bias");
    m_plainSrc = plainDesc(x);
    m_plainDst = plainDesc({n, t, d * h});
    m_src = f32Desc({t, n, features}, Tag::ntc);
    m_dst = f32Desc({t, n, d * h}, Tag::ntc);
    m_weightsLayer = f32Desc({1, d, features, 4, h}, Tag::ldgoi);
    m_weightsIter = f32Desc({1, d, h, 4, h}, Tag::ldgoi);
    m_bias = f32Desc({1, d, 4, h}, Tag::ldgo);
    const auto any = [](const dnnl::memory::desc& desc) {
      return dnnl::memory::desc(desc.dims(), desc.data_type(), Tag::any);
    };
    const dnnl::memory::desc none;  // states start at zero; the last ones are not kept
    const auto direction = d == 2 ? dnnl::rnn_direction::bidirectional_concat
                                  : dnnl::rnn_direction::unidirectional_left2right;
    const auto prop =
        training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
    m_fwd = dnnl::lstm_forward::primitive_desc(
        {prop, direction, m_src, none, none, any(m_weightsLayer), any(m_weightsIter), m_bias,
         m_dst, none, none},
        attributes(), cpuEngine());
    noteScratchpad(m_fwd.scratchpad_desc());
    if (training) {
      m_bwd = dnnl::lstm_backward::primitive_desc(
          {dnnl::prop_kind::backward, direction, m_src, none, none, any(m_weightsLayer),
           any(m_weightsIter), m_bias, m_dst, none, none, m_src, none, none, any(m_weightsLayer),
           any(m_weightsIter), m_bias, m_dst, none, none},
          attributes(), cpuEngine(), m_fwd);
      noteScratchpad(m_bwd.scratchpad_desc());
    }
    return m_plainDst;
  }

  void bind(const KernelIO& io) override {
    const dnnl::memory src = sequence(inLayout(m_forward, io.inputs[0], m_plainSrc), m_src);
    const dnnl::memory weightsLayer = wrap(io.params[0], m_weightsLayer);
    const dnnl::memory weightsIter = wrap(io.params[1], m_weightsIter);
    m_biasSum = dnnl::memory(m_bias, cpuEngine());
    if (m_hasBias)
      addBinary(m_forward, binary(dnnl::algorithm::binary_add, m_bias, m_bias, m_bias),
                wrap(io.params[2], m_bias), wrap(io.params[3], m_bias), m_biasSum, io);
    else
      std::memset(m_biasSum.get_data_handle(), 0, m_bias.get_size());
    const dnnl::memory dst = sequence(io.output, m_dst);
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC_LAYER, src},
        {DNNL_ARG_WEIGHTS_LAYER, weightsInLayout(weightsLayer, m_fwd.weights_layer_desc())},
        {DNNL_ARG_WEIGHTS_ITER, weightsInLayout(weightsIter, m_fwd.weights_iter_desc())},
        {DNNL_ARG_BIAS, m_biasSum},
        {DNNL_ARG_DST_LAYER, dst}};
    dnnl::memory workspace;
    if (m_fwd.workspace_desc().get_size() > 0) {
      workspace = dnnl::memory(m_fwd.workspace_desc(), cpuEngine());
      args[DNNL_ARG_WORKSPACE] = workspace;
    }
    addStep(m_forward, dnnl::lstm_forward(m_fwd), args, m_fwd.scratchpad_desc(), io);
    if (!io.outputGrad) return;

    // oneDNN writes the input's gradient whether or not it is wanted; the steps hold only a
    // view of the buffer, so the kernel keeps it.
    m_diffSrc = io.inputGrads[0] ? writeBuffer(io.inputGrads[0], m_plainSrc)
                                 : dnnl::memory(m_plainSrc, cpuEngine());
    const dnnl::memory& diffSrc = m_diffSrc;
    const dnnl::memory diffWeightsLayer =
        gradientBuffer(io, 0, m_weightsLayer, m_bwd.diff_weights_layer_desc());
    const dnnl::memory diffWeightsIter =
        gradientBuffer(io, 1, m_weightsIter, m_bwd.diff_weights_iter_desc());
    const dnnl::memory diffBias = dnnl::memory(m_bias, cpuEngine());
    m_accumulated = {diffWeightsLayer, diffWeightsIter, diffBias};
    addStep(m_backward, dnnl::lstm_backward(m_bwd),
            {{DNNL_ARG_SRC_LAYER, sequence(inLayout(m_backward, io.inputs[0], m_plainSrc), m_src)},
             {DNNL_ARG_WEIGHTS_LAYER,
              inLayout(m_backward, weightsLayer, m_bwd.weights_layer_desc())},
             {DNNL_ARG_WEIGHTS_ITER, inLayout(m_backward, weightsIter, m_bwd.weights_iter_desc())},
             {DNNL_ARG_BIAS, m_biasSum},
             {DNNL_ARG_DST_LAYER, dst},
             {DNNL_ARG_WORKSPACE, workspace},
             {DNNL_ARG_DIFF_DST_LAYER,
              sequence(inLayout(m_backward, io.outputGrad, m_plainDst), m_dst)},
             {DNNL_ARG_DIFF_SRC_LAYER, sequence(diffSrc, m_src)},
             {DNNL_ARG_DIFF_WEIGHTS_LAYER, diffWeightsLayer},
             {DNNL_ARG_DIFF_WEIGHTS_ITER, diffWeightsIter},
             {DNNL_ARG_DIFF_BIAS, diffBias}},
            m_bwd.scratchpad_desc(), io);
    if (io.inputGrads[0]) finishInto(m_backward, diffSrc, io.inputGrads[0]);
    finishGradient(io, 0, diffWeightsLayer, m_weightsLayer);
    finishGradient(io, 1, diffWeightsIter, m_weightsIter);
    if (m_hasBias) {
      finishGradient(io, 2, diffBias, m_bias);
      finishGradient(io, 3, diffBias, m_bias);
    }
  }

  void backward(dnnl::stream& stream) override {
    for (const dnnl::memory& m : m_accumulated)
      std::memset(m.get_data_handle(), 0, m.get_desc().get_size());
    CpuKernel::backward(stream);
  }

 private:
  // A batch-first plain buffer as the (T, N, C) sequence oneDNN's ntc layout reads it as.
  static dnnl::memory sequence(const dnnl::memory& plain, const dnnl::memory::desc& ntc) {
    return dnnl::memory(ntc, cpuEngine(), plain.get_data_handle());
  }
  // Where oneDNN writes parameter i's gradient: the gradient itself when it is trained and
  // oneDNN wants its layout, else a buffer of its own.
  static dnnl::memory gradientBuffer(const KernelIO& io, size_t i, const dnnl::memory::desc& plain,
                                     const dnnl::memory::desc& computed) {
    if (io.paramGrads[i].empty()) return dnnl::memory(computed, cpuEngine());
    return writeBuffer(wrap(io.paramGrads[i], plain), computed);
  }
  void finishGradient(const KernelIO& io, size_t i, const dnnl::memory& written,
                      const dnnl::memory::desc& plain) {
    if (!io.paramGrads[i].empty() && written.get_data_handle() != io.paramGrads[i].raw())
      addReorder(m_backward, written, wrap(io.paramGrads[i], plain));
  }

  bool m_hasBias = false;
  dnnl::memory::desc m_plainSrc, m_plainDst, m_src, m_dst, m_weightsLayer, m_weightsIter, m_bias;
  dnnl::memory m_biasSum, m_diffSrc;
  std::vector<dnnl::memory> m_accumulated;  // oneDNN's gradient outputs, zeroed each backward
  dnnl::lstm_forward::primitive_desc m_fwd;
  dnnl::lstm_backward::primitive_desc m_bwd;
};
}  // namespace

const CpuKernelRegistration kLstm{{"LSTM"}, makeKernel<CpuLstm>};

}  // namespace twb
