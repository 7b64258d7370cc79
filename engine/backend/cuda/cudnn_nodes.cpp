#include "backend/cuda/cudnn_nodes.h"

#include <cuda_bf16.h>

#include "backend/cuda/cnn_kernels.h"
#include "backend/cuda/conv_algorithms.h"
#include "backend/cuda/cuda_kernels.h"
#include "backend/cuda/cudnn_support.h"
#include "backend/cuda/memory_plan.h"

namespace twb::gpu {

namespace {
using bf16 = __nv_bfloat16;
constexpr float kOne = 1.f, kZero = 0.f;

// An attribute given as k or [kh, kw].
std::pair<int, int> pairOf(const nlohmann::json& attrs, const char* key) {
  const nlohmann::json& v = attrs.at(key);
  if (v.is_array()) return {v[0].get<int>(), v[1].get<int>()};
  return {v.get<int>(), v.get<int>()};
}

// The math a convolution may use. cuDNN's default math keeps bf16 off the tensor cores (the
// H200 run of 2026-12-04: bf16 cnn-small's conv2 backward at 2 TFLOP/s, ResNet-50 over a second
// a step); fp32 goes to TF32 tensor cores only where the plan allows it.
cudnnMathType_t convolutionMath(bool bf16, bool allowTf32) {
  if (bf16) return CUDNN_TENSOR_OP_MATH;
  return allowTf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
}

bool onTensorCores(cudnnMathType_t math) {
  return math == CUDNN_TENSOR_OP_MATH || math == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
}

// The algorithm of a convolution's pass and its math, as its cuDNN enum.
template <typename Algo>
struct PassChoice {
  Algo algo{};
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
};

// Whether a pass's algorithm is one of Winograd's (which round more than a direct sum).
bool isWinograd(cudnnConvolutionFwdAlgo_t algo) {
  return algo == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD ||
         algo == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED;
}
bool isWinograd(cudnnConvolutionBwdDataAlgo_t algo) {
  return algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD ||
         algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED;
}
bool isWinograd(cudnnConvolutionBwdFilterAlgo_t algo) {
  return algo == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD ||
         algo == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED;
}

// The fastest of cuDNN's timed algorithms (cudnnFind* ranks them by time) that fits the
// workspace and, in a deterministic plan, is deterministic (and not Winograd's, unless the plan
// allows it). cuDNN's untimed heuristic ranking put FFT first for the 1-channel conv1 of
// cnn-small, 0.47 ms of a 1.26 ms step on an H200.
template <typename Perf>
ConvAlgorithm fastestAllowed(const Perf* timed, int count, size_t workspace, cudnnMathType_t math,
                             const GpuPlan& plan, const char* pass) {
  const bool deterministic = plan.deterministic;
  for (int i = 0; i < count; ++i) {
    const Perf& p = timed[i];
    if (p.status != CUDNN_STATUS_SUCCESS || p.memory > workspace ||
        (deterministic && p.determinism != CUDNN_DETERMINISTIC) ||
        (!plan.allowWinograd && isWinograd(p.algo)))
      continue;
    // FMA math forbids TF32, which cuDNN may still name.
    return {static_cast<int>(p.algo), math == CUDNN_FMA_MATH ? math : p.mathType};
  }
  throw Error(std::string("cuDNN offers no ") + (deterministic ? "deterministic " : "") + pass +
              " algorithm" + (plan.allowWinograd ? "" : " other than Winograd's") + " within the " +
              std::to_string(workspace >> 20) + " MiB workspace");
}

// cuDNN's algorithm of a pass and its math, as a profile names it: "IMPLICIT_PRECOMP_GEMM (tensor
// ops)". The enums' names without their prefix, in their order.
const char* algorithmName(cudnnConvolutionFwdAlgo_t algo) {
  static const char* names[] = {
      "IMPLICIT_GEMM", "IMPLICIT_PRECOMP_GEMM", "GEMM", "DIRECT", "FFT", "FFT_TILING",
      "WINOGRAD",      "WINOGRAD_NONFUSED"};
  return algo < CUDNN_CONVOLUTION_FWD_ALGO_COUNT ? names[algo] : "?";
}
const char* algorithmName(cudnnConvolutionBwdDataAlgo_t algo) {
  static const char* names[] = {"ALGO_0",     "ALGO_1",   "FFT",
                                "FFT_TILING", "WINOGRAD", "WINOGRAD_NONFUSED"};
  return algo < CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT ? names[algo] : "?";
}
const char* algorithmName(cudnnConvolutionBwdFilterAlgo_t algo) {
  static const char* names[] = {
      "ALGO_0", "ALGO_1", "FFT", "ALGO_3", "WINOGRAD", "WINOGRAD_NONFUSED", "FFT_TILING"};
  return algo < CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT ? names[algo] : "?";
}

template <typename Algo>
std::string describe(const PassChoice<Algo>& choice) {
  return std::string(algorithmName(choice.algo)) +
         (onTensorCores(choice.math) ? " (tensor ops)" : "");
}

// Channels-last: the weights are moved into cuDNN's (out, kh, kw, in) order, in the node's
// type, at every forward (the update changes the f32 masters), and the weight gradient back.
class CudnnConv : public CudaNode {
 public:
  CudnnConv(const GpuPlan& plan, const PlanNode& node, NodeBuffers b, cudnnHandle_t dnn)
      : m_b(std::move(b)),
        m_dnn(dnn),
        m_x(plan.values[node.inputs[0]].shape, node.bf16, plan.channelsLast),
        m_y(plan.values[node.output].shape, node.bf16, plan.channelsLast),
        m_w(plan.params[node.params[0]].shape, node.bf16, plan.channelsLast),
        m_bf16(node.bf16),
        m_channelsLast(plan.channelsLast) {
    if (node.attrs.value("activation", "none") != "none")
      throw Error("a fused activation is not supported here (train the unfused graph)");
    if (m_b.inputBf16[0] && !node.bf16)
      throw Error("a bf16 input to an fp32 convolution is not supported here");
    const Shape& out = plan.values[node.output].shape;
    m_images = out[0], m_channels = out[1], m_plane = out[2] * out[3];
    m_inputElements = elementsOf(plan.values[node.inputs[0]].shape);
    const Shape& weights = plan.params[node.params[0]].shape;
    m_weightElements = elementsOf(weights);
    m_filterOut = weights[0], m_filterIn = weights[1], m_filterTaps = weights[2] * weights[3];
    m_bias = node.params.size() > 1;
    const auto [ph, pw] = pairOf(node.attrs, "padding");
    const auto [sh, sw] = pairOf(node.attrs, "stride");
    const auto [dh, dw] = pairOf(node.attrs, "dilation");
    TWB_CUDNN(cudnnSetConvolution2dDescriptor(m_conv, ph, pw, sh, sw, dh, dw,
                                              CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    TWB_CUDNN(cudnnSetConvolutionGroupCount(m_conv, node.attrs.at("groups").get<int>()));
    int n = 0, c = 0, h = 0, w = 0;
    TWB_CUDNN(cudnnGetConvolution2dForwardOutputDim(m_conv, m_x, m_w, &n, &c, &h, &w));
    if (n != out[0] || c != out[1] || h != out[2] || w != out[3])
      throw Error("cuDNN's output shape differs from the graph's " + shapeText(out));

    const cudnnMathType_t math = convolutionMath(node.bf16, plan.allowTf32);
    TWB_CUDNN(cudnnSetConvolutionMathType(m_conv, math));
    // Timing runs on the handle's stream, and the handle is the device's, shared by every
    // session: it may still name the stream of a session since destroyed (the H200 run of
    // 2026-12-04: later plans of a process failed or crashed in cudnnFind).
    TWB_CUDNN(cudnnSetStream(m_dnn, nullptr));
    const size_t ws = m_b.workspaceBytes;
    // What a remembered choice holds for: the GPU, cuDNN, the shapes and every option.
    const std::string key =
        timingPlatform(plan.device) + ": x " + shapeText(plan.values[node.inputs[0]].shape) +
        ", w " + shapeText(weights) + ", padding " + std::to_string(ph) + "," + std::to_string(pw) +
        ", stride " + std::to_string(sh) + "," + std::to_string(sw) + ", dilation " +
        std::to_string(dh) + "," + std::to_string(dw) + ", groups " +
        std::to_string(node.attrs.at("groups").get<int>()) + (node.bf16 ? ", bf16" : ", f32") +
        (plan.channelsLast ? ", NHWC" : ", NCHW") + ", math " + std::to_string(math) +
        (plan.deterministic ? ", deterministic" : "") +
        (plan.allowWinograd ? "" : ", no Winograd") + ", workspace " + std::to_string(ws) + ": ";
    m_forward = timedChoice<cudnnConvolutionFwdAlgo_t, cudnnConvolutionFwdAlgoPerf_t,
                            CUDNN_CONVOLUTION_FWD_ALGO_COUNT>(
        plan, key, math, "forward", [&](int count, int* found, auto* timed) {
          return cudnnFindConvolutionForwardAlgorithm(m_dnn, m_x, m_w, m_conv, m_y, count, found,
                                                      timed);
        });
    m_implementation = "cuDNN forward " + describe(m_forward);
    if (!plan.training) return;
    m_data = timedChoice<cudnnConvolutionBwdDataAlgo_t, cudnnConvolutionBwdDataAlgoPerf_t,
                         CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT>(
        plan, key, math, "backward-data", [&](int count, int* found, auto* timed) {
          return cudnnFindConvolutionBackwardDataAlgorithm(m_dnn, m_w, m_y, m_conv, m_x, count,
                                                           found, timed);
        });
    m_filter = timedChoice<cudnnConvolutionBwdFilterAlgo_t, cudnnConvolutionBwdFilterAlgoPerf_t,
                           CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT>(
        plan, key, math, "backward-filter", [&](int count, int* found, auto* timed) {
          return cudnnFindConvolutionBackwardFilterAlgorithm(m_dnn, m_x, m_y, m_conv, m_w, count,
                                                             found, timed);
        });
    m_implementation += ", data " + describe(m_data) + ", filter " + describe(m_filter);
  }

  std::string implementation() const override { return m_implementation; }

  void forward(cudaStream_t s) override {
    if (m_b.inputCast)
      launchToBf16(static_cast<const float*>(m_b.inputs[0]), static_cast<bf16*>(m_b.inputCast),
                   m_inputElements, s);
    if (m_channelsLast)
      withElementType(m_bf16, [&](auto* type) {
        using T = Elem<decltype(type)>;
        launchRelayout(m_b.params[0], static_cast<T*>(m_b.filter), m_filterOut, m_filterIn,
                       m_filterTaps, Layout::nhwc, false, s);
      });
    TWB_CUDNN(cudnnSetStream(m_dnn, s));
    TWB_CUDNN(cudnnSetConvolutionMathType(m_conv, m_forward.math));
    TWB_CUDNN(cudnnConvolutionForward(m_dnn, &kOne, m_x, input(), m_w, weight(), m_conv,
                                      m_forward.algo, m_b.workspace, m_b.workspaceBytes, &kZero,
                                      m_y, m_b.output));
    if (!m_bias) return;
    withElementType(m_bf16, [&](auto* type) {
      using T = Elem<decltype(type)>;
      launchAddChannelBias(static_cast<T*>(m_b.output), m_b.params[1], m_images, m_channels,
                           m_plane, m_channelsLast, s);
    });
  }

  void backward(cudaStream_t s) override {
    TWB_CUDNN(cudnnSetStream(m_dnn, s));
    if (m_b.paramGrads[0]) weightGradient(s);
    if (m_bias && m_b.paramGrads[1])
      withElementType(m_bf16, [&](auto* type) {
        using T = Elem<decltype(type)>;
        const T* dy = static_cast<const T*>(m_b.outputGrad);
        if (m_channelsLast)  // rows of channels, as a Linear's output
          launchBiasGradient(dy, m_b.partialSums, m_b.paramGrads[1], m_images * m_plane, m_channels,
                             s);
        else
          launchChannelBiasGradient(dy, m_b.partialSums, m_b.paramGrads[1], m_images, m_channels,
                                    m_plane, s);
      });
    if (m_b.inputGrads[0]) inputGradient(s);
  }

 private:
  // A pass's algorithm: the fastest allowed of cuDNN's timing of its kCount algorithms (`find`,
  // one of cudnnFind*), remembered for every later plan of the node (conv_algorithms.h).
  template <typename Algo, typename Perf, int kCount, typename Find>
  PassChoice<Algo> timedChoice(const GpuPlan& plan, const std::string& key, cudnnMathType_t math,
                               const char* pass, Find find) const {
    const ConvAlgorithm chosen = rememberedChoice(plan.algorithmCache, key + pass, [&] {
      Perf timed[kCount];
      int found = 0;
      checkCudnn(find(kCount, &found, timed),
                 (std::string("timing the ") + pass + " pass").c_str());
      return fastestAllowed(timed, found, m_b.workspaceBytes, math, plan, pass);
    });
    return {static_cast<Algo>(chosen.algo), chosen.math};
  }

  const void* weight() const {
    if (m_channelsLast) return m_b.filter;
    return m_bf16 ? m_b.paramsBf16[0] : static_cast<const void*>(m_b.params[0]);
  }
  const void* input() const { return m_b.inputCast ? m_b.inputCast : m_b.inputs[0]; }

  // cuDNN writes the f32 gradient itself only in fp32 NCHW; otherwise it writes bf16 or
  // channels-last, which becomes the f32 (out, in, kh, kw) one.
  void weightGradient(cudaStream_t s) {
    const bool direct = !m_bf16 && !m_channelsLast;
    void* target = direct ? static_cast<void*>(m_b.paramGrads[0]) : m_b.filterGrad;
    TWB_CUDNN(cudnnSetConvolutionMathType(m_conv, m_filter.math));
    TWB_CUDNN(cudnnConvolutionBackwardFilter(m_dnn, &kOne, m_x, input(), m_y, m_b.outputGrad,
                                             m_conv, m_filter.algo, m_b.workspace,
                                             m_b.workspaceBytes, &kZero, m_w, target));
    if (direct) return;
    withElementType(m_bf16, [&](auto* type) {
      using T = Elem<decltype(type)>;
      const T* written = static_cast<const T*>(m_b.filterGrad);
      if (m_channelsLast)
        launchRelayout(written, m_b.paramGrads[0], m_filterOut, m_filterIn, m_filterTaps,
                       Layout::nchw, false, s);
      else
        launchAccumulate(written, m_b.paramGrads[0], m_weightElements, false, s);
    });
  }

  // An f32 input of a bf16 convolution: its gradient comes out in bf16 into the input's cast
  // buffer (no longer needed once the weight gradient has read it) and is added as f32.
  void inputGradient(cudaStream_t s) {
    TWB_CUDNN(cudnnSetConvolutionMathType(m_conv, m_data.math));
    const float beta = m_b.accumulate[0] && !m_b.inputCast ? 1.f : 0.f;
    void* target = m_b.inputCast ? m_b.inputCast : m_b.inputGrads[0];
    TWB_CUDNN(cudnnConvolutionBackwardData(m_dnn, &kOne, m_w, weight(), m_y, m_b.outputGrad, m_conv,
                                           m_data.algo, m_b.workspace, m_b.workspaceBytes, &beta,
                                           m_x, target));
    if (m_b.inputCast)
      launchAccumulate(static_cast<const bf16*>(m_b.inputCast),
                       static_cast<float*>(m_b.inputGrads[0]), m_inputElements, m_b.accumulate[0],
                       s);
  }

  NodeBuffers m_b;
  cudnnHandle_t m_dnn;
  TensorDescriptor m_x, m_y;
  FilterDescriptor m_w;
  ConvolutionDescriptor m_conv;
  bool m_bf16 = false, m_channelsLast = false, m_bias = false;
  int64_t m_images = 0, m_channels = 0, m_plane = 0, m_inputElements = 0, m_weightElements = 0;
  int64_t m_filterOut = 0, m_filterIn = 0, m_filterTaps = 0;
  PassChoice<cudnnConvolutionFwdAlgo_t> m_forward;
  PassChoice<cudnnConvolutionBwdDataAlgo_t> m_data;
  PassChoice<cudnnConvolutionBwdFilterAlgo_t> m_filter;
  std::string m_implementation;
};

// Training normalises by the batch's statistics and updates the running ones in place (cuDNN's
// running variance takes the unbiased batch variance, as the CPU backend and PyTorch do);
// inference plans use the running ones. Parameters: weight, bias, running_mean, running_var.
// Channels-last training plans run CudaBatchNorm instead (cuda_nodes.cpp).
class CudnnBatchNorm : public CudaNode {
 public:
  CudnnBatchNorm(const GpuPlan& plan, const PlanNode& node, NodeBuffers b, cudnnHandle_t dnn)
      : m_b(std::move(b)),
        m_dnn(dnn),
        m_x(plan.values[node.inputs[0]].shape, m_b.inputBf16[0], plan.channelsLast),
        m_stats(TensorDescriptor::batchNormStatistics(m_x)),
        m_channels(plan.values[node.inputs[0]].shape[1]),
        m_training(plan.training),
        m_eps(node.attrs.at("eps").get<double>()),
        m_momentum(node.attrs.at("momentum").get<double>()) {
    requireSamePrecision(m_b);
    if (m_eps < CUDNN_BN_MIN_EPSILON)
      throw Error("eps " + std::to_string(m_eps) + " is below cuDNN's smallest, " +
                  std::to_string(CUDNN_BN_MIN_EPSILON));
    if (m_training && (!m_b.inputGrads[0] || !m_b.paramGrads[0] || !m_b.paramGrads[1]))
      throw Error("training it needs its input's gradient and trainable weight and bias here");
  }

  std::string implementation() const override { return "cuDNN"; }

  void forward(cudaStream_t s) override {
    TWB_CUDNN(cudnnSetStream(m_dnn, s));
    const auto& p = m_b.params;
    if (m_training)
      TWB_CUDNN(cudnnBatchNormalizationForwardTraining(
          m_dnn, CUDNN_BATCHNORM_SPATIAL, &kOne, &kZero, m_x, m_b.inputs[0], m_x, m_b.output,
          m_stats, p[0], p[1], m_momentum, p[2], p[3], m_eps, m_b.batchStats,
          m_b.batchStats + m_channels));
    else
      TWB_CUDNN(cudnnBatchNormalizationForwardInference(m_dnn, CUDNN_BATCHNORM_SPATIAL, &kOne,
                                                        &kZero, m_x, m_b.inputs[0], m_x, m_b.output,
                                                        m_stats, p[0], p[1], p[2], p[3], m_eps));
  }

  void backward(cudaStream_t s) override {
    TWB_CUDNN(cudnnSetStream(m_dnn, s));
    const float beta = m_b.accumulate[0] ? 1.f : 0.f;
    TWB_CUDNN(cudnnBatchNormalizationBackward(
        m_dnn, CUDNN_BATCHNORM_SPATIAL, &kOne, &beta, &kOne, &kZero, m_x, m_b.inputs[0], m_x,
        m_b.outputGrad, m_x, m_b.inputGrads[0], m_stats, m_b.params[0], m_b.paramGrads[0],
        m_b.paramGrads[1], m_eps, m_b.batchStats, m_b.batchStats + m_channels));
  }

 private:
  NodeBuffers m_b;
  cudnnHandle_t m_dnn;
  TensorDescriptor m_x, m_stats;
  int64_t m_channels;
  bool m_training;
  double m_eps, m_momentum;
};

// MaxPool2d (the deterministic max: overlapping windows give the same bits every run) and
// AvgPool2d, counting the padding or not as the node says.
class CudnnPool : public CudaNode {
 public:
  CudnnPool(const GpuPlan& plan, const PlanNode& node, NodeBuffers b, cudnnHandle_t dnn)
      : m_b(std::move(b)),
        m_dnn(dnn),
        m_x(plan.values[node.inputs[0]].shape, m_b.inputBf16[0], plan.channelsLast),
        m_y(plan.values[node.output].shape, m_b.outputBf16, plan.channelsLast) {
    requireSamePrecision(m_b);
    if (node.attrs.value("ceil_mode", false))  // cuDNN pads both sides alike
      throw Error("ceil_mode has no cuDNN pooling (its last window overhangs one side only)");
    const auto [kh, kw] = pairOf(node.attrs, "kernel");
    const auto [ph, pw] = pairOf(node.attrs, "padding");
    auto [sh, sw] = pairOf(node.attrs, "stride");
    if (sh == 0 && sw == 0) sh = kh, sw = kw;  // the op's "stride 0: the kernel"
    cudnnPoolingMode_t mode = CUDNN_POOLING_MAX_DETERMINISTIC;
    if (node.op == "AvgPool2d")
      mode = node.attrs.at("count_include_pad").get<bool>()
                 ? CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING
                 : CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;
    TWB_CUDNN(
        cudnnSetPooling2dDescriptor(m_pool, mode, CUDNN_PROPAGATE_NAN, kh, kw, ph, pw, sh, sw));
    const Shape& out = plan.values[node.output].shape;
    int n = 0, c = 0, h = 0, w = 0;
    TWB_CUDNN(cudnnGetPooling2dForwardOutputDim(m_pool, m_x, &n, &c, &h, &w));
    if (n != out[0] || c != out[1] || h != out[2] || w != out[3])
      throw Error("cuDNN's output shape differs from the graph's " + shapeText(out));
  }

  std::string implementation() const override { return "cuDNN"; }

  void forward(cudaStream_t s) override {
    TWB_CUDNN(cudnnSetStream(m_dnn, s));
    TWB_CUDNN(
        cudnnPoolingForward(m_dnn, m_pool, &kOne, m_x, m_b.inputs[0], &kZero, m_y, m_b.output));
  }

  void backward(cudaStream_t s) override {
    if (!m_b.inputGrads[0]) return;
    TWB_CUDNN(cudnnSetStream(m_dnn, s));
    const float beta = m_b.accumulate[0] ? 1.f : 0.f;
    TWB_CUDNN(cudnnPoolingBackward(m_dnn, m_pool, &kOne, m_y, m_b.output, m_y, m_b.outputGrad, m_x,
                                   m_b.inputs[0], &beta, m_x, m_b.inputGrads[0]));
  }

 private:
  NodeBuffers m_b;
  cudnnHandle_t m_dnn;
  TensorDescriptor m_x, m_y;
  PoolingDescriptor m_pool;
};
}  // namespace

std::unique_ptr<CudaNode> makeCudnnNode(const GpuPlan& plan, const PlanNode& node, NodeBuffers b,
                                        cudnnHandle_t dnn) {
  if (node.op == "Conv2d") return std::make_unique<CudnnConv>(plan, node, std::move(b), dnn);
  if (node.op == "BatchNorm2d")
    return std::make_unique<CudnnBatchNorm>(plan, node, std::move(b), dnn);
  if (node.op == "MaxPool2d" || node.op == "AvgPool2d")
    return std::make_unique<CudnnPool>(plan, node, std::move(b), dnn);
  return nullptr;
}

}  // namespace twb::gpu
