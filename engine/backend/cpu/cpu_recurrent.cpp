#include <cstring>

#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
using Tag = dnnl::memory::format_tag;

dnnl::memory::desc f32Desc(const dnnl::memory::dims& dims, Tag tag,
                           dnnl::memory::data_type type = dnnl::memory::data_type::f32) {
  return dnnl::memory::desc(dims, type, tag);
}

// How oneDNN's cell reads PyTorch's parameters.
struct Cell {
  int64_t gates;
  std::vector<int64_t> gateOrder;  // oneDNN's gate j is PyTorch's gate gateOrder[j]
  // oneDNN's bias parts, each bias_ih's gate plus bias_hh's gate (-1: none).
  std::vector<std::pair<int64_t, int64_t>> biasParts;
  bool reordered() const {
    for (size_t j = 0; j < gateOrder.size(); ++j)
      if (gateOrder[j] != static_cast<int64_t>(j)) return true;
    return false;
  }
};
// LSTM: oneDNN orders the gates as PyTorch does and takes one bias per gate.
const Cell kLstm{4, {0, 1, 2, 3}, {{0, 0}, {1, 1}, {2, 2}, {3, 3}}};
// oneDNN's linear-before-reset GRU is PyTorch's: gates update, reset, new (PyTorch's 1, 0, 2),
// and a fourth bias, the new gate's hidden part, which the reset gate scales.
const Cell kGru{3, {1, 0, 2}, {{1, 1}, {0, 0}, {2, -1}, {-1, 2}}};
// The Elman RNN: one gate, one bias.
const Cell kRnn{1, {0}, {{0, 0}}};

// Copies the gate blocks (each `block` floats) of every direction: `to`'s gate j is `from`'s
// gate order[j], or with `back`, to's gate order[j] is from's gate j.
void copyGates(const float* from, float* to, int64_t directions, const std::vector<int64_t>& order,
               int64_t block, bool back) {
  const auto gates = static_cast<int64_t>(order.size());
  for (int64_t d = 0; d < directions; ++d)
    for (int64_t j = 0; j < gates; ++j) {
      const int64_t source = d * gates + (back ? j : order[j]);
      const int64_t target = d * gates + (back ? order[j] : j);
      std::memcpy(to + target * block, from + source * block, block * sizeof(float));
    }
}

// LSTM, GRU and RNN on oneDNN's LSTM, linear-before-reset GRU and vanilla RNN primitives, f32
// or bf16. oneDNN reads the batch-first sequence (ntc) as it is, the initial states (N, D, H)
// reordered into its (layer, D, N, H), and PyTorch's weights,
// (D, G * H, I) being its ldgoi layout, as they are where its gate order is PyTorch's (LSTM,
// RNN), else with the gates reordered before each forward (GRU). Its biases it takes summed, per
// gate. Its backward adds into the weight gradients, so they are zeroed first.
class CpuRecurrent : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const Attrs& a = node.op->attrs();
    m_cell = node.opName == "GRU" ? &kGru : node.opName == "RNN" ? &kRnn : &kLstm;
    const Shape x = shapeOf(in[0]);
    const int64_t n = x[0], t = x[1], features = x[2], g = m_cell->gates;
    m_hidden = a.integer("hidden_size");
    m_directions = a.boolean("bidirectional") ? 2 : 1;
    m_features = features;
    m_hasBias = a.boolean("bias");
    const int64_t d = m_directions, h = m_hidden;
    // Under bf16 the sequences and the primitive's weights are bf16; the biases and every
    // gradient stay f32 (oneDNN's bf16 backward takes no other).
    const auto type = dnnlType(computeType());
    m_plainSrc = plainDesc(x, computeType());
    m_plainDst = plainDesc({n, t, d * h}, computeType());
    m_plainDiffSrc = plainDesc(x);
    m_plainDiffDst = plainDesc({n, t, d * h});
    m_src = f32Desc({t, n, features}, Tag::ntc, type);
    m_dst = f32Desc({t, n, d * h}, Tag::ntc, type);
    m_diffSrc = f32Desc({t, n, features}, Tag::ntc);
    m_diffDst = f32Desc({t, n, d * h}, Tag::ntc);
    m_weightsLayer = f32Desc({1, d, features, g, h}, Tag::ldgoi);
    m_weightsIter = f32Desc({1, d, h, g, h}, Tag::ldgoi);
    m_bias = f32Desc({1, d, static_cast<int64_t>(m_cell->biasParts.size()), h}, Tag::ldgo);
    m_states = in.size() - 1;
    // oneDNN's LSTM takes a hidden state only with a cell state: h0 alone starts c at zeros.
    m_zeroCell = m_cell == &kLstm && m_states == 1;
    // The hidden state in the compute type, the cell state and every gradient in f32.
    m_plainStates.clear();
    for (size_t i = 0; i < m_states; ++i)
      m_plainStates.push_back(plainDesc({n, d, h}, i == 0 ? computeType() : DType::f32));
    m_iter = f32Desc({1, d, n, h}, Tag::ldnc, type);
    m_iterC = f32Desc({1, d, n, h}, Tag::ldnc);
    makePrimitives(node, training, type);
    noteScratchpad(m_fwd.scratchpad_desc());
    if (training) noteScratchpad(m_bwd.scratchpad_desc());
    return m_plainDst;
  }

  void bind(const KernelIO& io) override {
    m_params = io.params;
    const dnnl::memory src = sequence(inLayout(m_forward, io.inputs[0], m_plainSrc), m_src);
    m_weights = {inCellOrder(io.params[0], m_weightsLayer),
                 inCellOrder(io.params[1], m_weightsIter)};
    m_biasSum = dnnl::memory(m_bias, cpuEngine());
    fillInputs();  // before weightsInLayout, which lays frozen weights out now
    const dnnl::memory dst = sequence(io.output, m_dst);
    std::unordered_map<int, dnnl::memory> stateArgs;
    for (size_t i = 0; i < m_states; ++i) {
      const dnnl::memory state(i == 0 ? m_iter : m_iterC, cpuEngine());
      addReorder(m_forward, asLdnc(inLayout(m_forward, io.inputs[i + 1], m_plainStates[i])), state);
      stateArgs[i == 0 ? DNNL_ARG_SRC_ITER : DNNL_ARG_SRC_ITER_C] = state;
    }
    if (m_zeroCell) {
      m_zeros = dnnl::memory(m_iterC, cpuEngine());
      std::memset(m_zeros.get_data_handle(), 0, m_iterC.get_size());
      stateArgs[DNNL_ARG_SRC_ITER_C] = m_zeros;
    }
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC_LAYER, src},
        {DNNL_ARG_WEIGHTS_LAYER, weightsInLayout(m_weights[0], m_fwd.weights_layer_desc())},
        {DNNL_ARG_WEIGHTS_ITER, weightsInLayout(m_weights[1], m_fwd.weights_iter_desc())},
        {DNNL_ARG_BIAS, m_biasSum},
        {DNNL_ARG_DST_LAYER, dst}};
    dnnl::memory workspace;
    if (m_fwd.workspace_desc().get_size() > 0) {
      workspace = dnnl::memory(m_fwd.workspace_desc(), cpuEngine());
      args[DNNL_ARG_WORKSPACE] = workspace;
    }
    args.insert(stateArgs.begin(), stateArgs.end());
    addStep(m_forward, dnnl::primitive(m_fwd), args, m_fwd.scratchpad_desc(), io);
    if (!io.outputGrad) return;

    // oneDNN writes the input's gradient whether or not it is wanted; the steps hold only a
    // view of the buffer, so the kernel keeps it.
    m_diffSrcBuffer = io.inputGrads[0] ? writeBuffer(io.inputGrads[0], m_plainDiffSrc)
                                       : dnnl::memory(m_plainDiffSrc, cpuEngine());
    m_paramGrads = io.paramGrads;
    m_weightGrads = {gradientInCellOrder(0, m_weightsLayer), gradientInCellOrder(1, m_weightsIter)};
    const dnnl::memory diffWeightsLayer =
        writeBuffer(m_weightGrads[0], m_bwd.diff_weights_layer_desc());
    const dnnl::memory diffWeightsIter =
        writeBuffer(m_weightGrads[1], m_bwd.diff_weights_iter_desc());
    m_diffBias = dnnl::memory(m_bias, cpuEngine());
    m_accumulated = {diffWeightsLayer, diffWeightsIter, m_diffBias};
    // The states' gradients, (layer, D, N, H), reordered into the inputs' (N, D, H) after.
    std::vector<dnnl::memory> stateGrads;
    for (size_t i = 0; i < m_states + (m_zeroCell ? 1 : 0); ++i) {
      stateGrads.emplace_back(m_iterC, cpuEngine());
      stateArgs[i == 0 ? DNNL_ARG_DIFF_SRC_ITER : DNNL_ARG_DIFF_SRC_ITER_C] = stateGrads.back();
    }
    std::unordered_map<int, dnnl::memory> backArgs{
        {DNNL_ARG_SRC_LAYER, sequence(inLayout(m_backward, io.inputs[0], m_plainSrc), m_src)},
         {DNNL_ARG_WEIGHTS_LAYER, inLayout(m_backward, m_weights[0], m_bwd.weights_layer_desc())},
         {DNNL_ARG_WEIGHTS_ITER, inLayout(m_backward, m_weights[1], m_bwd.weights_iter_desc())},
         {DNNL_ARG_BIAS, m_biasSum},
         {DNNL_ARG_DST_LAYER, dst},
         {DNNL_ARG_WORKSPACE, workspace},
         {DNNL_ARG_DIFF_DST_LAYER,
          sequence(inLayout(m_backward, io.outputGrad, m_plainDiffDst), m_diffDst)},
         {DNNL_ARG_DIFF_SRC_LAYER, sequence(m_diffSrcBuffer, m_diffSrc)},
         {DNNL_ARG_DIFF_WEIGHTS_LAYER, diffWeightsLayer},
         {DNNL_ARG_DIFF_WEIGHTS_ITER, diffWeightsIter},
         {DNNL_ARG_DIFF_BIAS, m_diffBias}};
    backArgs.insert(stateArgs.begin(), stateArgs.end());
    addStep(m_backward, dnnl::primitive(m_bwd), backArgs, m_bwd.scratchpad_desc(), io);
    if (io.inputGrads[0]) finishInto(m_backward, m_diffSrcBuffer, io.inputGrads[0]);
    for (size_t i = 0; i < m_states; ++i) {
      const dnnl::memory& grad = io.inputGrads[i + 1];
      if (!grad) continue;
      const dnnl::memory plain = writeBuffer(grad, plainDesc(shapeOf(m_plainStates[i])));
      addReorder(m_backward, stateGrads[i], asLdnc(plain));
      finishInto(m_backward, plain, grad);
    }
    finishInto(m_backward, diffWeightsLayer, m_weightGrads[0]);
    finishInto(m_backward, diffWeightsIter, m_weightGrads[1]);
  }

  void forward(dnnl::stream& stream) override {
    fillInputs();
    CpuKernel::forward(stream);
  }

  void backward(dnnl::stream& stream) override {
    if (m_paramGrads.empty()) return;  // no gradient reaches it: frozen, before any that trains
    for (const dnnl::memory& m : m_accumulated)
      std::memset(m.get_data_handle(), 0, m.get_desc().get_size());
    CpuKernel::backward(stream);
    for (size_t i = 0; i < 2; ++i)
      if (!m_paramGrads[i].empty() && m_cell->reordered())
        copyGates(static_cast<const float*>(m_weightGrads[i].get_data_handle()),
                  m_paramGrads[i].data<float>(), m_directions, m_cell->gateOrder,
                  m_hidden * (i == 0 ? m_features : m_hidden), true);
    if (!m_hasBias) return;
    // Each PyTorch bias gate is in one of oneDNN's parts: its gradient is that part's.
    const auto* diff = static_cast<const float*>(m_diffBias.get_data_handle());
    const auto parts = static_cast<int64_t>(m_cell->biasParts.size());
    for (int64_t d = 0; d < m_directions; ++d)
      for (int64_t j = 0; j < parts; ++j) {
        const auto [ih, hh] = m_cell->biasParts[j];
        const float* part = diff + (d * parts + j) * m_hidden;
        for (const auto& [param, gate] : {std::pair{2, ih}, std::pair{3, hh}})
          if (gate >= 0 && !m_paramGrads[param].empty())
            std::memcpy(m_paramGrads[param].data<float>() + (d * m_cell->gates + gate) * m_hidden,
                        part, m_hidden * sizeof(float));
      }
  }

 private:
  // oneDNN's forward (and when training, backward) primitive of the node's cell: its weights
  // in `type`, laid out as it likes; the gradients f32.
  void makePrimitives(const GraphNode& node, bool training, dnnl::memory::data_type type) {
    const auto any = [](const dnnl::memory::desc& desc, dnnl::memory::data_type t) {
      return dnnl::memory::desc(desc.dims(), t, Tag::any);
    };
    const auto f32 = dnnl::memory::data_type::f32;
    const dnnl::memory::desc none;  // the last states are not kept
    // States given, or zero; their gradients f32.
    const dnnl::memory::desc si = m_states > 0 ? m_iter : none,
                             sic = m_states > 1 || m_zeroCell ? m_iterC : none;
    const dnnl::memory::desc dsi = m_states > 0 ? m_iterC : none, dsic = sic;
    const auto direction = m_directions == 2 ? dnnl::rnn_direction::bidirectional_concat
                                             : dnnl::rnn_direction::unidirectional_left2right;
    const auto prop =
        training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
    const auto back = dnnl::prop_kind::backward;
    const auto wl = any(m_weightsLayer, type), wi = any(m_weightsIter, type);
    const auto dwl = any(m_weightsLayer, f32), dwi = any(m_weightsIter, f32);
    const auto& src = m_src;
    const auto& dst = m_dst;
    const auto& b = m_bias;
    const auto& dsrc = m_diffSrc;
    const auto& ddst = m_diffDst;
    if (node.opName == "GRU") {
      const dnnl::lbr_gru_forward::primitive_desc fwd(
          {prop, direction, src, si, wl, wi, b, dst, none}, attributes(), cpuEngine());
      m_fwd = fwd;
      if (training)
        m_bwd = dnnl::lbr_gru_backward::primitive_desc(
            {back, direction, src, si, wl, wi, b, dst, none, dsrc, dsi, dwl, dwi, b, ddst, none},
            attributes(), cpuEngine(), fwd);
    } else if (node.opName == "RNN") {
      const auto f = node.op->attrs().string("nonlinearity") == "relu"
                         ? dnnl::algorithm::eltwise_relu
                         : dnnl::algorithm::eltwise_tanh;
      const dnnl::vanilla_rnn_forward::primitive_desc fwd(
          {prop, f, direction, src, si, wl, wi, b, dst, none}, attributes(), cpuEngine());
      m_fwd = fwd;
      if (training)
        m_bwd = dnnl::vanilla_rnn_backward::primitive_desc(
            {back, f, direction, src, si, wl, wi, b, dst, none, dsrc, dsi, dwl, dwi, b, ddst,
             none},
            attributes(), cpuEngine(), fwd);
    } else {
      const dnnl::lstm_forward::primitive_desc fwd(
          {prop, direction, src, si, sic, wl, wi, b, dst, none, none}, attributes(),
          cpuEngine());
      m_fwd = fwd;
      if (training)
        m_bwd = dnnl::lstm_backward::primitive_desc(
            {back, direction, src, si, sic, wl,  wi, b,    dst,  none,
             none, dsrc,      dsi, dsic, dwl,  dwi, b,  ddst, none, none},
            attributes(), cpuEngine(), fwd);
    }
  }
  // A plain (N, D, H) state buffer as oneDNN's (layer, D, N, H) dimensions stride over it.
  static dnnl::memory asLdnc(const dnnl::memory& plain) {
    const dnnl::memory::dims s = plain.get_desc().dims();
    const int64_t n = s[0], d = s[1], h = s[2];
    const dnnl::memory::desc view({1, d, n, h}, plain.get_desc().data_type(),
                                  dnnl::memory::dims{d * n * h, h, d * h, 1});
    return dnnl::memory(view, cpuEngine(), plain.get_data_handle());
  }
  // A batch-first plain buffer as the (T, N, C) sequence oneDNN's ntc layout reads it as.
  static dnnl::memory sequence(const dnnl::memory& plain, const dnnl::memory::desc& ntc) {
    return dnnl::memory(ntc, cpuEngine(), plain.get_data_handle());
  }
  // A weight as oneDNN's ldgoi reads it: the parameter itself, or where oneDNN orders the gates
  // otherwise, a buffer fillInputs() copies it into.
  dnnl::memory inCellOrder(const Tensor& param, const dnnl::memory::desc& ldgoi) const {
    return m_cell->reordered() ? dnnl::memory(ldgoi, cpuEngine()) : wrap(param, ldgoi);
  }
  // Where oneDNN's gradient of weight i lands in ldgoi: the gradient itself where it is trained
  // and in PyTorch's gate order, else a buffer (backward() reorders the gates from it).
  dnnl::memory gradientInCellOrder(size_t i, const dnnl::memory::desc& ldgoi) const {
    if (m_paramGrads[i].empty() || m_cell->reordered()) return dnnl::memory(ldgoi, cpuEngine());
    return wrap(m_paramGrads[i], ldgoi);
  }
  // The weights in oneDNN's gate order and the biases summed into its parts, from the
  // parameters as they are now.
  void fillInputs() {
    for (size_t i = 0; i < 2 && m_cell->reordered(); ++i)
      copyGates(m_params[i].data<float>(), static_cast<float*>(m_weights[i].get_data_handle()),
                m_directions, m_cell->gateOrder, m_hidden * (i == 0 ? m_features : m_hidden),
                false);
    auto* sum = static_cast<float*>(m_biasSum.get_data_handle());
    const auto parts = static_cast<int64_t>(m_cell->biasParts.size());
    std::memset(sum, 0, m_bias.get_size());
    if (!m_hasBias) return;
    for (int64_t d = 0; d < m_directions; ++d)
      for (int64_t j = 0; j < parts; ++j) {
        const auto [ih, hh] = m_cell->biasParts[j];
        float* part = sum + (d * parts + j) * m_hidden;
        for (const auto& [param, gate] : {std::pair{2, ih}, std::pair{3, hh}}) {
          if (gate < 0) continue;
          const float* b = m_params[param].data<float>() + (d * m_cell->gates + gate) * m_hidden;
          for (int64_t k = 0; k < m_hidden; ++k) part[k] += b[k];
        }
      }
  }

  const Cell* m_cell = &kLstm;
  int64_t m_hidden = 0, m_directions = 1, m_features = 0;
  bool m_hasBias = false;
  size_t m_states = 0;                           // initial states given: h0, then c0
  bool m_zeroCell = false;                       // an LSTM given h0 alone: c0 is m_zeros
  dnnl::memory m_zeros;
  std::vector<dnnl::memory::desc> m_plainStates;  // their (N, D, H) layouts
  dnnl::memory::desc m_iter, m_iterC;            // as oneDNN reads them, (layer, D, N, H)
  dnnl::memory::desc m_plainSrc, m_plainDst, m_plainDiffSrc, m_plainDiffDst;
  dnnl::memory::desc m_src, m_dst, m_diffSrc, m_diffDst, m_weightsLayer, m_weightsIter, m_bias;
  std::vector<Tensor> m_params, m_paramGrads;
  std::vector<dnnl::memory> m_weights, m_weightGrads;  // layer and iter, ldgoi in oneDNN's order
  dnnl::memory m_biasSum, m_diffBias, m_diffSrcBuffer;
  std::vector<dnnl::memory> m_accumulated;  // oneDNN's gradient outputs, zeroed each backward
  dnnl::rnn_primitive_desc_base m_fwd, m_bwd;
};
}  // namespace

const CpuKernelRegistration kRecurrent{{"LSTM", "GRU", "RNN"}, makeKernel<CpuRecurrent>};

}  // namespace twb
