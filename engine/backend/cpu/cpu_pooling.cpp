#include "backend/cpu/blocked_pooling.h"
#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
using tag = dnnl::memory::format_tag;

// MaxPool2d, AvgPool2d and GlobalAvgPool on oneDNN pooling. The output keeps the input's layout
// family (blocked in, blocked out). GlobalAvgPool's output is a plain (N, C): the primitive
// writes (N, C, 1, 1) in the input's family (oneDNN's fast kernels need the same family on
// both sides; nchw out of a blocked input falls to the reference one, 20x slower), and a small
// reorder makes it plain. Max and global average pooling in f32 inference over an nChw8c input
// run blocked_pooling.h's loops instead, up to 1.6x (max) and 2.5x (global average) as fast as
// oneDNN 2.6's kernel there.
class CpuPooling : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const auto src = in[0].dims();
    dnnl::memory::dims kernel, stride, padL{0, 0}, padR{0, 0};
    dnnl::algorithm algo = dnnl::algorithm::pooling_max;
    dnnl::memory::desc dst;
    m_global = node.opName == "GlobalAvgPool";
    if (m_global) {
      kernel = stride = {src[2], src[3]};
      algo = dnnl::algorithm::pooling_avg_exclude_padding;
      m_plainOut = dnnl::memory::desc({src[0], src[1], 1, 1}, in[0].data_type(), tag::nchw);
      dst = dnnl::memory::desc({src[0], src[1], 1, 1}, in[0].data_type(), tag::any);
    } else {
      const Attrs& a = node.op->attrs();
      const auto k = a.pair("kernel"), p = a.pair("padding");
      auto s = a.pair("stride");
      if (s[0] == 0 && s[1] == 0) s = k;
      kernel = {k[0], k[1]};
      stride = {s[0], s[1]};
      const Shape& out = node.op->outputShape({Shape(src.begin(), src.end())});
      for (int i = 0; i < 2; ++i) {
        padL[i] = p[i];
        padR[i] = (out[2 + i] - 1) * s[i] + k[i] - src[2 + i] - p[i];
      }
      // Without padding only a ceil_mode window that overhangs the edge covers less than the
      // kernel, and PyTorch divides it by what it covers: excluding the padding says so.
      if (node.opName == "AvgPool2d")
        algo = a.boolean("count_include_pad") && (p[0] > 0 || p[1] > 0)
                   ? dnnl::algorithm::pooling_avg_include_padding
                   : dnnl::algorithm::pooling_avg_exclude_padding;
      dst = dnnl::memory::desc({out[0], out[1], out[2], out[3]}, in[0].data_type(), tag::any);
    }
    if (!training && node.opName != "AvgPool2d" &&
        takesBlockedLoop(in[0], dst.dims(), kernel, stride, padL))
      return m_global ? dnnl::memory::desc({src[0], src[1]}, dnnl::memory::data_type::f32, tag::nc)
                      : dnnl::memory::desc(dst.dims(), dnnl::memory::data_type::f32, tag::nChw8c);
    const auto prop = training ? dnnl::prop_kind::forward_training
                               : dnnl::prop_kind::forward_inference;
    m_fwd = dnnl::pooling_forward::primitive_desc(
        {prop, algo, in[0], dst, stride, kernel, padL, padR}, attributes(), cpuEngine());
    noteScratchpad(m_fwd.scratchpad_desc());
    if (training) {
      m_bwd = dnnl::pooling_backward::primitive_desc(
          {algo, in[0], m_fwd.dst_desc(), stride, kernel, padL, padR}, attributes(), cpuEngine(),
          m_fwd);
      noteScratchpad(m_bwd.scratchpad_desc());
    }
    return m_global ? dnnl::memory::desc({src[0], src[1]}, in[0].data_type(), tag::nc)
                    : m_fwd.dst_desc();
  }

  void bind(const KernelIO& io) override {
    if (m_blockedLoop) {
      m_src = io.inputs[0];
      m_dst = io.output;
      m_implementation = "own loop over nChw8c";
      return;
    }
    // GlobalAvgPool's (N, C) output is the same bytes as a plain (N, C, 1, 1).
    const auto view = [&](const dnnl::memory& m) {
      return m_global ? dnnl::memory(m_plainOut, cpuEngine(), m.get_data_handle()) : m;
    };
    const dnnl::memory dst = writeBuffer(view(io.output), m_fwd.dst_desc());
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, io.inputs[0]}, {DNNL_ARG_DST, dst}};
    dnnl::memory workspace;
    if (m_fwd.workspace_desc().get_size() > 0) {
      workspace = dnnl::memory(m_fwd.workspace_desc(), cpuEngine());
      args[DNNL_ARG_WORKSPACE] = workspace;
    }
    addStep(m_forward, dnnl::pooling_forward(m_fwd), args, m_fwd.scratchpad_desc(), io);
    finishInto(m_forward, dst, view(io.output));
    if (!io.outputGrad || !io.inputGrads[0]) return;
    const dnnl::memory diffDst = inLayout(m_backward, view(io.outputGrad), m_bwd.diff_dst_desc());
    std::unordered_map<int, dnnl::memory> bargs{{DNNL_ARG_DIFF_DST, diffDst},
                                                {DNNL_ARG_DIFF_SRC, io.inputGrads[0]}};
    if (workspace) bargs[DNNL_ARG_WORKSPACE] = workspace;
    addStep(m_backward, dnnl::pooling_backward(m_bwd), bargs, m_bwd.scratchpad_desc(), io);
  }

  void forward(dnnl::stream& stream) override {
    if (!m_blockedLoop) return run(m_forward, stream);
    const auto* src = static_cast<const float*>(m_src.get_data_handle());
    auto* dst = static_cast<float*>(m_dst.get_data_handle());
    if (m_global)
      globalAvgPoolBlocked(src, m_planes, dst);
    else
      maxPoolBlocked(src, m_planes, m_window, dst);
  }

 private:
  // Whether blocked_pooling.h takes this pooling: an f32 input in nChw8c with whole blocks.
  bool takesBlockedLoop(const dnnl::memory::desc& in, const dnnl::memory::dims& out,
                        const dnnl::memory::dims& kernel, const dnnl::memory::dims& stride,
                        const dnnl::memory::dims& padding) {
    const auto dims = in.dims();
    if (m_compute != DType::f32 || dims[1] % 8 != 0 ||
        in != dnnl::memory::desc(dims, dnnl::memory::data_type::f32, tag::nChw8c))
      return false;
    m_blockedLoop = true;
    m_planes = {dims[0], dims[1], dims[2], dims[3]};
    for (int i = 0; i < 2; ++i) {
      m_window.kernel[i] = kernel[i];
      m_window.stride[i] = stride[i];
      m_window.padding[i] = padding[i];
    }
    m_window.outHeight = out[2];
    m_window.outWidth = out[3];
    return true;
  }

  bool m_global = false;
  bool m_blockedLoop = false;  // set by takesBlockedLoop()
  BlockedPlanes m_planes;
  PoolWindow m_window;
  dnnl::memory m_src, m_dst;
  dnnl::memory::desc m_plainOut;  // GlobalAvgPool
  dnnl::pooling_forward::primitive_desc m_fwd;
  dnnl::pooling_backward::primitive_desc m_bwd;
};
}  // namespace

const CpuKernelRegistration kPooling{{"MaxPool2d", "AvgPool2d", "GlobalAvgPool"}, makeKernel<CpuPooling>};

}  // namespace twb
