#include "backend/cuda/piece_nodes.h"

#include <cuda_bf16.h>

#include "backend/cuda/cuda_check.h"
#include "backend/cuda/item_kernels.h"
#include "backend/cuda/tensor_node_support.h"
#include "backend/token_id_error.h"

namespace twb::gpu {

namespace {
// Where a part of extent `extent` at `start` along `axis` of `whole` lies in it.
Block blockAlong(const Shape& whole, int64_t axis, int64_t start, int64_t extent) {
  const int64_t after = productOf(whole.begin() + axis + 1, whole.end());
  return {extent * after, whole[axis] * after, start * after};
}

// block (+)= whole at the block's place, or (into) whole at the block's place (+)= block.
void copyBlock(const void* from, bool fromBf16, void* to, bool toBf16, Block block, bool into,
               int64_t items, bool accumulate, const char* kernel, cudaStream_t s) {
  withElementTypes(fromBf16, toBf16, [&](auto fromType, auto toType) {
    using From = Elem<decltype(fromType)>;
    using To = Elem<decltype(toType)>;
    const BlockCopy<From, To> f{static_cast<const From*>(from), static_cast<To*>(to), block, into,
                                accumulate};
    launchItems(f, items, kernel, s);
  });
}

// Concat: each input writes its block of the output; each input's gradient reads its block.
class CudaConcat : public CudaNode {
 public:
  CudaConcat(const GpuPlan& plan, const PlanNode& node, NodeBuffers b) : m_b(std::move(b)) {
    const Shape& out = plan.values[node.output].shape;
    const int64_t axis = node.attrs.at("axis").get<int64_t>();
    int64_t start = 0;
    for (int v : node.inputs) {
      const Shape& in = plan.values[v].shape;
      m_blocks.push_back(blockAlong(out, axis, start, in[axis]));
      m_sizes.push_back(elementsOf(in));
      start += in[axis];
    }
  }

  void forward(cudaStream_t s) override {
    for (size_t k = 0; k < m_blocks.size(); ++k)
      copyBlock(m_b.inputs[k], m_b.inputBf16[k], m_b.output, m_b.outputBf16, m_blocks[k], true,
                m_sizes[k], false, "concat", s);
  }

  void backward(cudaStream_t s) override {
    for (size_t k = 0; k < m_blocks.size(); ++k)
      if (m_b.inputGrads[k])
        copyBlock(m_b.outputGrad, m_b.outputBf16, m_b.inputGrads[k], m_b.inputBf16[k], m_blocks[k],
                  false, m_sizes[k], m_b.accumulate[k], "concatBackward", s);
  }

 private:
  NodeBuffers m_b;
  std::vector<Block> m_blocks;
  std::vector<int64_t> m_sizes;
};

// Slice and Pad, mirror images: a Slice's output is the block [start, end) of one axis of its
// input, a Pad's input the block [before, before + size) of its output. The whole is written one
// item per element (zero outside the block: a Pad's output, a Slice's input gradient), the block
// by copying it out of the whole.
class CudaWindow : public CudaNode {
 public:
  CudaWindow(const GpuPlan& plan, const PlanNode& node, NodeBuffers b)
      : m_b(std::move(b)), m_pads(node.op == "Pad") {
    const Shape& in = plan.values[node.inputs[0]].shape;
    const Shape& out = plan.values[node.output].shape;
    const int64_t axis = node.attrs.at("axis").get<int64_t>();
    const Shape& whole = m_pads ? out : in;
    const Shape& part = m_pads ? in : out;
    m_whole = elementsOf(whole);
    m_part = elementsOf(part);
    m_block = blockAlong(whole, axis, node.attrs.at(m_pads ? "before" : "start").get<int64_t>(),
                         part[axis]);
  }

  void forward(cudaStream_t s) override {
    if (m_pads)
      aroundBlock(m_b.inputs[0], m_b.inputBf16[0], m_b.output, m_b.outputBf16, false, "pad", s);
    else
      copyBlock(m_b.inputs[0], m_b.inputBf16[0], m_b.output, m_b.outputBf16, m_block, false, m_part,
                false, "slice", s);
  }

  void backward(cudaStream_t s) override {
    if (!m_b.inputGrads[0]) return;
    if (m_pads)
      copyBlock(m_b.outputGrad, m_b.outputBf16, m_b.inputGrads[0], m_b.inputBf16[0], m_block, false,
                m_part, m_b.accumulate[0], "padBackward", s);
    else
      aroundBlock(m_b.outputGrad, m_b.outputBf16, m_b.inputGrads[0], m_b.inputBf16[0],
                  m_b.accumulate[0], "sliceBackward", s);
  }

 private:
  // whole (+)= the block from `block` at its place, zeros around it.
  void aroundBlock(const void* block, bool blockBf16, void* whole, bool wholeBf16, bool accumulate,
                   const char* kernel, cudaStream_t s) const {
    withElementTypes(wholeBf16, blockBf16, [&](auto wholeType, auto blockType) {
      using Whole = Elem<decltype(wholeType)>;
      using Part = Elem<decltype(blockType)>;
      const AroundBlock<Whole, Part> f{static_cast<const Part*>(block), static_cast<Whole*>(whole),
                                       m_block, accumulate};
      launchItems(f, m_whole, kernel, s);
    });
  }

  NodeBuffers m_b;
  bool m_pads;
  int64_t m_whole = 0, m_part = 0;
  Block m_block;
};

// PrependTokens: (N, T, ...) -> (N, count + T, ...), the learned tokens (f32) first.
class CudaPrependTokens : public CudaNode {
 public:
  CudaPrependTokens(const GpuPlan& plan, const PlanNode& node, NodeBuffers b) : m_b(std::move(b)) {
    const Shape& out = plan.values[node.output].shape;
    m_samples = out[0];
    m_row = elementsOf(out) / m_samples;
    m_prefix = elementsOf(plan.params[node.params[0]].shape);
  }

  void forward(cudaStream_t s) override {
    withElementTypes(m_b.inputBf16[0], m_b.outputBf16, [&](auto in, auto out) {
      using In = Elem<decltype(in)>;
      using Out = Elem<decltype(out)>;
      const PrependTokensForward<In, Out> f{static_cast<const In*>(m_b.inputs[0]), m_b.params[0],
                                            static_cast<Out*>(m_b.output), m_row, m_prefix};
      launchItems(f, m_samples * m_row, "prependTokens", s);
    });
  }

  void backward(cudaStream_t s) override {
    if (m_b.inputGrads[0])
      copyBlock(m_b.outputGrad, m_b.outputBf16, m_b.inputGrads[0], m_b.inputBf16[0],
                {m_row - m_prefix, m_row, m_prefix}, false, m_samples * (m_row - m_prefix),
                m_b.accumulate[0], "prependTokensInputGradient", s);
    if (!m_b.paramGrads[0]) return;
    withElementType(m_b.outputBf16, [&](auto out) {
      using Out = Elem<decltype(out)>;
      const PrependTokensGradient<Out> f{static_cast<const Out*>(m_b.outputGrad), m_b.paramGrads[0],
                                         m_row, m_samples};
      launchItems(f, m_prefix, "prependTokensGradient", s);
    });
  }

 private:
  NodeBuffers m_b;
  int64_t m_samples = 0, m_row = 0, m_prefix = 0;
};

// Embedding: row ids[t] of the table (f32 in every precision) for each id; an id that is not an
// integer within the table stops the step, as on the CPU, once the step is done.
class CudaEmbedding : public CudaNode {
 public:
  CudaEmbedding(const GpuPlan& plan, const PlanNode& node, NodeBuffers b)
      : m_b(std::move(b)),
        m_node(node.name),
        m_rows(node.attrs.at("num_embeddings").get<int64_t>()),
        m_width(node.attrs.at("embedding_dim").get<int64_t>()),
        m_idShape(plan.values[node.inputs[0]].shape),
        m_count(elementsOf(m_idShape)) {
    if (m_b.outputBf16) throw Error("its rows must be f32");
  }

  void forward(cudaStream_t s) override {
    launchItems(ResetFirstBad{m_b.firstBad}, 1, "embeddingReset", s);
    withElementType(m_b.inputBf16[0], [&](auto type) {
      using Ids = Elem<decltype(type)>;
      const EmbeddingForward<Ids> f{static_cast<const Ids*>(m_b.inputs[0]),
                                    m_b.params[0],
                                    static_cast<float*>(m_b.output),
                                    m_b.firstBad,
                                    m_rows,
                                    m_width};
      launchItems(f, m_count * m_width, "embedding", s);
    });
  }

  void backward(cudaStream_t s) override {
    if (!m_b.paramGrads[0]) return;
    withElementType(m_b.inputBf16[0], [&](auto type) {
      using Ids = Elem<decltype(type)>;
      const EmbeddingGradient<Ids> f{static_cast<const Ids*>(m_b.inputs[0]),
                                     static_cast<const float*>(m_b.outputGrad),
                                     m_b.paramGrads[0],
                                     m_rows,
                                     m_width,
                                     m_count};
      launchItems(f, m_width, "embeddingGradient", s);
    });
  }

  void checkAfterStep() override {
    unsigned long long first = 0;
    checkCuda(cudaMemcpy(&first, m_b.firstBad, sizeof first, cudaMemcpyDeviceToHost),
              "reading an Embedding's check");
    if (first == ~0ull) return;
    float id = 0;
    if (m_b.inputBf16[0]) {
      __nv_bfloat16 stored;
      checkCuda(cudaMemcpy(&stored, static_cast<const __nv_bfloat16*>(m_b.inputs[0]) + first,
                           sizeof stored, cudaMemcpyDeviceToHost),
                "reading an Embedding's id");
      id = __bfloat162float(stored);
    } else {
      checkCuda(cudaMemcpy(&id, static_cast<const float*>(m_b.inputs[0]) + first, sizeof id,
                           cudaMemcpyDeviceToHost),
                "reading an Embedding's id");
    }
    throw badTokenId(m_node, id, static_cast<int64_t>(first), m_idShape, m_rows);
  }

 private:
  NodeBuffers m_b;
  std::string m_node;
  int64_t m_rows = 0, m_width = 0;
  Shape m_idShape;
  int64_t m_count = 0;
};
}  // namespace

const std::vector<std::string>& pieceOps() {
  static const std::vector<std::string> ops{"Concat", "Slice", "Pad", "PrependTokens", "Embedding"};
  return ops;
}

std::unique_ptr<CudaNode> makePieceNode(const GpuPlan& plan, const PlanNode& node,
                                        NodeBuffers& buffers) {
  if (node.op == "Concat") return std::make_unique<CudaConcat>(plan, node, std::move(buffers));
  if (node.op == "Slice" || node.op == "Pad")
    return std::make_unique<CudaWindow>(plan, node, std::move(buffers));
  if (node.op == "PrependTokens")
    return std::make_unique<CudaPrependTokens>(plan, node, std::move(buffers));
  if (node.op == "Embedding")
    return std::make_unique<CudaEmbedding>(plan, node, std::move(buffers));
  return nullptr;
}

}  // namespace twb::gpu
