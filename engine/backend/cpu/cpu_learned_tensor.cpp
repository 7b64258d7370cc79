#include <algorithm>

#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
using Binary = dnnl::binary::primitive_desc;

// x's and p's shapes with each run of neighbouring axes that p either spans (p's size is x's) or
// repeats along (p's size is 1) merged into one axis: Swin's relative position bias, (heads, N, N)
// on (batch, windows, heads, N, N), is (1, heads·N·N) on (batch·windows, heads·N·N), a broadcast
// oneDNN's own kernels take where the 5-D form falls to its reference one.
std::pair<Shape, Shape> mergedRuns(const Shape& x, const Shape& p) {
  Shape mx, mp;
  bool lastSpans = false;
  for (size_t d = 0; d < x.size(); ++d) {
    if (x[d] == 1) continue;
    const bool spans = p[d] != 1;
    if (!mx.empty() && spans == lastSpans) {
      mx.back() *= x[d];
      mp.back() *= p[d];
    } else {
      mx.push_back(x[d]);
      mp.push_back(p[d]);
    }
    lastSpans = spans;
  }
  if (mx.empty()) return {{1}, {1}};
  return {mx, mp};
}

// y = x (op) p over the merged runs, f32: the broadcasts oneDNN has no kernel of its own for,
// a repeat between two spans (Swin's attention mask, (windows, 1, N·N) on (batch, windows, heads,
// N·N)). One row is the last run; each row finds its place in p once.
void broadcastLoop(const float* x, const float* p, float* y, const Shape& xs, const Shape& ps,
                   bool multiplies) {
  const size_t rank = xs.size();
  const int64_t row = xs.back(), rows = numel(xs) / row;
  const bool rowSpans = ps.back() != 1;
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t at = 0, rest = r, stride = ps.back();  // p's offset of row r
    for (size_t d = rank - 1; d-- > 0;) {
      const int64_t i = rest % xs[d];
      rest /= xs[d];
      if (ps[d] != 1) at += i * stride;
      stride *= ps[d];
    }
    const float* in = x + r * row;
    float* out = y + r * row;
    for (int64_t j = 0; j < row; ++j) {
      const float v = p[rowSpans ? at + j : at];
      out[j] = multiplies ? in[j] * v : in[j] + v;
    }
  }
}

// The parameter's gradient of a (rows, columns) broadcast: the column sums, each column's rows
// added in order (the same sum for any thread count), a block of columns a thread. oneDNN's
// reduction took 1.2-1.6 ms for Swin's (576, 512) where this reads 1.2 MB.
void columnSums(const float* in, int64_t rows, int64_t columns, float* out) {
  constexpr int64_t kBlock = 64;
  const int64_t blocks = (columns + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t first = b * kBlock, last = std::min(columns, first + kBlock);
    for (int64_t c = first; c < last; ++c) out[c] = 0.f;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = first; c < last; ++c) out[c] += in[r * columns + c];
  }
}

// Bias and LayerScale: one oneDNN binary add or multiply with the f32 parameter broadcast as its
// second source, on the merged runs (mergedRuns); an own loop where oneDNN's would be its
// reference kernel. Backward sums the parameter's gradient over the batch and the broadcast
// dimensions (a reduction into its f32 gradient): of dy for Bias, of dy * x for LayerScale, whose
// input gradient is dy * p (Bias passes dy through). A fixed tensor has no gradient.
class CpuLearnedTensor : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    using algorithm = dnnl::algorithm;
    const Shape x = shapeOf(in[0]);
    Shape p = node.op->attrs().integers("shape");
    p.insert(p.begin(), x.size() - p.size(), 1);  // aligned at the last dimension
    std::tie(m_runs, m_paramRuns) = mergedRuns(x, p);
    m_multiplies = node.opName == "LayerScale";
    m_input = plainDesc(x, m_compute);
    m_x = plainDesc(m_runs, m_compute);
    m_param = plainDesc(m_paramRuns);
    m_y = plainDesc(m_runs, m_output);
    m_fwd = binary(m_multiplies ? algorithm::binary_mul : algorithm::binary_add, m_x, m_param, m_y);
    m_loop = isReferenceKernel(m_fwd) && m_compute == DType::f32 && m_output == DType::f32;
    if (training) {
      if (m_multiplies) {
        m_gradX = binary(algorithm::binary_mul, m_x, m_param, m_x);  // dy * p
        m_product = binary(algorithm::binary_mul, m_x, m_x, m_x);    // dy * x
      }
      m_sumColumns = m_runs.size() == 2 && m_paramRuns[0] == 1 && m_compute == DType::f32;
      m_reduce = dnnl::reduction::primitive_desc({algorithm::reduction_sum, m_x, m_param, 0.f, 0.f},
                                                 attributes(), cpuEngine());
      noteScratchpad(m_reduce.scratchpad_desc());
    }
    return plainDesc(x, m_output);
  }

  void bind(const KernelIO& io) override {
    const dnnl::memory x = runs(inLayout(m_forward, io.inputs[0], m_input), m_x);
    const dnnl::memory param = wrap(io.params[0], m_param);
    m_xLoop = x;
    m_paramLoop = param;
    m_yLoop = runs(io.output, m_y);
    if (m_loop)
      m_implementation = "own loop";
    else
      addBinary(m_forward, m_fwd, x, param, m_yLoop, io);
    if (!io.outputGrad) return;
    const dnnl::memory dyPlain = inLayout(m_backward, io.outputGrad, m_input);
    const dnnl::memory dy = runs(dyPlain, m_x);
    if (io.inputGrads[0]) {
      if (m_multiplies) {
        const dnnl::memory gradX = writeBuffer(io.inputGrads[0], m_input);
        addBinary(m_backward, m_gradX, dy, param, runs(gradX, m_x), io);
        finishInto(m_backward, gradX, io.inputGrads[0]);
      } else {
        addReorder(m_backward, dyPlain, io.inputGrads[0]);
      }
    }
    if (io.paramGrads[0].empty()) return;  // a fixed tensor: nothing to learn
    dnnl::memory summed = dy;
    if (m_multiplies) {  // dy * x at x's shape, then summed like Bias's dy
      summed = dnnl::memory(m_x, cpuEngine());
      addBinary(m_backward, m_product, dy, x, summed, io);
    }
    m_summed = summed;
    m_paramGrad = io.paramGrads[0];
    if (!m_sumColumns)
      addStep(m_backward, dnnl::reduction(m_reduce),
              {{DNNL_ARG_SRC, summed}, {DNNL_ARG_DST, wrap(io.paramGrads[0], m_param)}},
              m_reduce.scratchpad_desc(), io);
  }

  void backward(dnnl::stream& stream) override {
    run(m_backward, stream);
    if (m_sumColumns && !m_paramGrad.empty())
      columnSums(static_cast<const float*>(m_summed.get_data_handle()), m_runs[0], m_runs[1],
                 m_paramGrad.data<float>());
  }

  void forward(dnnl::stream& stream) override {
    run(m_forward, stream);
    if (m_loop)
      broadcastLoop(static_cast<const float*>(m_xLoop.get_data_handle()),
                    static_cast<const float*>(m_paramLoop.get_data_handle()),
                    static_cast<float*>(m_yLoop.get_data_handle()), m_runs, m_paramRuns,
                    m_multiplies);
  }

 private:
  // A plain memory's buffer seen as the merged runs: the same bytes in the same order.
  static dnnl::memory runs(const dnnl::memory& plain, const dnnl::memory::desc& merged) {
    return dnnl::memory(merged, cpuEngine(), plain.get_data_handle());
  }

  bool m_multiplies = false;
  bool m_loop = false;        // forward by broadcastLoop()
  bool m_sumColumns = false;  // the parameter's gradient by columnSums()
  dnnl::memory m_summed;      // what columnSums() reads
  Tensor m_paramGrad;
  Shape m_runs, m_paramRuns;
  dnnl::memory::desc m_input, m_x, m_param, m_y;
  dnnl::memory m_xLoop, m_paramLoop, m_yLoop;
  Binary m_fwd, m_gradX, m_product;
  dnnl::reduction::primitive_desc m_reduce;
};
}  // namespace

const CpuKernelRegistration kLearnedTensor{{"Bias", "LayerScale"}, makeKernel<CpuLearnedTensor>};

}  // namespace twb
