#include "backend/cuda/tensor_nodes.h"

#include <cuda_bf16.h>

#include "backend/cuda/broadcast_nodes.h"
#include "backend/cuda/item_kernels.h"
#include "backend/cuda/piece_nodes.h"
#include "backend/cuda/tensor_node_support.h"

namespace twb::gpu {

namespace {
// Softmax and LogSoftmax along one axis; the output's type may differ from the input's (they
// compute in f32 in every precision, their input cast up).
class CudaSoftmax : public CudaNode {
 public:
  CudaSoftmax(const GpuPlan& plan, const PlanNode& node, NodeBuffers b)
      : m_b(std::move(b)), m_log(node.op == "LogSoftmax") {
    const Shape& shape = plan.values[node.output].shape;
    int64_t axis = node.attrs.at("axis").get<int64_t>();
    if (axis < 0) axis += static_cast<int64_t>(shape.size());
    m_rows.n = shape[axis];
    m_rows.inner = productOf(shape.begin() + axis + 1, shape.end());
    m_count = elementsOf(shape) / m_rows.n;
  }

  void forward(cudaStream_t s) override {
    withElementTypes(m_b.inputBf16[0], m_b.outputBf16, [&](auto in, auto out) {
      using In = Elem<decltype(in)>;
      using Out = Elem<decltype(out)>;
      const SoftmaxRows<In, Out> f{static_cast<const In*>(m_b.inputs[0]),
                                   static_cast<Out*>(m_b.output), m_rows, m_log};
      launchItems(f, m_count, "softmax", s);
    });
  }

  void backward(cudaStream_t s) override {
    if (!m_b.inputGrads[0]) return;
    withElementTypes(m_b.inputBf16[0], m_b.outputBf16, [&](auto in, auto out) {
      using In = Elem<decltype(in)>;
      using Out = Elem<decltype(out)>;
      const SoftmaxRowsBackward<In, Out> f{static_cast<const Out*>(m_b.output),
                                           static_cast<const Out*>(m_b.outputGrad),
                                           static_cast<In*>(m_b.inputGrads[0]),
                                           m_rows,
                                           m_log,
                                           m_b.accumulate[0]};
      launchItems(f, m_count, "softmaxBackward", s);
    });
  }

 private:
  NodeBuffers m_b;
  bool m_log = false;
  AxisRows m_rows;
  int64_t m_count = 0;
};

// Layer norm over the last dimension, its statistics saved in the node's batchStats buffer; one
// of affine false has no parameters.
class CudaLayerNorm : public CudaNode {
 public:
  CudaLayerNorm(const GpuPlan& plan, const PlanNode& node, NodeBuffers b)
      : m_b(std::move(b)),
        m_d(plan.values[node.output].shape.back()),
        m_rows(elementsOf(plan.values[node.output].shape) / m_d),
        m_eps(node.attrs.at("eps").get<float>()),
        m_weight(m_b.params.empty() ? nullptr : m_b.params[0]),
        m_bias(m_b.params.empty() ? nullptr : m_b.params[1]) {
    requireSamePrecision(m_b);
  }

  void forward(cudaStream_t s) override {
    withElementType(m_b.outputBf16, [&](auto type) {
      using T = Elem<decltype(type)>;
      const LayerNormRows<T> f{static_cast<const T*>(m_b.inputs[0]),
                               static_cast<T*>(m_b.output),
                               m_weight,
                               m_bias,
                               m_b.batchStats,
                               m_d,
                               m_eps};
      launchItems(f, m_rows, "layerNorm", s);
    });
  }

  void backward(cudaStream_t s) override {
    withElementType(m_b.outputBf16, [&](auto type) {
      using T = Elem<decltype(type)>;
      const auto* x = static_cast<const T*>(m_b.inputs[0]);
      const auto* dy = static_cast<const T*>(m_b.outputGrad);
      if (m_b.inputGrads[0]) {
        const LayerNormRowsBackward<T> f{x,
                                         dy,
                                         static_cast<T*>(m_b.inputGrads[0]),
                                         m_weight,
                                         m_b.batchStats,
                                         m_d,
                                         m_b.accumulate[0]};
        launchItems(f, m_rows, "layerNormBackward", s);
      }
      if (m_weight && m_b.paramGrads[0] && m_b.paramGrads[1]) {
        const LayerNormParamGradients<T> f{
            x, dy, m_b.batchStats, m_b.paramGrads[0], m_b.paramGrads[1], m_rows, m_d};
        launchItems(f, m_d, "layerNormParamGradients", s);
      }
    });
  }

 private:
  NodeBuffers m_b;
  int64_t m_d = 0, m_rows = 0;
  float m_eps = 1e-5f;
  const float *m_weight, *m_bias;
};

// to (+)= from permuted: `to` walks row-major over `rank` dims, dimension k stepping `from` by
// fromStrides[k]; n elements.
void permuteInto(const void* from, bool fromBf16, void* to, bool toBf16, int rank,
                 const int64_t* dims, const int64_t* fromStrides, int64_t n, bool accumulate,
                 const char* kernel, cudaStream_t s) {
  withElementTypes(fromBf16, toBf16, [&](auto fromType, auto toType) {
    using From = Elem<decltype(fromType)>;
    using To = Elem<decltype(toType)>;
    Permute<From, To> f{static_cast<const From*>(from), static_cast<To*>(to), rank};
    std::copy(dims, dims + rank, f.dims);
    std::copy(fromStrides, fromStrides + rank, f.fromStrides);
    f.accumulate = accumulate;
    launchItems(f, n, kernel, s);
  });
}

// Transpose: output dimension k is input dimension perm[k]; its gradient the inverse
// permutation of the output's gradient.
class CudaTranspose : public CudaNode {
 public:
  CudaTranspose(const GpuPlan& plan, const PlanNode& node, NodeBuffers b) : m_b(std::move(b)) {
    const Shape& in = plan.values[node.inputs[0]].shape;
    const Shape& out = plan.values[node.output].shape;
    requireRankAtMost(in);
    const auto perm = node.attrs.at("perm").get<std::vector<int64_t>>();
    const std::vector<int64_t> inStrides = rowMajorStrides(in), outStrides = rowMajorStrides(out);
    m_rank = static_cast<int>(in.size());
    m_n = elementsOf(in);
    for (int k = 0; k < m_rank; ++k) {
      m_outDims[k] = out[k];
      m_inDims[k] = in[k];
      m_forwardStrides[k] = inStrides[perm[k]];    // output dimension k steps the input
      m_backwardStrides[perm[k]] = outStrides[k];  // input dimension perm[k] steps the output
    }
  }

  void forward(cudaStream_t s) override {
    permuteInto(m_b.inputs[0], m_b.inputBf16[0], m_b.output, m_b.outputBf16, m_rank, m_outDims,
                m_forwardStrides, m_n, false, "transpose", s);
  }

  void backward(cudaStream_t s) override {
    if (m_b.inputGrads[0])
      permuteInto(m_b.outputGrad, m_b.outputBf16, m_b.inputGrads[0], m_b.inputBf16[0], m_rank,
                  m_inDims, m_backwardStrides, m_n, m_b.accumulate[0], "transposeBackward", s);
  }

 private:
  NodeBuffers m_b;
  int m_rank = 0;
  int64_t m_n = 0;
  int64_t m_outDims[kMaxRank] = {}, m_inDims[kMaxRank] = {};
  int64_t m_forwardStrides[kMaxRank] = {}, m_backwardStrides[kMaxRank] = {};
};

// Reshape: the same elements in the same order, copied (Flatten's sharing of its input's buffers
// would need this to be the input's only reader): a permutation of one dimension, the identity.
class CudaReshape : public CudaNode {
 public:
  CudaReshape(const GpuPlan& plan, const PlanNode& node, NodeBuffers b)
      : m_b(std::move(b)), m_n(elementsOf(plan.values[node.output].shape)) {}

  void forward(cudaStream_t s) override {
    permuteInto(m_b.inputs[0], m_b.inputBf16[0], m_b.output, m_b.outputBf16, 1, &m_n, &kOne, m_n,
                false, "reshape", s);
  }

  void backward(cudaStream_t s) override {
    if (m_b.inputGrads[0])
      permuteInto(m_b.outputGrad, m_b.outputBf16, m_b.inputGrads[0], m_b.inputBf16[0], 1, &m_n,
                  &kOne, m_n, m_b.accumulate[0], "reshapeBackward", s);
  }

 private:
  static constexpr int64_t kOne = 1;
  NodeBuffers m_b;
  int64_t m_n = 0;
};

// ReduceSum and ReduceMean over some axes (never the batch).
class CudaReduce : public CudaNode {
 public:
  CudaReduce(const GpuPlan& plan, const PlanNode& node, NodeBuffers b)
      : m_b(std::move(b)), m_mean(node.op == "ReduceMean") {
    const Shape& in = plan.values[node.inputs[0]].shape;
    Shape kept = in;  // the output with every reduced axis kept as a dimension of 1
    for (int64_t axis : node.attrs.at("axes").get<std::vector<int64_t>>())
      kept[axis < 0 ? axis + static_cast<int64_t>(in.size()) : axis] = 1;
    m_map = broadcastMap(in, kept);
    m_in = elementsOf(in);
    m_out = elementsOf(kept);
  }

  void forward(cudaStream_t s) override {
    withElementTypes(m_b.inputBf16[0], m_b.outputBf16, [&](auto in, auto out) {
      using In = Elem<decltype(in)>;
      using Out = Elem<decltype(out)>;
      const ReduceOver<In, Out> f{static_cast<const In*>(m_b.inputs[0]),
                                  static_cast<Out*>(m_b.output), m_map, m_mean};
      launchItems(f, m_out, "reduce", s);
    });
  }

  void backward(cudaStream_t s) override {
    if (!m_b.inputGrads[0]) return;
    withElementTypes(m_b.inputBf16[0], m_b.outputBf16, [&](auto in, auto out) {
      using In = Elem<decltype(in)>;
      using Out = Elem<decltype(out)>;
      const ReduceOverBackward<In, Out> f{static_cast<const Out*>(m_b.outputGrad),
                                          static_cast<In*>(m_b.inputGrads[0]), m_map, m_mean,
                                          m_b.accumulate[0]};
      launchItems(f, m_in, "reduceBackward", s);
    });
  }

 private:
  NodeBuffers m_b;
  bool m_mean = false;
  BroadcastMap m_map;
  int64_t m_in = 0, m_out = 0;
};

// MatMul: (N, ..., M, K) x (N, ..., K, P) -> (N, ..., M, P), one thread an output element, f32
// sums (attention's products are small in the models this serves; cuBLASLt's batched products
// would serve long sequences better). Gradients: dA = dC B^T, dB = A^T dC, the same kernel
// reading the operands through transposed strides.
class CudaMatMul : public CudaNode {
 public:
  CudaMatMul(const GpuPlan& plan, const PlanNode& node, NodeBuffers b) : m_b(std::move(b)) {
    const Shape& a = plan.values[node.inputs[0]].shape;
    const Shape& c = plan.values[node.output].shape;
    m_m = a[a.size() - 2];
    m_k = a.back();
    m_p = c.back();
    m_batches = elementsOf(c) / (m_m * m_p);
  }

  void forward(cudaStream_t s) override {
    product(m_b.inputs[0], m_b.inputBf16[0], {m_m * m_k, m_k, 1}, m_b.inputs[1], m_b.inputBf16[1],
            {m_k * m_p, m_p, 1}, m_b.output, m_b.outputBf16, m_m, m_p, m_k, false, "matmul", s);
  }

  void backward(cudaStream_t s) override {
    if (m_b.inputGrads[0])  // dA (M x K) = dC (M x P) B^T (P x K)
      product(m_b.outputGrad, m_b.outputBf16, {m_m * m_p, m_p, 1}, m_b.inputs[1], m_b.inputBf16[1],
              {m_k * m_p, 1, m_p}, m_b.inputGrads[0], m_b.inputBf16[0], m_m, m_k, m_p,
              m_b.accumulate[0], "matmulInputGradient", s);
    if (m_b.inputGrads[1])  // dB (K x P) = A^T (K x M) dC (M x P)
      product(m_b.inputs[0], m_b.inputBf16[0], {m_m * m_k, 1, m_k}, m_b.outputGrad, m_b.outputBf16,
              {m_m * m_p, m_p, 1}, m_b.inputGrads[1], m_b.inputBf16[1], m_k, m_p, m_m,
              m_b.accumulate[1], "matmulOtherGradient", s);
  }

 private:
  // c = a b over the batches, c (rows x cols) stored densely, a and b read through strides.
  void product(const void* a, bool aBf16, MatrixStrides as, const void* b, bool bBf16,
               MatrixStrides bs, void* c, bool cBf16, int64_t rows, int64_t cols, int64_t depth,
               bool accumulate, const char* kernel, cudaStream_t s) const {
    withElementTypes(aBf16, bBf16, cBf16, [&](auto aType, auto bType, auto cType) {
      using A = Elem<decltype(aType)>;
      using B = Elem<decltype(bType)>;
      using C = Elem<decltype(cType)>;
      const BatchedProduct<A, B, C> f{static_cast<const A*>(a),
                                      static_cast<const B*>(b),
                                      static_cast<C*>(c),
                                      as,
                                      bs,
                                      rows,
                                      cols,
                                      depth,
                                      accumulate};
      launchItems(f, m_batches * rows * cols, kernel, s);
    });
  }

  NodeBuffers m_b;
  int64_t m_m = 0, m_k = 0, m_p = 0, m_batches = 0;
};

// MSE of a prediction against a target of its shape, in f32: per-row sums of squares (the
// node's rowLoss buffer), then their mean; the target gets no gradient.
class CudaMse : public CudaNode {
 public:
  CudaMse(const GpuPlan& plan, const PlanNode& node, NodeBuffers b) : m_b(std::move(b)) {
    if (m_b.outputBf16) throw Error("its loss must be f32");
    const Shape& prediction = plan.values[node.inputs[0]].shape;
    m_rows = prediction[0];
    m_count = elementsOf(prediction);
  }

  void forward(cudaStream_t s) override {
    withElementTypes(m_b.inputBf16[0], m_b.inputBf16[1], [&](auto p, auto t) {
      using P = Elem<decltype(p)>;
      using T = Elem<decltype(t)>;
      const SquaredErrorRows<P, T> rows{static_cast<const P*>(m_b.inputs[0]),
                                        static_cast<const T*>(m_b.inputs[1]), m_b.rowLoss,
                                        m_count / m_rows};
      launchItems(rows, m_rows, "squaredErrorRows", s);
    });
    launchItems(MeanOfRows{m_b.rowLoss, static_cast<float*>(m_b.output), m_rows, m_count}, 1,
                "meanOfRows", s);
  }

  void backward(cudaStream_t s) override {
    if (!m_b.inputGrads[0]) return;
    withElementTypes(m_b.inputBf16[0], m_b.inputBf16[1], [&](auto p, auto t) {
      using P = Elem<decltype(p)>;
      using T = Elem<decltype(t)>;
      const SquaredErrorGradient<P, T> f{static_cast<const P*>(m_b.inputs[0]),
                                         static_cast<const T*>(m_b.inputs[1]),
                                         static_cast<const float*>(m_b.outputGrad),
                                         static_cast<P*>(m_b.inputGrads[0]),
                                         m_count,
                                         m_b.accumulate[0]};
      launchItems(f, m_count, "squaredErrorGradient", s);
    });
  }

 private:
  NodeBuffers m_b;
  int64_t m_rows = 0, m_count = 0;
};

// Dropout: in training, each element kept (scaled by 1 / (1 - p)) or zeroed by a draw from the
// step's seed (dropout_ops.h), forward and backward alike; in inference, a copy.
class CudaDropout : public CudaNode {
 public:
  CudaDropout(const GpuPlan& plan, const PlanNode& node, NodeBuffers b)
      : m_b(std::move(b)),
        m_n(elementsOf(plan.values[node.output].shape)),
        m_node(static_cast<uint64_t>(&node - plan.nodes.data())),
        m_p(plan.training ? node.attrs.at("p").get<float>() : 0.f) {
    requireSamePrecision(m_b);
  }

  void forward(cudaStream_t s) override { run(m_b.inputs[0], m_b.output, false, "dropout", s); }

  void backward(cudaStream_t s) override {
    if (m_b.inputGrads[0])
      run(m_b.outputGrad, m_b.inputGrads[0], m_b.accumulate[0], "dropoutBackward", s);
  }

 private:
  void run(const void* from, void* to, bool accumulate, const char* kernel, cudaStream_t s) const {
    withElementType(m_b.outputBf16, [&](auto type) {
      using T = Elem<decltype(type)>;
      const DropoutItems<T> f{
          static_cast<const T*>(from), static_cast<T*>(to), m_b.scalars, m_node, m_p, accumulate};
      launchItems(f, m_n, kernel, s);
    });
  }

  NodeBuffers m_b;
  int64_t m_n = 0;
  uint64_t m_node = 0;
  float m_p = 0.f;  // 0 in inference: every element kept, unscaled
};

// Whether a rank-4 value passes through the node: channels-last plans store those NHWC.
bool touchesRank4(const GpuPlan& plan, const PlanNode& node) {
  auto rank4 = [&](int v) { return plan.values[v].shape.size() == 4; };
  return rank4(node.output) || std::any_of(node.inputs.begin(), node.inputs.end(), rank4);
}
}  // namespace

const std::vector<std::string>& tensorOps() {
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> all{"Softmax",    "LogSoftmax", "LayerNorm", "Transpose", "Reshape",
                                 "ReduceMean", "ReduceSum",  "MatMul",    "MSE",       "Dropout"};
    all.insert(all.end(), broadcastOps().begin(), broadcastOps().end());
    all.insert(all.end(), pieceOps().begin(), pieceOps().end());
    return all;
  }();
  return ops;
}

std::unique_ptr<CudaNode> makeTensorNode(const GpuPlan& plan, const PlanNode& node,
                                         NodeBuffers& buffers) {
  const auto& ops = tensorOps();
  if (std::find(ops.begin(), ops.end(), node.op) == ops.end()) return nullptr;
  if (plan.channelsLast && touchesRank4(plan, node))
    throw Error(
        "a rank-4 value here is stored channels-last (NHWC), which this op reads as "
        "NCHW; plans of such graphs keep their images NCHW (a job does so by itself)");
  if (auto broadcast = makeBroadcastNode(plan, node, buffers)) return broadcast;
  if (auto piece = makePieceNode(plan, node, buffers)) return piece;
  const std::string& op = node.op;
  if (op == "Softmax" || op == "LogSoftmax")
    return std::make_unique<CudaSoftmax>(plan, node, std::move(buffers));
  if (op == "LayerNorm") return std::make_unique<CudaLayerNorm>(plan, node, std::move(buffers));
  if (op == "Transpose") return std::make_unique<CudaTranspose>(plan, node, std::move(buffers));
  if (op == "Reshape") return std::make_unique<CudaReshape>(plan, node, std::move(buffers));
  if (op == "ReduceMean" || op == "ReduceSum")
    return std::make_unique<CudaReduce>(plan, node, std::move(buffers));
  if (op == "MSE") return std::make_unique<CudaMse>(plan, node, std::move(buffers));
  if (op == "Dropout") return std::make_unique<CudaDropout>(plan, node, std::move(buffers));
  return std::make_unique<CudaMatMul>(plan, node, std::move(buffers));
}

}  // namespace twb::gpu
