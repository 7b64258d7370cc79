#include "backend/cuda/cuda_nodes.h"

#include <cuda_bf16.h>

#include <algorithm>

#include "backend/cuda/activation_kernels.h"
#include "backend/cuda/batch_norm_kernels.h"
#include "backend/cuda/cnn_kernels.h"
#include "backend/cuda/cuda_kernels.h"
#include "backend/cuda/cudnn_nodes.h"
#include "backend/cuda/memory_plan.h"
#include "backend/cuda/tensor_nodes.h"
#include "core/error.h"

namespace twb::gpu {

namespace {
using bf16 = __nv_bfloat16;

// Linear: y[rows, out] = x[rows, in] w[out, in]^T + b, as three cuBLASLt products on row-major
// buffers read column-major (y^T = w x^T; dx^T = w^T dy^T; dw^T = x^T dy).
class CudaLinear : public CudaNode {
 public:
  CudaLinear(const GpuPlan& plan, const PlanNode& node, NodeBuffers b, cublasLtHandle_t lt)
      : m_b(std::move(b)) {
    const Shape& in = plan.values[node.inputs[0]].shape;
    m_in = in.back();
    m_rows = elementsOf(in) / m_in;
    m_out = plan.values[node.output].shape.back();
    m_bias = node.attrs.value("bias", true);
    m_bf16 = node.bf16;
    const cudaDataType_t operands = m_bf16 ? CUDA_R_16BF : CUDA_R_32F;
    const cudaDataType_t output = m_b.outputBf16 ? CUDA_R_16BF : CUDA_R_32F;
    const bool tf32 = plan.allowTf32;
    const size_t ws = m_b.workspaceBytes;
    // The bias in the output's type: a bf16 output adds the bias' bf16 copy.
    const void* bias = !m_bias          ? nullptr
                       : m_b.outputBf16 ? m_b.paramsBf16[1]
                                        : static_cast<const void*>(m_b.params[1]);
    m_forward = std::make_unique<LtMatmul>(
        lt, LtMatmul::Shape{true, false, m_out, m_rows, m_in, m_in, m_in, m_out}, operands, output,
        tf32, ws, bias, output);
    if (!plan.training) return;
    if (m_b.inputGrads[0]) {
      const cudaDataType_t gradType = m_b.inputBf16[0] ? CUDA_R_16BF : CUDA_R_32F;
      m_inputGrad = std::make_unique<LtMatmul>(
          lt, LtMatmul::Shape{false, false, m_in, m_rows, m_out, m_in, m_out, m_in}, operands,
          gradType, tf32, ws);
    }
    m_weightGrad = std::make_unique<LtMatmul>(
        lt, LtMatmul::Shape{false, true, m_in, m_out, m_rows, m_in, m_out, m_in}, operands,
        CUDA_R_32F, tf32, ws);
  }

  std::string implementation() const override { return "cuBLASLt"; }

  void forward(cudaStream_t s) override {
    if (m_b.inputCast)
      launchToBf16(static_cast<const float*>(m_b.inputs[0]), static_cast<bf16*>(m_b.inputCast),
                   m_rows * m_in, s);
    m_forward->run(weight(), input(), m_b.output, false, m_b.workspace, s);
    if (!m_bias || m_forward->fusedBias()) return;
    if (m_b.outputBf16)
      launchAddBias(static_cast<bf16*>(m_b.output), m_b.params[1], m_rows, m_out, s);
    else
      launchAddBias(static_cast<float*>(m_b.output), m_b.params[1], m_rows, m_out, s);
  }

  void backward(cudaStream_t s) override {
    if (m_b.gradCast)
      launchToBf16(static_cast<const float*>(m_b.outputGrad), static_cast<bf16*>(m_b.gradCast),
                   m_rows * m_out, s);
    if (m_inputGrad)
      m_inputGrad->run(weight(), outputGrad(), m_b.inputGrads[0], m_b.accumulate[0], m_b.workspace,
                       s);
    m_weightGrad->run(input(), outputGrad(), m_b.paramGrads[0], false, m_b.workspace, s);
    if (!m_bias) return;
    if (m_b.outputBf16)
      launchBiasGradient(static_cast<const bf16*>(m_b.outputGrad), m_b.partialSums,
                         m_b.paramGrads[1], m_rows, m_out, s);
    else
      launchBiasGradient(static_cast<const float*>(m_b.outputGrad), m_b.partialSums,
                         m_b.paramGrads[1], m_rows, m_out, s);
  }

 private:
  // The operands of the products: bf16 copies where the node computes in bf16.
  const void* weight() const {
    return m_bf16 ? m_b.paramsBf16[0] : static_cast<const void*>(m_b.params[0]);
  }
  const void* input() const { return m_b.inputCast ? m_b.inputCast : m_b.inputs[0]; }
  const void* outputGrad() const { return m_b.gradCast ? m_b.gradCast : m_b.outputGrad; }

  NodeBuffers m_b;
  int64_t m_rows = 0, m_in = 0, m_out = 0;
  bool m_bias = true, m_bf16 = false;
  std::unique_ptr<LtMatmul> m_forward, m_inputGrad, m_weightGrad;
};

// The catalogue's elementwise activations, in the input's type (bf16 under mixed precision).
class CudaActivation : public CudaNode {
 public:
  CudaActivation(const GpuPlan& plan, const PlanNode& node, NodeBuffers b)
      : m_b(std::move(b)),
        m_f(activationOf(node.op,
                         [&](const char* name) { return node.attrs.at(name).get<double>(); })),
        m_n(elementsOf(plan.values[node.output].shape)) {
    requireSamePrecision(m_b);
  }

  void forward(cudaStream_t s) override {
    withElementType(m_b.outputBf16, [&](auto type) {
      using T = Elem<decltype(type)>;
      launchActivation(m_f, static_cast<const T*>(m_b.inputs[0]), static_cast<T*>(m_b.output), m_n,
                       s);
    });
  }

  void backward(cudaStream_t s) override {
    if (!m_b.inputGrads[0]) return;
    withElementType(m_b.outputBf16, [&](auto type) {
      using T = Elem<decltype(type)>;
      launchActivationBackward(m_f, static_cast<const T*>(m_b.inputs[0]),
                               static_cast<const T*>(m_b.outputGrad),
                               static_cast<T*>(m_b.inputGrads[0]), m_n, m_b.accumulate[0], s);
    });
  }

 private:
  NodeBuffers m_b;
  Activation m_f;
  int64_t m_n = 0;
};

// Flatten shares its input's buffers (memory_plan.h): nothing to run.
class CudaFlatten : public CudaNode {
 public:
  std::string implementation() const override { return "none (shares its input)"; }
  void forward(cudaStream_t) override {}
  void backward(cudaStream_t) override {}
};

// Flatten of an image in a channels-last plan: NHWC on the GPU, flat in NCHW order (as a Linear
// after it was trained on the CPU expects), so the elements move; backward moves them back.
class CudaFlattenChannelsLast : public CudaNode {
 public:
  CudaFlattenChannelsLast(const GpuPlan& plan, const PlanNode& node, NodeBuffers b)
      : m_b(std::move(b)) {
    const Shape& in = plan.values[node.inputs[0]].shape;
    m_images = in[0], m_channels = in[1], m_plane = in[2] * in[3];
  }

  void forward(cudaStream_t s) override {
    withElementType(m_b.outputBf16, [&](auto* type) {
      using T = Elem<decltype(type)>;
      launchRelayout(static_cast<const T*>(m_b.inputs[0]), static_cast<T*>(m_b.output), m_images,
                     m_channels, m_plane, Layout::nchw, false, s);
    });
  }

  void backward(cudaStream_t s) override {
    if (!m_b.inputGrads[0]) return;
    withElementType(m_b.outputBf16, [&](auto* type) {
      using T = Elem<decltype(type)>;
      launchRelayout(static_cast<const T*>(m_b.outputGrad), static_cast<T*>(m_b.inputGrads[0]),
                     m_images, m_channels, m_plane, Layout::nhwc, m_b.accumulate[0], s);
    });
  }

 private:
  NodeBuffers m_b;
  int64_t m_images = 0, m_channels = 0, m_plane = 0;
};

// The sum of two or more inputs of one shape: the first is copied, the others added, each
// converted to the output's type; backward passes the output gradient to every input.
class CudaAdd : public CudaNode {
 public:
  CudaAdd(const GpuPlan& plan, const PlanNode& node, NodeBuffers b)
      : m_b(std::move(b)), m_n(elementsOf(plan.values[node.output].shape)) {
    if (node.attrs.value("activation", "none") != "none")
      throw Error("a fused activation is not supported here (train the unfused graph)");
  }

  void forward(cudaStream_t s) override {
    for (size_t i = 0; i < m_b.inputs.size(); ++i)
      pass(m_b.inputs[i], m_b.inputBf16[i], m_b.output, m_b.outputBf16, i > 0, s);
  }

  void backward(cudaStream_t s) override {
    for (size_t i = 0; i < m_b.inputs.size(); ++i)
      if (m_b.inputGrads[i])
        pass(m_b.outputGrad, m_b.outputBf16, m_b.inputGrads[i], m_b.inputBf16[i], m_b.accumulate[i],
             s);
  }

 private:
  void pass(const void* from, bool fromBf16, void* to, bool toBf16, bool accumulate,
            cudaStream_t s) const {
    if (fromBf16 && toBf16)
      launchAccumulate(static_cast<const bf16*>(from), static_cast<bf16*>(to), m_n, accumulate, s);
    else if (fromBf16)
      launchAccumulate(static_cast<const bf16*>(from), static_cast<float*>(to), m_n, accumulate, s);
    else if (toBf16)
      launchAccumulate(static_cast<const float*>(from), static_cast<bf16*>(to), m_n, accumulate, s);
    else
      launchAccumulate(static_cast<const float*>(from), static_cast<float*>(to), m_n, accumulate,
                       s);
  }

  NodeBuffers m_b;
  int64_t m_n;
};

// (N, C, H, W) -> (N, C): the mean of each channel's plane.
class CudaGlobalAvgPool : public CudaNode {
 public:
  CudaGlobalAvgPool(const GpuPlan& plan, const PlanNode& node, NodeBuffers b)
      : m_b(std::move(b)), m_channelsLast(plan.channelsLast) {
    const Shape& in = plan.values[node.inputs[0]].shape;
    m_images = in[0], m_channels = in[1];
    m_plane = elementsOf(in) / (m_images * m_channels);
    requireSamePrecision(m_b);
  }

  void forward(cudaStream_t s) override {
    withElementType(m_b.outputBf16, [&](auto* type) {
      using T = Elem<decltype(type)>;
      launchGlobalAvgPool(static_cast<const T*>(m_b.inputs[0]), static_cast<T*>(m_b.output),
                          m_images, m_channels, m_plane, m_channelsLast, s);
    });
  }

  void backward(cudaStream_t s) override {
    if (!m_b.inputGrads[0]) return;
    withElementType(m_b.outputBf16, [&](auto* type) {
      using T = Elem<decltype(type)>;
      launchGlobalAvgPoolBackward(static_cast<const T*>(m_b.outputGrad),
                                  static_cast<T*>(m_b.inputGrads[0]), m_images, m_channels, m_plane,
                                  m_channelsLast, m_b.accumulate[0], s);
    });
  }

 private:
  NodeBuffers m_b;
  bool m_channelsLast = false;
  int64_t m_images = 0, m_channels = 0, m_plane = 0;
};

// Training batch norm on channels-last images, on kernels of its own (batch_norm_kernels.h);
// NCHW and inference plans keep cuDNN's (cudnn_nodes.cpp). Parameters: weight, bias,
// running_mean, running_var.
class CudaBatchNorm : public CudaNode {
 public:
  CudaBatchNorm(const GpuPlan& plan, const PlanNode& node, NodeBuffers b)
      : m_b(std::move(b)),
        m_eps(static_cast<float>(node.attrs.at("eps").get<double>())),
        m_momentum(static_cast<float>(node.attrs.at("momentum").get<double>())) {
    const Shape& in = plan.values[node.inputs[0]].shape;
    m_channels = in[1];
    m_rows = elementsOf(in) / m_channels;
    requireSamePrecision(m_b);
    if (!m_b.inputGrads[0] || !m_b.paramGrads[0] || !m_b.paramGrads[1])
      throw Error("training it needs its input's gradient and trainable weight and bias here");
  }

  void forward(cudaStream_t s) override {
    const auto& p = m_b.params;
    withElementType(m_b.outputBf16, [&](auto* type) {
      using T = Elem<decltype(type)>;
      launchBatchNormForward(static_cast<const T*>(m_b.inputs[0]), static_cast<T*>(m_b.output),
                             p[0], p[1], p[2], p[3], m_b.batchStats, m_b.partialSums, m_rows,
                             m_channels, m_eps, m_momentum, s);
    });
  }

  void backward(cudaStream_t s) override {
    withElementType(m_b.outputBf16, [&](auto* type) {
      using T = Elem<decltype(type)>;
      launchBatchNormBackward(
          static_cast<const T*>(m_b.inputs[0]), static_cast<const T*>(m_b.outputGrad),
          static_cast<T*>(m_b.inputGrads[0]), m_b.params[0], m_b.batchStats, m_b.paramGrads[0],
          m_b.paramGrads[1], m_b.partialSums, m_rows, m_channels, m_b.accumulate[0], s);
    });
  }

 private:
  NodeBuffers m_b;
  float m_eps, m_momentum;
  int64_t m_channels = 0, m_rows = 0;
};

class CudaCrossEntropy : public CudaNode {
 public:
  CudaCrossEntropy(const GpuPlan& plan, const PlanNode& node, NodeBuffers b) : m_b(std::move(b)) {
    const Shape& logits = plan.values[node.inputs[0]].shape;
    m_rows = logits[0];
    m_classes = logits.back();
  }

  void forward(cudaStream_t s) override {
    launchCrossEntropy(static_cast<const float*>(m_b.inputs[0]),
                       static_cast<const int32_t*>(m_b.inputs[1]), m_b.rowLoss,
                       static_cast<float*>(m_b.output), m_rows, m_classes, s);
  }

  void backward(cudaStream_t s) override {
    if (!m_b.inputGrads[0]) return;
    launchCrossEntropyBackward(
        static_cast<const float*>(m_b.inputs[0]), static_cast<const int32_t*>(m_b.inputs[1]),
        static_cast<const float*>(m_b.outputGrad), static_cast<float*>(m_b.inputGrads[0]), m_rows,
        m_classes, m_b.accumulate[0], s);
  }

 private:
  NodeBuffers m_b;
  int64_t m_rows = 0, m_classes = 0;
};
}  // namespace

const std::vector<std::string>& cudaOps() {
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> all{"Add",    "AvgPool2d", "BatchNorm2d",
                                 "Conv2d", "Flatten",   "GlobalAvgPool",
                                 "Linear", "MaxPool2d", "SoftmaxCrossEntropy"};
    all.insert(all.end(), std::begin(kActivationOps), std::end(kActivationOps));
    all.insert(all.end(), tensorOps().begin(), tensorOps().end());
    return all;
  }();
  return ops;
}

std::unique_ptr<CudaNode> makeCudaNode(const GpuPlan& plan, size_t n, NodeBuffers buffers,
                                       const CudaLibraries& libraries) {
  const PlanNode& node = plan.nodes[n];
  try {
    if (node.op == "Linear") {
      if (plan.channelsLast && plan.values[node.inputs[0]].shape.size() == 4)
        throw Error("its input is an image, stored channels-last here (flatten it first)");
      return std::make_unique<CudaLinear>(plan, node, std::move(buffers), libraries.lt);
    }
    if (isActivation(node.op))
      return std::make_unique<CudaActivation>(plan, node, std::move(buffers));
    if (node.op == "Add") return std::make_unique<CudaAdd>(plan, node, std::move(buffers));
    if (node.op == "GlobalAvgPool")
      return std::make_unique<CudaGlobalAvgPool>(plan, node, std::move(buffers));
    if (node.op == "BatchNorm2d" && plan.channelsLast && plan.training)
      return std::make_unique<CudaBatchNorm>(plan, node, std::move(buffers));
    if (auto cudnn = makeCudnnNode(plan, node, buffers, libraries.dnn)) return cudnn;
    if (auto tensor = makeTensorNode(plan, node, buffers)) return tensor;
    if (node.op == "Flatten") {
      const int input = node.inputs[0];
      if (reordersOnFlatten(plan, input))
        return std::make_unique<CudaFlattenChannelsLast>(plan, node, std::move(buffers));
      // Its output shares the input's buffers (memory_plan.h), gradient included: right only
      // while nothing else reads that input.
      const auto readers =
          std::count_if(plan.nodes.begin(), plan.nodes.end(), [&](const PlanNode& n) {
            return std::find(n.inputs.begin(), n.inputs.end(), input) != n.inputs.end();
          });
      if (readers > 1)
        throw Error(
            "its input '" + plan.values[input].name +
            "' is read by other nodes too, which this backend's Flatten does not allow yet");
      return std::make_unique<CudaFlatten>();
    }
    if (node.op == "SoftmaxCrossEntropy") {
      if (plan.values[node.inputs[0]].bf16)
        throw Error("its logits must be f32 (end the model with a Linear layer)");
      return std::make_unique<CudaCrossEntropy>(plan, node, std::move(buffers));
    }
  } catch (const Error& e) {
    throw Error("node '" + node.name + "' (" + node.op + ") on the GPU: " + e.what());
  }
  std::string known;
  for (const auto& op : cudaOps()) known += (known.empty() ? "" : ", ") + op;
  throw Error("node '" + node.name + "': op " + node.op +
              " has no CUDA kernel yet (the CUDA backend runs " + known +
              "); train this model with \"device\": \"cpu\"");
}

}  // namespace twb::gpu
