#include <algorithm>
#include <array>
#include <vector>

#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
// Where each output row (or column) of a bilinear upsample by a whole `factor` reads, at pixel
// centres (PyTorch's align_corners=False, oneDNN's linear): the two input indices and their
// weights, clamped at the edges as both clamp them.
struct LinearTap {
  int64_t first, second;
  float firstWeight, secondWeight;
};

std::vector<LinearTap> linearTaps(int64_t inputs, int64_t factor) {
  std::vector<LinearTap> taps(static_cast<size_t>(inputs * factor));
  for (int64_t o = 0; o < inputs * factor; ++o) {
    const float at = std::max(0.f, (static_cast<float>(o) + 0.5f) / factor - 0.5f);
    const auto first = std::min(static_cast<int64_t>(at), inputs - 1);
    const float toSecond = at - static_cast<float>(first);
    taps[static_cast<size_t>(o)] = {first, std::min(first + 1, inputs - 1), 1.f - toSecond,
                                    toSecond};
  }
  return taps;
}

// Upsample on oneDNN's resampling, f32 on plain buffers: nearest or linear (oneDNN's linear
// samples at pixel centres, PyTorch's align_corners=False). Backward is a loop of our own, each
// image's plane on its own thread: oneDNN 2.6 has only its `simple:any` resampling backward,
// which took 8 ms (nearest, 64 x 16 x 26 x 26 to 52 x 52) and 50 ms (bilinear, 52 x 52 to
// 104 x 104) on 2 cores, 10 and 5 times its forward.
class CpuUpsample : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const Shape x = shapeOf(in[0]);
    const auto s = node.op->attrs().pair("scale");
    m_bilinear = node.op->attrs().string("mode") == "bilinear";
    m_planes = x[0] * x[1];
    m_height = x[2];
    m_width = x[3];
    m_factor = {s[0], s[1]};
    m_x = plainDesc(x);
    m_y = plainDesc({x[0], x[1], x[2] * s[0], x[3] * s[1]});
    const auto prop =
        training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
    m_fwd = dnnl::resampling_forward::primitive_desc(
        {prop,
         m_bilinear ? dnnl::algorithm::resampling_linear : dnnl::algorithm::resampling_nearest, m_x,
         m_y},
        attributes(), cpuEngine());
    noteScratchpad(m_fwd.scratchpad_desc());
    if (training && m_bilinear) {
      m_rows = linearTaps(m_height, m_factor[0]);
      m_columns = linearTaps(m_width, m_factor[1]);
    }
    return m_y;
  }

  void bind(const KernelIO& io) override {
    const dnnl::memory x = inLayout(m_forward, io.inputs[0], m_x);
    const dnnl::memory y = writeBuffer(io.output, m_y);
    addStep(m_forward, dnnl::resampling_forward(m_fwd), {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}},
            m_fwd.scratchpad_desc(), io);
    finishInto(m_forward, y, io.output);
    if (!io.outputGrad || io.inputGrads.empty() || !io.inputGrads[0]) return;
    m_dy = inLayout(m_backward, io.outputGrad, m_y);  // m_backward: what comes before the loop
    m_dx = writeBuffer(io.inputGrads[0], m_x);
    finishInto(m_afterBackward, m_dx, io.inputGrads[0]);
  }

  void backward(dnnl::stream& stream) override {
    if (!m_dx) return;
    run(m_backward, stream);
    const auto* dy = static_cast<const float*>(m_dy.get_data_handle());
    auto* dx = static_cast<float*>(m_dx.get_data_handle());
    const int64_t plane = m_height * m_width, planeOut = plane * m_factor[0] * m_factor[1];
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < m_planes; ++p) {
      if (m_bilinear)
        bilinearBackward(dy + p * planeOut, dx + p * plane);
      else
        nearestBackward(dy + p * planeOut, dx + p * plane);
    }
    run(m_afterBackward, stream);
  }

  // Its gradient is a function of the output's gradient alone.
  bool backwardReadsInput(size_t) const override { return false; }
  bool backwardReadsOutput() const override { return false; }

 private:
  // Each input pixel's gradient: the sum over the factor[0] x factor[1] outputs copied from it.
  void nearestBackward(const float* dy, float* dx) const {
    const int64_t widthOut = m_width * m_factor[1];
    for (int64_t i = 0; i < m_height; ++i) {
      float* row = dx + i * m_width;
      std::fill(row, row + m_width, 0.f);
      for (int64_t a = 0; a < m_factor[0]; ++a) {
        const float* from = dy + (i * m_factor[0] + a) * widthOut;
        for (int64_t j = 0; j < m_width; ++j)
          for (int64_t b = 0; b < m_factor[1]; ++b) row[j] += from[j * m_factor[1] + b];
      }
    }
  }

  // Each output's gradient spread back over the four inputs it mixed, by the same weights.
  void bilinearBackward(const float* dy, float* dx) const {
    std::fill(dx, dx + m_height * m_width, 0.f);
    const auto widthOut = static_cast<int64_t>(m_columns.size());
    for (size_t o = 0; o < m_rows.size(); ++o) {
      const LinearTap& r = m_rows[o];
      const float* from = dy + static_cast<int64_t>(o) * widthOut;
      float* top = dx + r.first * m_width;
      float* bottom = dx + r.second * m_width;
      for (int64_t q = 0; q < widthOut; ++q) {
        const LinearTap& c = m_columns[static_cast<size_t>(q)];
        const float g = from[q];
        top[c.first] += r.firstWeight * c.firstWeight * g;
        top[c.second] += r.firstWeight * c.secondWeight * g;
        bottom[c.first] += r.secondWeight * c.firstWeight * g;
        bottom[c.second] += r.secondWeight * c.secondWeight * g;
      }
    }
  }

  bool m_bilinear = false;
  int64_t m_planes = 0, m_height = 0, m_width = 0;
  std::array<int64_t, 2> m_factor{1, 1};
  std::vector<LinearTap> m_rows, m_columns;  // bilinear's, in training
  dnnl::memory::desc m_x, m_y;
  dnnl::memory m_dy, m_dx;
  Steps m_afterBackward;
  dnnl::resampling_forward::primitive_desc m_fwd;
};
}  // namespace

const CpuKernelRegistration kUpsample{{"Upsample"}, makeKernel<CpuUpsample>};

}  // namespace twb
