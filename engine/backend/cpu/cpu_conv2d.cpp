#include <algorithm>
#include <limits>

#include "backend/cpu/cpu_kernel.h"
#include "backend/cpu/int8_patch_convolution.h"
#include "backend/cpu/winograd_conv3x3.h"
#include "backend/cpu/winograd_int8_conv3x3.h"
#include "ops/fused_activation.h"

namespace twb {

namespace {
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

// `desc`'s dimensions and type in the plain row-major layout (nchw).
dnnl::memory::desc plainLayout(const dnnl::memory::desc& desc) {
  return dnnl::memory::desc(desc.dims(), desc.data_type(), tag::nchw);
}

// Conv2d on oneDNN: source, weights and destination in the layouts the primitive prefers
// (format any), so a chain of convolutions and activations stays blocked. Master weights are
// plain f32 (OC, IC/G, KH, KW), reordered (and cast, in bf16) once per step into the layout and
// type the primitive wants; weight and bias gradients are computed in f32.
// In frozen fp32 inference a 1x1 convolution absorbs the 3x3 depthwise one that reads its output
// (MobileNet's expansion and depthwise pair: a oneDNN depthwise post-op), so the expanded
// activations, the block's largest, never go to memory. In fp32 a 3x3 convolution with stride 1
// runs as Winograd's F(4x4, 3x3) (winograd_conv3x3.h), forward and, when training, backward to
// its input and its weights. Frozen weights are transformed once, trained ones at every forward.
// In int8 on a CPU without VNNI it runs as Winograd's F(4x4, 3x3) in integers, and one with
// stride 2 as four convolutions on its input's phases by F(2, 2) (winograd_int8_conv3x3.h), with
// the same results as a direct sum that does not saturate; one of fewer than 4 input channels
// as a 1x1 convolution over its input's patches (int8_patch_convolution.h).
class CpuConv2d : public CpuKernel {
 public:
  bool absorb(const GraphNode& self, const GraphNode& next,
              const dnnl::memory::desc& residual) override {
    if (next.opName == "Add") return absorbResidualSum(self, next, residual);
    if (m_compute != DType::f32) return false;
    if (next.opName != "Conv2d") return false;
    const Attrs& a = self.op->attrs();
    const Attrs& b = next.op->attrs();
    const auto& w = self.params[0].shape;
    const auto& dw = next.params[0].shape;
    const std::vector<int64_t> one{1, 1}, zero{0, 0};
    const bool pointwise = w[2] == 1 && w[3] == 1 && a.integer("groups") == 1 &&
                           a.pair("stride") == one && a.pair("padding") == zero;
    const auto stride = b.pair("stride");
    const bool depthwise3x3 = b.integer("groups") == w[0] && dw[0] == w[0] && dw[1] == 1 &&
                              dw[2] == 3 && dw[3] == 3 && b.pair("padding") == one &&
                              b.pair("dilation") == one && stride[0] == stride[1] &&
                              (stride[0] == 1 || stride[0] == 2);
    if (!pointwise || !depthwise3x3) return false;
    m_depthwise = &next;
    return true;
  }

  // A ResNet block's last convolution adds the shortcut into the shortcut's own buffer (oneDNN's
  // sum post-op, then the sum's activation), so the sum never makes a pass over memory of its own
  // (ResNet-50's 16 sums with their ReLU: 20 ms of a 375-455 ms step at batch 16 on an AVX-512
  // EPYC). Under int8 the sum is in the output's units, as the Add would write it, without
  // rounding this convolution's result to int8 first (ResNet-50's sums: 15 ms of a 549 ms step on
  // an AVX2 EPYC, the post-op 0.3-1.2 ms a convolution in profiles).
  // Not after this convolution's own activation, and not for a 3x3 one that may run by Winograd
  // (with stride 1, or 2 in int8).
  bool absorbResidualSum(const GraphNode& self, const GraphNode& sum,
                         const dnnl::memory::desc& residual) {
    const bool mayBeWinograd = isInt8() ? isWinogradShape(self, {1, 2}) : isWinogradShape(self);
    if (!residual || mayBeWinograd || fusedActivation(self.op->attrs()) != FusedActivation::none ||
        (isInt8() && activationSeesRealValues(sum)))
      return false;
    m_residualSum = &sum;
    m_residual = residual;
    return true;
  }

  // On CPUs without VNNI oneDNN's direct int8 kernels add u8 x s8 pairs in s16, which 8-bit
  // weights saturate with a u8 input (an s8 input's weights the kernels halve themselves);
  // Winograd's in integers sums exactly.
  int int8WeightLevels(const GraphNode& node, const Shape& input, bool signedInput) const override {
    const auto& w = node.params[0].shape;
    const bool exact =
        runsInt8Winograd(node, withStride(node, {input[0], w[1], w[0], input[2], input[3]}));
    return signedInput || exact ? 127 : int8MatmulWeightLevels();
  }

  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const Attrs& a = node.op->attrs();
    const auto stride = a.pair("stride"), pad = a.pair("padding"), dil = a.pair("dilation");
    const int64_t groups = a.integer("groups");
    const auto& w = node.params[0].shape;  // (OC, IC/G, KH, KW)
    m_hasBias = node.params.size() > 1;
    const auto src = in[0].dims();
    const dnnl::memory::dims out{src[0], w[0], 0, 0};
    dnnl::memory::dims dstDims = out;
    dnnl::memory::dims padR(2);
    for (int i = 0; i < 2; ++i) {
      const int64_t span = (w[2 + i] - 1) * dil[i] + 1;
      dstDims[2 + i] = (src[2 + i] + 2 * pad[i] - span) / stride[i] + 1;
      padR[i] = (dstDims[2 + i] - 1) * stride[i] + span - src[2 + i] - pad[i];
    }
    dnnl::memory::dims wDims{w[0], w[1], w[2], w[3]};
    tag plainTag = tag::oihw;
    if (groups > 1) {
      wDims = {groups, w[0] / groups, w[1], w[2], w[3]};
      plainTag = tag::goihw;
    }
    m_weightsPlain = dnnl::memory::desc(wDims, dt::f32, plainTag);
    m_channelMask = groups > 1 ? 0b11 : 0b1;
    m_bias = dnnl::memory::desc({w[0]}, dt::f32, tag::a);
    const auto compute = dnnlType(m_compute);
    const auto weightType = isInt8() ? dt::s8 : compute;
    const dnnl::memory::desc anySrc(src, compute, tag::any),
        anyWeights(wDims, weightType, tag::any), anyWeightsF32(wDims, dt::f32, tag::any);
    dnnl::memory::desc anyDst(dstDims, dnnlType(m_output), tag::any);
    const dnnl::memory::dims strides{stride[0], stride[1]}, dilates{dil[0] - 1, dil[1] - 1},
        padL{pad[0], pad[1]};
    // Not in inference on weights that may change between forwards (evaluation during training,
    // calibration): there the kernel transform ran at every forward (the largest item of a
    // profile of `quantize resnet50`).
    if (m_compute == DType::f32 && m_output == DType::f32 && !m_depthwise && !m_residualSum &&
        (m_frozen || training) &&
        takesWinograd(node, {src[0], w[1], w[0], src[2], src[3]}, training))
      return prepareWinograd(src, dstDims, training);
    const auto prop = training ? dnnl::prop_kind::forward_training
                               : dnnl::prop_kind::forward_inference;
    const auto algo = dnnl::algorithm::convolution_direct;
    dnnl::primitive_attr attr = attributesWithActivation(node, training);
    if (isInt8())
      attr.set_output_scales(1 << 1, m_quant.outputScales(!activationSeesRealValues(node)));
    if (m_depthwise) {
      dnnl::post_ops ops = attr.get_post_ops();
      ops.append_dw(dt::f32, dt::f32, dt::f32, 3, m_depthwise->op->attrs().pair("stride")[0], 1, 0,
                    {});
      appendActivation(ops, *m_depthwise);
      attr.set_post_ops(ops);
    }
    if (m_residualSum) {
      dnnl::post_ops ops = attr.get_post_ops();
      if (isInt8())
        ops.append_sum(m_quant.residualScale / m_quant.outputScale, m_residual.data_type());
      else
        ops.append_sum(1.f);
      appendActivation(ops, *m_residualSum);
      attr.set_post_ops(ops);
      // Written where the shortcut is, in its layout (under int8 in the sum's type).
      anyDst = withDType(m_residual, m_output);
    }
    const auto forwardFrom = [&](const dnnl::memory::desc& source) {
      return m_hasBias ? dnnl::convolution_forward::primitive_desc(
                             {prop, algo, source, anyWeights, m_bias, anyDst, strides, dilates,
                              padL, padR},
                             attr, cpuEngine())
                       : dnnl::convolution_forward::primitive_desc(
                             {prop, algo, source, anyWeights, anyDst, strides, dilates, padL, padR},
                             attr, cpuEngine());
    };
    m_fwd = forwardFrom(anySrc);
    // Frozen fp32 inference takes a blocked input as its producer laid it out when a kernel of
    // oneDNN other than its reference one reads that layout: on AVX-512 a 1x1 convolution asks for
    // NHWC while one with a fused depthwise convolution writes nChw16c, and MobileNetV2's
    // step went from 51-57 to 43-45 ms at batch 64 without the reorders between the two.
    // A plain input (the graph's) is still reordered, as before.
    if (m_frozen && m_compute == DType::f32 && in[0].data_type() == dt::f32 &&
        in[0] != plainLayout(in[0]) && m_fwd.src_desc() != in[0]) {
      try {
        const auto asWritten = forwardFrom(in[0]);
        if (!isReferenceKernel(asWritten)) m_fwd = asWritten;
      } catch (const dnnl::error&) {  // no kernel reads that layout: the reorder stays
      }
    }
    if (isInt8() && !training &&
        (takesInt8Winograd(node, src[0], w[0]) || takesPatches(node, attr)))
      return m_fwd.dst_desc();
    noteScratchpad(m_fwd.scratchpad_desc());
    if (training) {
      const auto backwardData = [&](const dnnl::memory::desc& diffSrc,
                                    const dnnl::memory::desc& diffDst) {
        return dnnl::convolution_backward_data::primitive_desc(
            {algo, diffSrc, anyWeights, diffDst, strides, dilates, padL, padR}, attributes(),
            cpuEngine(), m_fwd);
      };
      m_bwdData = backwardData(m_fwd.src_desc(), m_fwd.dst_desc());
      // The same for the input's gradient: on AVX-512 oneDNN's jit kernels decline a strided
      // convolution whose windows leave the input's last row unread (3x3 / 2 without padding on
      // 28 x 28), and its reference kernel took 350-430 ms a step where its GEMM kernel, on
      // plain layouts, takes about 1 ms.
      if (isReferenceKernel(m_bwdData)) {
        const auto plain =
            backwardData(plainLayout(m_fwd.src_desc()), plainLayout(m_fwd.dst_desc()));
        if (!isReferenceKernel(plain)) m_bwdData = plain;
      }
      noteScratchpad(m_bwdData.scratchpad_desc());
      if (!node.learns()) return m_fwd.dst_desc();  // a frozen layer: its input's gradient only
      const auto backwardWeights = [&](const dnnl::memory::desc& source, const dnnl::memory::desc& diffDst) {
        return m_hasBias ? dnnl::convolution_backward_weights::primitive_desc(
                               {algo, source, anyWeightsF32, m_bias, diffDst, strides, dilates, padL, padR},
                               attributes(), cpuEngine(), m_fwd)
                         : dnnl::convolution_backward_weights::primitive_desc(
                               {algo, source, anyWeightsF32, diffDst, strides, dilates, padL, padR},
                               attributes(), cpuEngine(), m_fwd);
      };
      m_bwdWeights = backwardWeights(m_fwd.src_desc(), m_fwd.dst_desc());
      // oneDNN's jit kernels decline some shapes in blocked layouts (on AVX2: a first layer with
      // one input channel), and its reference kernel is ~100x slower (cnn-small's conv1 at batch
      // 32: 310 ms against 1.4 ms). In plain layouts its im2col + GEMM kernel takes the shape;
      // the reorders there and back cost far less.
      if (isReferenceKernel(m_bwdWeights)) {
        const auto plain = backwardWeights(plainLayout(m_fwd.src_desc()), plainLayout(m_fwd.dst_desc()));
        if (!isReferenceKernel(plain)) m_bwdWeights = plain;
      }
      noteScratchpad(m_bwdWeights.scratchpad_desc());
    }
    return m_fwd.dst_desc();
  }

  void bind(const KernelIO& io) override {
    if (m_winograd) return bindWinograd(io);
    const dnnl::memory src = inLayout(m_forward, io.inputs[0], m_fwd.src_desc());
    if (m_winogradInt8) return bindInt8Winograd(src, io);
    if (m_patches) return bindInt8Patches(src, io);
    if (isInt8()) return bindInt8(src, io);
    const dnnl::memory weights =
        weightsInLayout(wrap(io.params[0], m_weightsPlain), m_fwd.weights_desc());
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, io.output}};
    if (m_hasBias) args[DNNL_ARG_BIAS] = wrap(io.params[1], m_bias);
    if (m_depthwise) bindDepthwise(io, args);
    addStep(m_forward, dnnl::convolution_forward(m_fwd), args, m_fwd.scratchpad_desc(), io);
    if (io.outputGrad) bindBackward(src, weights, io);
  }

  void forward(dnnl::stream& stream) override {
    run(m_forward, stream);
    if (m_patches) m_patches->run(stream);
    if (m_winogradInt8)
      m_winogradInt8->run(m_winogradSrc.get_data_handle(), m_winogradDst.get_data_handle(),
                          m_winogradScratch.get(), m_lowest, m_highest);
    if (!m_winograd) return;
    if (!m_frozen)
      m_winograd->setWeights(WinogradConv3x3::KernelView::plain(m_weightsData, m_inChannels),
                             m_biasData);
    m_winograd->run(static_cast<const float*>(m_winogradSrc.get_data_handle()),
                    static_cast<float*>(m_winogradDst.get_data_handle()),
                    static_cast<float*>(m_winogradScratch.get()), m_lowest, m_highest);
  }

  void backward(dnnl::stream& stream) override {
    // No output gradient: a frozen layer before any that trains.
    if (m_winogradToInput && m_outputGrad) backwardByWinograd();
    run(m_backward, stream);
  }

  size_t ownedBytes() const override {  // frozen weights are transformed at bind()
    return (m_winograd && !m_frozen ? m_winograd->transformedWeightBytes() : 0) +
           (m_winogradToInput ? m_winogradToInput->transformedWeightBytes() : 0);
  }

  // oneDNN's direct passes (fp32, bf16): each buffer bind() makes where a primitive takes another
  // layout than it is given (a first layer's input-gradient pass counted, though it is not bound).
  size_t layoutCopyBytes() const override {
    if (m_winograd || isInt8() || !m_fwd) return 0;
    const auto copy = [](const dnnl::memory::desc& given, const dnnl::memory::desc& wanted) {
      return given == wanted ? size_t{0} : wanted.get_size();
    };
    size_t bytes = copy(m_weightsPlain, m_fwd.weights_desc());
    if (m_bwdData)
      bytes += copy(m_fwd.weights_desc(), m_bwdData.weights_desc()) +
               copy(m_fwd.dst_desc(), m_bwdData.diff_dst_desc()) +
               copy(m_fwd.src_desc(), m_bwdData.diff_src_desc());
    if (m_bwdWeights)
      bytes += copy(m_weightsPlain, m_bwdWeights.diff_weights_desc()) +
               copy(m_fwd.src_desc(), m_bwdWeights.src_desc()) +
               copy(m_fwd.dst_desc(), m_bwdWeights.diff_dst_desc());
    return bytes;
  }

 private:
  // The gradients of the input, the weights and the bias on oneDNN; `weights` is the forward's
  // laid-out copy.
  void bindBackward(const dnnl::memory& src, const dnnl::memory& weights, const KernelIO& io) {
    if (io.inputGrads[0]) {
      const dnnl::memory w = inLayout(m_backward, weights, m_bwdData.weights_desc());
      const dnnl::memory diffSrc = writeBuffer(io.inputGrads[0], m_bwdData.diff_src_desc());
      addStep(m_backward, dnnl::convolution_backward_data(m_bwdData),
              {{DNNL_ARG_DIFF_DST, inLayout(m_backward, io.outputGrad, m_bwdData.diff_dst_desc())},
               {DNNL_ARG_WEIGHTS, w},
               {DNNL_ARG_DIFF_SRC, diffSrc}},
              m_bwdData.scratchpad_desc(), io);
      finishInto(m_backward, diffSrc, io.inputGrads[0]);
    }
    if (!m_bwdWeights) return;  // frozen
    const dnnl::memory gradPlain = wrap(io.paramGrads[0], m_weightsPlain);
    const dnnl::memory grad = writeBuffer(gradPlain, m_bwdWeights.diff_weights_desc());
    std::unordered_map<int, dnnl::memory> bargs{
        {DNNL_ARG_SRC, inLayout(m_backward, src, m_bwdWeights.src_desc())},
        {DNNL_ARG_DIFF_DST, inLayout(m_backward, io.outputGrad, m_bwdWeights.diff_dst_desc())},
        {DNNL_ARG_DIFF_WEIGHTS, grad}};
    if (m_hasBias) bargs[DNNL_ARG_DIFF_BIAS] = wrap(io.paramGrads[1], m_bias);
    addStep(m_backward, dnnl::convolution_backward_weights(m_bwdWeights), bargs,
            m_bwdWeights.scratchpad_desc(), io);
    finishInto(m_backward, grad, gradPlain);
  }

  // Whether Winograd in integers (winograd_int8_conv3x3.h) computes this int8 convolution of this
  // shape (source and destination NHWC).
  static bool runsInt8Winograd(const GraphNode& node, const WinogradInt8Conv3x3::Shape& shape) {
    return isWinogradShape(node, {1, 2}) && WinogradInt8Conv3x3::supports(shape);
  }

  static WinogradInt8Conv3x3::Shape withStride(const GraphNode& node,
                                               WinogradInt8Conv3x3::Shape shape) {
    shape.stride = static_cast<int>(node.op->attrs().pair("stride")[0]);
    return shape;
  }

  // Whether Winograd's minimal filtering computes this convolution: 3x3, one of `strides` on both
  // axes, padding 1, one group, and an activation it applies as a clamp (none, ReLU, ReLU6:
  // setClamp()).
  static bool isWinogradShape(const GraphNode& node, std::initializer_list<int64_t> strides = {1}) {
    const Attrs& a = node.op->attrs();
    const std::vector<int64_t> one{1, 1}, stride = a.pair("stride");
    const auto& w = node.params[0].shape;
    const FusedActivation activation = fusedActivation(a);
    const bool strideTaken = stride[0] == stride[1] &&
                             std::find(strides.begin(), strides.end(), stride[0]) != strides.end();
    return w[2] == 3 && w[3] == 3 && a.integer("groups") == 1 && strideTaken &&
           a.pair("padding") == one && a.pair("dilation") == one &&
           (activation == FusedActivation::none || activation == FusedActivation::relu ||
            activation == FusedActivation::relu6);
  }

  // The fused activation's bounds, in units of `unit` (the output's under int8), into
  // m_lowest and m_highest.
  void setClamp(const GraphNode& node, float unit) {
    const FusedActivation activation = fusedActivation(node.op->attrs());
    const bool relu = activation == FusedActivation::relu || activation == FusedActivation::relu6;
    m_lowest = relu ? 0.f : -std::numeric_limits<float>::infinity();
    m_highest =
        activation == FusedActivation::relu6 ? 6.f / unit : std::numeric_limits<float>::infinity();
  }

  // Whether Winograd takes this fp32 convolution (allowed, isWinogradShape, in training where it
  // pays, whole channel blocks of its neighbours' layout, or of 8 with a reorder on each side).
  bool takesWinograd(const GraphNode& node, const WinogradConv3x3::Shape& shape, bool training) {
    if (!m_winogradAllowed || !isWinogradShape(node)) return false;
    if (training && !WinogradConv3x3::paysInTraining(shape)) return false;
    WinogradConv3x3::Shape laidOut = shape;
    laidOut.layout = directKernelLayout(shape, training);
    if (!WinogradConv3x3::supports(laidOut)) laidOut.layout = WinogradConv3x3::Layout::blocked8;
    if (!WinogradConv3x3::supports(laidOut)) return false;
    setClamp(node, 1.f);
    m_winograd = std::make_unique<WinogradConv3x3>(laidOut);
    return true;
  }

  // Whether Winograd in integers (F(4x4, 3x3), or its polyphase form at stride 2) takes this int8
  // convolution in place of m_fwd, the direct one: in the layouts m_fwd reads and writes (NHWC),
  // so its neighbours do not change.
  bool takesInt8Winograd(const GraphNode& node, int64_t batch, int64_t out) {
    const auto type = [](dt t) {
      return t == dt::u8   ? WinogradInt8Conv3x3::Type::u8
             : t == dt::s8 ? WinogradInt8Conv3x3::Type::s8
                           : WinogradInt8Conv3x3::Type::f32;
    };
    const dnnl::memory::desc src = m_fwd.src_desc(), dst = m_fwd.dst_desc();
    const auto inDims = src.dims();
    const WinogradInt8Conv3x3::Shape shape =
        withStride(node, {batch, inDims[1], out, inDims[2], inDims[3], type(src.data_type()),
                          type(dst.data_type())});
    if (!isChannelsLast(src) || !isChannelsLast(dst) || !runsInt8Winograd(node, shape))
      return false;
    setClamp(node, m_quant.outputScale);
    m_winogradInt8 = std::make_unique<WinogradInt8Conv3x3>(shape);
    noteScratchpad(
        dnnl::memory::desc({static_cast<int64_t>(m_winogradInt8->scratchBytes())}, dt::u8, tag::a));
    return true;
  }

  // Whether an int8 convolution of few input channels runs over its input's patches
  // (int8_patch_convolution.h) in place of m_fwd, the direct one.
  bool takesPatches(const GraphNode& node, const dnnl::primitive_attr& attr) {
    m_patches = Int8PatchConvolution::choose(node, m_fwd, attr, m_hasBias);
    if (m_patches)
      noteScratchpad(
          dnnl::memory::desc({static_cast<int64_t>(m_patches->scratchpadBytes())}, dt::u8, tag::a));
    return m_patches != nullptr;
  }

  // The layout oneDNN's direct kernel for this 3x3 convolution takes its input in (channels-last
  // in inference on AVX-512, nChw16c in training there, nChw8c on AVX2): Winograd then chains in
  // the same layout as its neighbours.
  static WinogradConv3x3::Layout directKernelLayout(const WinogradConv3x3::Shape& shape,
                                                    bool training) {
    const dnnl::memory::dims src{shape.batch, shape.in, shape.height, shape.width},
        dst{shape.batch, shape.out, shape.height, shape.width};
    const dnnl::convolution_forward::primitive_desc direct(
        {training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference,
         dnnl::algorithm::convolution_direct,
         dnnl::memory::desc(src, dt::f32, tag::any),
         dnnl::memory::desc({shape.out, shape.in, 3, 3}, dt::f32, tag::any),
         dnnl::memory::desc(dst, dt::f32, tag::any),
         {1, 1},
         {0, 0},
         {1, 1},
         {1, 1}},
        cpuEngine());
    using Layout = WinogradConv3x3::Layout;
    if (isChannelsLast(direct.src_desc())) return Layout::channelsLast;
    return direct.src_desc() == dnnl::memory::desc(src, dt::f32, tag::nChw16c) ? Layout::blocked16
                                                                               : Layout::blocked8;
  }

  dnnl::memory::desc prepareWinograd(const dnnl::memory::dims& src, const dnnl::memory::dims& dst,
                                     bool training) {
    const WinogradConv3x3::Layout laidOut = m_winograd->shape().layout;
    const tag layout = laidOut == WinogradConv3x3::Layout::channelsLast ? tag::nhwc
                       : laidOut == WinogradConv3x3::Layout::blocked16  ? tag::nChw16c
                                                                        : tag::nChw8c;
    m_winogradSrcDesc = dnnl::memory::desc(src, dt::f32, layout);
    m_winogradDstDesc = dnnl::memory::desc(dst, dt::f32, layout);
    m_inChannels = src[1];
    const auto scratch = [](const WinogradConv3x3& w) {
      return dnnl::memory::desc({static_cast<int64_t>(w.scratchBytes())}, dt::u8, tag::a);
    };
    noteScratchpad(scratch(*m_winograd));
    if (training) {
      m_winogradToInput = std::make_unique<WinogradConv3x3>(
          WinogradConv3x3::Shape{src[0], dst[1], src[1], src[2], src[3], laidOut});
      noteScratchpad(scratch(*m_winogradToInput));
      noteScratchpad(dnnl::memory::desc(
          {static_cast<int64_t>(m_winograd->weightGradientScratchBytes())}, dt::u8, tag::a));
    }
    return m_winogradDstDesc;
  }

  void bindWinograd(const KernelIO& io) {
    m_winogradSrc = inLayout(m_forward, io.inputs[0], m_winogradSrcDesc);
    m_winogradDst = io.output;
    m_winogradScratch = io.scratchpad;
    m_implementation = "winograd F(4x4, 3x3)";
    m_weightsData = io.params[0].data<float>();
    m_biasData = m_hasBias ? io.params[1].data<float>() : nullptr;
    if (m_frozen)
      m_winograd->setWeights(WinogradConv3x3::KernelView::plain(m_weightsData, m_inChannels),
                             m_biasData);
    if (!io.outputGrad) return;
    m_outputGrad = io.outputGrad;  // in the output's layout
    if (io.inputGrads[0]) {
      m_inputGrad = writeBuffer(io.inputGrads[0], m_winogradSrcDesc);
      finishInto(m_backward, m_inputGrad, io.inputGrads[0]);
    }
    m_weightGrad = io.paramGrads[0].empty() ? nullptr : io.paramGrads[0].data<float>();
    m_biasGrad = m_hasBias && !io.paramGrads[1].empty() ? io.paramGrads[1].data<float>() : nullptr;
  }

  // The gradients of the weights and bias and of the input (into m_inputGrad, laid out into the
  // input's layout by m_backward after).
  void backwardByWinograd() {
    auto* scratch = static_cast<float*>(m_winogradScratch.get());
    const auto* dy = static_cast<const float*>(m_outputGrad.get_data_handle());
    if (m_weightGrad)
      m_winograd->weightGradient(static_cast<const float*>(m_winogradSrc.get_data_handle()), dy,
                                 scratch, m_weightGrad, m_biasGrad);
    if (!m_inputGrad) return;
    m_winogradToInput->setWeights(
        WinogradConv3x3::KernelView::forInput(m_weightsData, m_inChannels), nullptr);
    const float kUnbounded = std::numeric_limits<float>::infinity();
    m_winogradToInput->run(dy, static_cast<float*>(m_inputGrad.get_data_handle()), scratch,
                           -kUnbounded, kUnbounded);
  }

  // The absorbed depthwise convolution's weights (C, 1, 3, 3) and bias (zeros when it has none).
  void bindDepthwise(const KernelIO& io, std::unordered_map<int, dnnl::memory>& args) {
    const int64_t channels = io.absorbedParams[0].shape()[0];
    const dnnl::memory::desc plain({channels, 1, 1, 3, 3}, dt::f32, tag::goihw);
    const dnnl::memory::desc bias({channels}, dt::f32, tag::a);
    const int dw = DNNL_ARG_ATTR_POST_OP_DW;
    args[dw | DNNL_ARG_WEIGHTS] =
        weightsInLayout(wrap(io.absorbedParams[0], plain),
                        m_fwd.query_md(dnnl::query::exec_arg_md, dw | DNNL_ARG_WEIGHTS));
    if (io.absorbedParams.size() < 2) {
      m_depthwiseBias = Tensor({channels}, DType::f32);
      std::fill_n(m_depthwiseBias.data<float>(), channels, 0.f);
    }
    args[dw | DNNL_ARG_BIAS] =
        wrap(io.absorbedParams.size() > 1 ? io.absorbedParams[1] : m_depthwiseBias, bias);
  }

  // Weights are quantized once here: an int8 plan is for inference, where they do not change.
  void bindInt8(const dnnl::memory& src, const KernelIO& io) {
    dnnl::memory weights(m_fwd.weights_desc(), cpuEngine());
    quantizeWeights(wrap(io.params[0], m_weightsPlain), weights, m_quant.weightScales,
                    m_channelMask);
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, io.output}};
    if (m_hasBias) {
      m_scaledBias = m_quant.scaledBias(io.params[1]);
      args[DNNL_ARG_BIAS] = wrap(m_scaledBias, m_bias);
    }
    addStep(m_forward, dnnl::convolution_forward(m_fwd), args, m_fwd.scratchpad_desc(), io);
  }

  // The kernel quantized to s8 once, as bindInt8 does, but plain (OC, IC, 3, 3) for the transform.
  void bindInt8Winograd(const dnnl::memory& src, const KernelIO& io) {
    const dnnl::memory::desc plain(m_weightsPlain.dims(), dt::s8, tag::oihw);
    dnnl::memory weights(plain, cpuEngine());
    quantizeWeights(wrap(io.params[0], m_weightsPlain), weights, m_quant.weightScales,
                    m_channelMask);
    if (m_hasBias) m_scaledBias = m_quant.scaledBias(io.params[1]);
    const std::vector<float> scales = m_quant.outputScales();
    m_winogradInt8->setWeights(static_cast<const int8_t*>(weights.get_data_handle()),
                               m_hasBias ? m_scaledBias.data<float>() : nullptr, scales.data());
    m_winogradSrc = src;
    m_winogradDst = io.output;
    m_winogradScratch = io.scratchpad;
    m_implementation = m_winogradInt8->name();
  }

  void bindInt8Patches(const dnnl::memory& src, const KernelIO& io) {
    if (m_hasBias) m_scaledBias = m_quant.scaledBias(io.params[1]);
    m_patches->bind(src, wrap(io.params[0], m_weightsPlain), m_quant.weightScales,
                    m_hasBias ? wrap(m_scaledBias, m_bias) : dnnl::memory(), io.output,
                    static_cast<uint8_t*>(io.scratchpad.get()));
    m_implementation = m_patches->name();
  }

  bool m_hasBias = true;
  int m_channelMask = 1;
  Tensor m_scaledBias, m_depthwiseBias;
  const GraphNode* m_depthwise = nullptr;    // absorbed by absorb()
  const GraphNode* m_residualSum = nullptr;  // absorbed by absorb(), adding into m_residual
  dnnl::memory::desc m_residual;
  std::unique_ptr<WinogradConv3x3> m_winograd;  // set when prepare() chose it
  std::unique_ptr<WinogradConv3x3> m_winogradToInput;  // and training: the input's gradient
  std::unique_ptr<WinogradInt8Conv3x3> m_winogradInt8;  // int8: set when prepare() chose it
  float m_lowest = 0, m_highest = 0;            // its activation, as a clamp
  dnnl::memory::desc m_winogradSrcDesc, m_winogradDstDesc;
  dnnl::memory m_winogradSrc, m_winogradDst, m_outputGrad, m_inputGrad;
  std::shared_ptr<void> m_winogradScratch;
  const float* m_weightsData = nullptr;  // plain (OC, IC, 3, 3), as the optimizer leaves them
  const float* m_biasData = nullptr;
  float* m_weightGrad = nullptr;  // plain, like the weights; null: not trainable
  float* m_biasGrad = nullptr;
  int64_t m_inChannels = 0;
  dnnl::memory::desc m_weightsPlain, m_bias;
  std::unique_ptr<Int8PatchConvolution> m_patches;  // int8: set when prepare() chose them
  dnnl::convolution_forward::primitive_desc m_fwd;
  dnnl::convolution_backward_data::primitive_desc m_bwdData;
  dnnl::convolution_backward_weights::primitive_desc m_bwdWeights;
};
}  // namespace

const CpuKernelRegistration kConv2d{{"Conv2d"}, makeKernel<CpuConv2d>};

}  // namespace twb
