#include <algorithm>

#include "backend/cpu/cpu_kernel.h"
#include "core/bfloat16.h"

namespace twb {

namespace {
using tag = dnnl::memory::format_tag;

// Linear as three oneDNN matmuls on plain buffers, the way BLAS users write it: no layout
// reorders, because matmul reads the transposed operands through their strides.
//   forward:          y (N, OUT) = x (N, K) . W^T   (W (OUT, K) read as (K, OUT), tag ba)
//   backward data:   dx (N, K)   = dy (N, OUT) . W
//   backward weights: dW (OUT, K) = dy^T . x        (dy read as (OUT, N), tag ba)
//   backward bias:    db (OUT)    = sum over N of dy (a loop: oneDNN 2.6 only has a reference
//                                   reduction, 50x slower here)
// In bf16 the fp32 master weights are cast once per step into a bf16 copy that the forward and
// the backward share; x, y and dy are bf16 (logits: y in f32); dW and db accumulate in f32.
// In int8 a signed input is multiplied as an unsigned one shifted by 128, with 128 as its zero
// point: the same integer sums, but oneDNN's int8 GEMM multiplies u8 by s8 natively and shifts
// an s8 input itself at every call, which on AVX2 made (1024 x 64) x (64 x 64) 1.7-2x slower.
class CpuLinear : public CpuKernel {
 public:
  // oneDNN's int8 matmul saturates 8-bit weights on CPUs without VNNI (an s8 input is shifted
  // to u8 here, so every input is u8).
  int int8WeightLevels(const GraphNode&, const Shape&, bool) const override {
    return int8MatmulWeightLevels();
  }
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    // (N, ..., K) is multiplied as (rows, K): plain layouts of both shapes share their buffer.
    const Shape inShape = shapeOf(in[0]);
    const int64_t k = node.params[0].shape[1], out = node.params[0].shape[0];
    const int64_t n = numel(inShape) / k;
    Shape outShape = inShape;
    outShape.back() = out;
    m_hasBias = node.params.size() > 1;
    m_batch = n;
    m_xShaped = plainDesc(inShape, m_compute);
    m_dyShaped = plainDesc(outShape, m_compute);
    m_x = plainDesc({n, k}, m_compute);
    m_dy = plainDesc({n, out}, m_compute);
    m_masterWeights = plainDesc({out, k});
    m_weights = plainDesc({out, k}, m_compute);
    m_bias = plainDesc({1, out});
    // int8 weights go into whatever layout the int8 matmul prefers, quantized once at bind.
    const dnnl::memory::desc weightsT =
        isInt8() ? dnnl::memory::desc({k, out}, dnnl::memory::data_type::s8, tag::any)
                 : dnnl::memory::desc({k, out}, dnnlType(m_compute), tag::ba);
    const dnnl::memory::desc y = plainDesc({n, out}, m_output);
    m_y = y;
    dnnl::primitive_attr attr = attributesWithActivation(node, training);
    if (isInt8())
      attr.set_output_scales(1 << 1, m_quant.outputScales(!activationSeesRealValues(node)));
    m_shifted = m_compute == DType::s8;
    if (m_shifted) {
      m_x = plainDesc({n, k}, DType::u8);
      attr.set_zero_points(DNNL_ARG_SRC, 0, {kShift});
    }
    m_fwd = m_hasBias
                ? dnnl::matmul::primitive_desc({m_x, weightsT, m_bias, y}, attr, cpuEngine())
                : dnnl::matmul::primitive_desc({m_x, weightsT, y}, attr, cpuEngine());
    noteScratchpad(m_fwd.scratchpad_desc());
    if (training) {
      m_bwdData = dnnl::matmul::primitive_desc({m_dy, m_weights, m_x}, attributes(), cpuEngine());
      noteScratchpad(m_bwdData.scratchpad_desc());
      if (node.learns()) {  // not a frozen layer
        const dnnl::memory::desc dyT({out, n}, dnnlType(m_compute), tag::ba);
        m_bwdWeights =
            dnnl::matmul::primitive_desc({dyT, m_x, m_masterWeights}, attributes(), cpuEngine());
        noteScratchpad(m_bwdWeights.scratchpad_desc());
      }
    }
    return plainDesc(outShape, m_output);
  }

  void bind(const KernelIO& io) override {
    const dnnl::memory shaped = inLayout(m_forward, io.inputs[0], m_xShaped);
    const dnnl::memory y = rows(io.output, m_y);
    if (m_shifted) {
      m_signed = static_cast<const int8_t*>(shaped.get_data_handle());
      m_unsigned = dnnl::memory(m_x, cpuEngine());
      return bindInt8(m_unsigned, y, io);
    }
    const dnnl::memory x = rows(shaped, m_x);
    if (isInt8()) return bindInt8(x, y, io);
    const dnnl::memory weights = inLayout(m_forward, wrap(io.params[0], m_masterWeights), m_weights);
    const dnnl::memory weightsT(m_fwd.weights_desc(), cpuEngine(), weights.get_data_handle());
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, weightsT}, {DNNL_ARG_DST, y}};
    if (m_hasBias) args[DNNL_ARG_BIAS] = wrap(io.params[1], m_bias);
    addStep(m_forward, dnnl::matmul(m_fwd), args, m_fwd.scratchpad_desc(), io);
    if (!io.outputGrad) return;

    const dnnl::memory dy = rows(inLayout(m_backward, io.outputGrad, m_dyShaped), m_dy);
    if (io.inputGrads[0]) {
      const dnnl::memory dx = writeBuffer(io.inputGrads[0], m_xShaped);
      addStep(m_backward, dnnl::matmul(m_bwdData),
              {{DNNL_ARG_SRC, dy}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, rows(dx, m_x)}},
              m_bwdData.scratchpad_desc(), io);
      finishInto(m_backward, dx, io.inputGrads[0]);
    }
    if (!m_bwdWeights) return;  // frozen
    const dnnl::memory dyT(m_bwdWeights.src_desc(), cpuEngine(), dy.get_data_handle());
    addStep(m_backward, dnnl::matmul(m_bwdWeights),
            {{DNNL_ARG_SRC, dyT},
             {DNNL_ARG_WEIGHTS, x},
             {DNNL_ARG_DST, wrap(io.paramGrads[0], m_masterWeights)}},
            m_bwdWeights.scratchpad_desc(), io);
    if (m_hasBias) {
      m_biasSource = dy.get_data_handle();
      m_biasGrad = io.paramGrads[1];
    }
  }

  void forward(dnnl::stream& stream) override {
    run(m_forward, stream);  // for a shifted input: only its plain layout, if it was not
    if (!m_shifted) return;
    // Locals: a byte store may alias the members, which would be loaded again for every byte.
    const int8_t* from = m_signed;
    auto* to = static_cast<uint8_t*>(m_unsigned.get_data_handle());
    const int64_t count = static_cast<int64_t>(m_x.get_size());
#pragma omp simd
    for (int64_t i = 0; i < count; ++i) to[i] = static_cast<uint8_t>(from[i] + kShift);
    run(m_product, stream);
  }

  void backward(dnnl::stream& stream) override {
    run(m_backward, stream);
    if (m_biasGrad.empty()) return;
    const int64_t out = m_biasGrad.numel();
    float* db = m_biasGrad.data<float>();
    std::fill_n(db, out, 0.f);
    for (int64_t r = 0; r < m_batch; ++r) {
      if (m_compute == DType::bf16) {
        const auto* row = static_cast<const uint16_t*>(m_biasSource) + r * out;
#pragma omp simd
        for (int64_t c = 0; c < out; ++c) db[c] += bf16ToFloat(row[c]);
      } else {
        const auto* row = static_cast<const float*>(m_biasSource) + r * out;
#pragma omp simd
        for (int64_t c = 0; c < out; ++c) db[c] += row[c];
      }
    }
  }

 private:
  // A plain buffer seen as the (rows, columns) matrix `matrix`.
  static dnnl::memory rows(const dnnl::memory& plain, const dnnl::memory::desc& matrix) {
    return dnnl::memory(matrix, cpuEngine(), plain.get_data_handle());
  }

  void bindInt8(const dnnl::memory& x, const dnnl::memory& y, const KernelIO& io) {
    dnnl::memory weights(m_fwd.weights_desc(), cpuEngine());
    const auto k = m_masterWeights.dims()[1], out = m_masterWeights.dims()[0];
    const dnnl::memory::desc plainT({k, out}, dnnl::memory::data_type::f32, tag::ba);
    quantizeWeights(wrap(io.params[0], plainT), weights, m_quant.weightScales, 1 << 1);
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, y}};
    if (m_hasBias) {
      m_scaledBias = m_quant.scaledBias(io.params[1]);
      args[DNNL_ARG_BIAS] = wrap(m_scaledBias, m_bias);
    }
    if (!m_shifted)
      return addStep(m_forward, dnnl::matmul(m_fwd), args, m_fwd.scratchpad_desc(), io);
    m_implementation = m_fwd.impl_info_str();
    addStep(m_product, dnnl::matmul(m_fwd), args, m_fwd.scratchpad_desc(), io);
  }

  static constexpr int kShift = 128;
  bool m_shifted = false;            // int8 with a signed input: see the class comment
  const int8_t* m_signed = nullptr;  // the input, plain
  dnnl::memory m_unsigned;           // the input + 128, the product's source
  Steps m_product;                   // the product after the shift
  bool m_hasBias = true;
  Tensor m_scaledBias;
  int64_t m_batch = 0;
  dnnl::memory::desc m_xShaped, m_dyShaped;  // the graph's (N, ..., K) and (N, ..., OUT)
  dnnl::memory::desc m_x, m_dy, m_y, m_masterWeights, m_weights, m_bias;
  dnnl::matmul::primitive_desc m_fwd, m_bwdData, m_bwdWeights;
  const void* m_biasSource = nullptr;  // dy in the compute type
  Tensor m_biasGrad;                   // empty without a bias or when not training
};
}  // namespace

const CpuKernelRegistration kLinear{{"Linear"}, makeKernel<CpuLinear>};

}  // namespace twb
