#include <algorithm>
#include <cstring>

#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
// y = scale * (the sum of x over the axes marked in `reduced`), both row-major. Neighbouring axes
// that are both reduced or both kept are merged, and the innermost run is one contiguous loop.
void reduceLoop(const float* x, const Shape& shape, const std::vector<bool>& reduced, float scale,
                float* y) {
  struct Run {
    int64_t size;
    bool reduced;
    int64_t outStride = 0;  // 0 for a reduced run
  };
  std::vector<Run> runs;
  for (size_t a = 0; a < shape.size(); ++a) {
    if (!runs.empty() && runs.back().reduced == reduced[a])
      runs.back().size *= shape[a];
    else
      runs.push_back({shape[a], reduced[a]});
  }
  int64_t outCount = 1;
  for (auto run = runs.rbegin(); run != runs.rend(); ++run) {
    if (run->reduced) continue;
    run->outStride = outCount;
    outCount *= run->size;
  }
  std::fill_n(y, outCount, 0.f);
  const Run inner = runs.back();
  runs.pop_back();
  std::vector<int64_t> counter(runs.size(), 0);
  const int64_t rows = numel(shape) / inner.size;
  int64_t out = 0;  // where this row's sums go
  for (int64_t row = 0; row < rows; ++row) {
    const float* in = x + row * inner.size;
    if (inner.reduced) {
      float sum = 0;
      for (int64_t i = 0; i < inner.size; ++i) sum += in[i];
      y[out] += sum;
    } else {
      for (int64_t i = 0; i < inner.size; ++i) y[out + i] += in[i];
    }
    for (size_t r = runs.size(); r-- > 0;) {  // the next row's position, odometer-style
      out += runs[r].outStride;
      if (++counter[r] < runs[r].size) break;
      out -= runs[r].outStride * runs[r].size;
      counter[r] = 0;
    }
  }
  for (int64_t i = 0; i < outCount; ++i) y[i] *= scale;
}

// ReduceMean and ReduceSum on oneDNN's reduction, in f32 over plain layouts; the output is
// computed with the reduced axes kept as 1 (the same bytes either way). Backward spreads the
// output's gradient back over the input's shape (added to zeros, scaled by 1/count for a mean).
// Where oneDNN 2.6 has only its reference reduction (a ViT's mean over tokens, 64x16x64 over
// axis 1: 1.0 ms), forward runs reduceLoop() instead (0.02 ms).
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
    // Axes of size 1 alone (a mean over 1 x 1 maps: an ImageNet network on 32 x 32 images) reduce
    // nothing, which oneDNN has no reduction for: the loop copies.
    m_loop = kept == shape;
    if (!m_loop) {
      m_fwd = dnnl::reduction::primitive_desc(
          {mean ? dnnl::algorithm::reduction_mean : dnnl::algorithm::reduction_sum, m_x, m_kept,
           0.f, 0.f},
          attributes(), cpuEngine());
      noteScratchpad(m_fwd.scratchpad_desc());
      m_loop = isReferenceKernel(m_fwd);
    }
    m_shape = shape;
    m_reduced.assign(shape.size(), false);
    for (size_t a = 0; a < shape.size(); ++a) m_reduced[a] = kept[a] == 1 && shape[a] != 1;
    m_scale = mean ? static_cast<float>(numel(kept)) / static_cast<float>(numel(shape)) : 1.f;
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
    m_src = inLayout(m_forward, io.inputs[0], m_x);
    m_dst = io.output;
    if (m_loop)
      m_implementation = "own loop";
    else
      addStep(m_forward, dnnl::reduction(m_fwd), {{DNNL_ARG_SRC, m_src}, {DNNL_ARG_DST, kept}},
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

  void forward(dnnl::stream& stream) override {
    run(m_forward, stream);
    if (m_loop)
      reduceLoop(static_cast<const float*>(m_src.get_data_handle()), m_shape, m_reduced, m_scale,
                 static_cast<float*>(m_dst.get_data_handle()));
  }

 private:
  bool m_loop = false;  // forward by reduceLoop()
  Shape m_shape;
  std::vector<bool> m_reduced;
  float m_scale = 1;
  dnnl::memory m_src, m_dst;
  dnnl::memory::desc m_x, m_kept;
  dnnl::memory m_zeros;
  dnnl::reduction::primitive_desc m_fwd;
  dnnl::binary::primitive_desc m_bwd;
};
}  // namespace

const CpuKernelRegistration kReduce{{"ReduceMean", "ReduceSum"}, makeKernel<CpuReduce>};

}  // namespace twb
