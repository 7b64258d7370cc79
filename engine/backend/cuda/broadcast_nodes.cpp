#include "backend/cuda/broadcast_nodes.h"

#include <cuda_bf16.h>

#include "backend/cuda/item_kernels.h"
#include "backend/cuda/tensor_node_support.h"

namespace twb::gpu {

BroadcastMap broadcastMap(const Shape& large, const Shape& small) {
  requireRankAtMost(large);
  BroadcastMap map;
  map.rank = static_cast<int>(large.size());
  const std::vector<int64_t> strides = rowMajorStrides(small);
  const int offset = map.rank - static_cast<int>(small.size());
  for (int k = 0; k < map.rank; ++k) {
    const int q = k - offset;
    map.dims[k] = large[k];
    map.smallStrides[k] = q < 0 || small[q] == 1 ? 0 : strides[q];
  }
  map.repeats = elementsOf(large) / elementsOf(small);
  return map;
}

namespace {
// Bias (x + p) and LayerScale (x * p), p a learned f32 tensor broadcast over x.
class CudaLearnedTensor : public CudaNode {
 public:
  CudaLearnedTensor(const GpuPlan& plan, const PlanNode& node, NodeBuffers b)
      : m_b(std::move(b)),
        m_map(broadcastMap(plan.values[node.output].shape, plan.params[node.params[0]].shape)),
        m_n(elementsOf(plan.values[node.output].shape)),
        m_parameters(elementsOf(plan.params[node.params[0]].shape)),
        m_multiplies(node.op == "LayerScale") {}

  void forward(cudaStream_t s) override {
    withElementTypes(m_b.inputBf16[0], m_b.outputBf16, [&](auto in, auto out) {
      using In = Elem<decltype(in)>;
      using Out = Elem<decltype(out)>;
      const LearnedTensorForward<In, Out> f{static_cast<const In*>(m_b.inputs[0]),
                                            static_cast<Out*>(m_b.output), m_b.params[0], m_map,
                                            m_multiplies};
      launchItems(f, m_n, "learnedTensor", s);
    });
  }

  void backward(cudaStream_t s) override {
    withElementTypes(m_b.inputBf16[0], m_b.outputBf16, [&](auto in, auto out) {
      using In = Elem<decltype(in)>;
      using Out = Elem<decltype(out)>;
      const auto* dy = static_cast<const Out*>(m_b.outputGrad);
      if (m_b.inputGrads[0]) {
        const LearnedTensorInputGradient<In, Out> f{dy,
                                                    static_cast<In*>(m_b.inputGrads[0]),
                                                    m_b.params[0],
                                                    m_map,
                                                    m_multiplies,
                                                    m_b.accumulate[0]};
        launchItems(f, m_n, "learnedTensorInputGradient", s);
      }
      if (m_b.paramGrads[0]) {
        const LearnedTensorGradient<In, Out> f{static_cast<const In*>(m_b.inputs[0]), dy,
                                               m_b.paramGrads[0], m_map, m_multiplies};
        launchItems(f, m_parameters, "learnedTensorGradient", s);
      }
    });
  }

 private:
  NodeBuffers m_b;
  BroadcastMap m_map;
  int64_t m_n = 0, m_parameters = 0;
  bool m_multiplies = false;
};

// Mul, Sub and Div, each input broadcast to the output (dimensions of 1 repeated).
class CudaBinary : public CudaNode {
 public:
  CudaBinary(const GpuPlan& plan, const PlanNode& node, NodeBuffers b) : m_b(std::move(b)) {
    const Shape& out = plan.values[node.output].shape;
    m_aMap = broadcastMap(out, plan.values[node.inputs[0]].shape);
    m_bMap = broadcastMap(out, plan.values[node.inputs[1]].shape);
    m_n = elementsOf(out);
    m_kind = node.op == "Mul"   ? BinaryKind::mul
             : node.op == "Sub" ? BinaryKind::sub
                                : BinaryKind::div;
  }

  void forward(cudaStream_t s) override {
    withElementTypes(m_b.inputBf16[0], m_b.inputBf16[1], m_b.outputBf16,
                     [&](auto aType, auto bType, auto outType) {
                       using A = Elem<decltype(aType)>;
                       using B = Elem<decltype(bType)>;
                       using Out = Elem<decltype(outType)>;
                       const BinaryForward<A, B, Out> f{static_cast<const A*>(m_b.inputs[0]),
                                                        static_cast<const B*>(m_b.inputs[1]),
                                                        static_cast<Out*>(m_b.output),
                                                        m_aMap,
                                                        m_bMap,
                                                        m_kind};
                       launchItems(f, m_n, "binary", s);
                     });
  }

  void backward(cudaStream_t s) override {
    for (bool ofB : {false, true}) {
      if (!m_b.inputGrads[ofB]) continue;
      withElementTypes(m_b.inputBf16[0], m_b.inputBf16[1], m_b.outputBf16,
                       [&](auto aType, auto bType, auto outType) {
                         using A = Elem<decltype(aType)>;
                         using B = Elem<decltype(bType)>;
                         using Out = Elem<decltype(outType)>;
                         const BinaryGradient<A, B, Out> f{static_cast<const A*>(m_b.inputs[0]),
                                                           static_cast<const B*>(m_b.inputs[1]),
                                                           static_cast<const Out*>(m_b.outputGrad),
                                                           static_cast<A*>(m_b.inputGrads[0]),
                                                           static_cast<B*>(m_b.inputGrads[1]),
                                                           m_aMap,
                                                           m_bMap,
                                                           m_kind,
                                                           ofB,
                                                           m_b.accumulate[ofB]};
                         launchItems(f, m_n / (ofB ? m_bMap : m_aMap).repeats, "binaryGradient", s);
                       });
    }
  }

 private:
  NodeBuffers m_b;
  BroadcastMap m_aMap, m_bMap;
  int64_t m_n = 0;
  BinaryKind m_kind = BinaryKind::mul;
};
}  // namespace

const std::vector<std::string>& broadcastOps() {
  static const std::vector<std::string> ops{"Bias", "LayerScale", "Mul", "Sub", "Div"};
  return ops;
}

std::unique_ptr<CudaNode> makeBroadcastNode(const GpuPlan& plan, const PlanNode& node,
                                            NodeBuffers& buffers) {
  if (node.op == "Bias" || node.op == "LayerScale")
    return std::make_unique<CudaLearnedTensor>(plan, node, std::move(buffers));
  if (node.op == "Mul" || node.op == "Sub" || node.op == "Div")
    return std::make_unique<CudaBinary>(plan, node, std::move(buffers));
  return nullptr;
}

}  // namespace twb::gpu
