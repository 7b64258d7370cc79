#include "backend/cpu/cpu_kernel.h"
#include "backend/cpu/tile_product.h"

namespace twb {

namespace {
// The last two dimensions of a plain tensor's layout swapped: its transpose, without a copy.
dnnl::memory::desc transposedView(const dnnl::memory::desc& plain) {
  std::vector<int> axes(static_cast<size_t>(plain.dims().size()));
  for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int>(i);
  std::swap(axes[axes.size() - 1], axes[axes.size() - 2]);
  return plain.permute_axes(axes);
}

// MatMul of two activations on oneDNN's batched matmul, over plain layouts; f32 forward of small
// matrices (attention's) by smallProducts(). Backward reads the inputs through transposed views:
// dA = dC B^T, dB = A^T dC.
class CpuMatMul : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const Shape a = shapeOf(in[0]), b = shapeOf(in[1]);
    m_a = plainDesc(a, m_compute);
    m_b = plainDesc(b, m_compute);
    m_c = plainDesc(node.op->outputShape({a, b}), m_output);
    m_fwd = dnnl::matmul::primitive_desc({m_a, m_b, m_c}, attributes(), cpuEngine());
    noteScratchpad(m_fwd.scratchpad_desc());
    const size_t r = a.size();
    m_small = {numel(a) / (a[r - 2] * a[r - 1]), a[r - 2], a[r - 1], b[r - 1]};
    m_loop = m_compute == DType::f32 && m_output == DType::f32 && smallProductsPay(m_small);
    if (training) {
      m_dc = plainDesc(shapeOf(m_c), m_compute);
      m_gradA =
          dnnl::matmul::primitive_desc({m_dc, transposedView(m_b), m_a}, attributes(), cpuEngine());
      m_gradB =
          dnnl::matmul::primitive_desc({transposedView(m_a), m_dc, m_b}, attributes(), cpuEngine());
      noteScratchpad(m_gradA.scratchpad_desc());
      noteScratchpad(m_gradB.scratchpad_desc());
    }
    return m_c;
  }

  void bind(const KernelIO& io) override {
    const dnnl::memory a = inLayout(m_forward, io.inputs[0], m_a);
    const dnnl::memory b = inLayout(m_forward, io.inputs[1], m_b);
    m_src[0] = a;
    m_src[1] = b;
    m_dst = io.output;
    if (m_loop)
      m_implementation = "own loop";
    else
      addStep(m_forward, dnnl::matmul(m_fwd),
              {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, io.output}},
              m_fwd.scratchpad_desc(), io);
    if (!io.outputGrad) return;
    const dnnl::memory dc = inLayout(m_backward, io.outputGrad, m_dc);
    auto view = [](const dnnl::memory& m) {
      return dnnl::memory(transposedView(m.get_desc()), cpuEngine(), m.get_data_handle());
    };
    if (io.inputGrads[0]) {
      const dnnl::memory da = writeBuffer(io.inputGrads[0], m_a);
      addStep(m_backward, dnnl::matmul(m_gradA),
              {{DNNL_ARG_SRC, dc}, {DNNL_ARG_WEIGHTS, view(b)}, {DNNL_ARG_DST, da}},
              m_gradA.scratchpad_desc(), io);
      finishInto(m_backward, da, io.inputGrads[0]);
    }
    if (io.inputGrads[1]) {
      const dnnl::memory db = writeBuffer(io.inputGrads[1], m_b);
      addStep(m_backward, dnnl::matmul(m_gradB),
              {{DNNL_ARG_SRC, view(a)}, {DNNL_ARG_WEIGHTS, dc}, {DNNL_ARG_DST, db}},
              m_gradB.scratchpad_desc(), io);
      finishInto(m_backward, db, io.inputGrads[1]);
    }
  }

  void forward(dnnl::stream& stream) override {
    run(m_forward, stream);
    if (m_loop)
      smallProducts(static_cast<const float*>(m_src[0].get_data_handle()),
                    static_cast<const float*>(m_src[1].get_data_handle()),
                    static_cast<float*>(m_dst.get_data_handle()), m_small);
  }

 private:
  bool m_loop = false;  // forward by smallProducts()
  SmallProductShape m_small;
  dnnl::memory m_src[2], m_dst;
  dnnl::memory::desc m_a, m_b, m_c, m_dc;
  dnnl::matmul::primitive_desc m_fwd, m_gradA, m_gradB;
};
}  // namespace

const CpuKernelRegistration kMatMul{{"MatMul"}, makeKernel<CpuMatMul>};

}  // namespace twb
