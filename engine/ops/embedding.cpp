#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// A lookup table: each entry of the input, a token id held as a float (0, 1, ...), becomes that
// row of a learned (num_embeddings, embedding_dim) weight, starting N(0, 1) as in PyTorch.
// (N, ...) -> (N, ..., embedding_dim). No gradient reaches the ids.
class EmbeddingOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    Shape out = in[0];
    out.push_back(attrs().integer("embedding_dim"));
    return out;
  }
  std::vector<ParamSpec> params(const std::vector<Shape>&) const override {
    return {{"weight",
             {attrs().integer("num_embeddings"), attrs().integer("embedding_dim")},
             ParamInit::normal}};
  }
  bool differentiable(size_t) const override { return false; }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    const std::string& y = io.output;
    onnx.node("Cast", io.inputs, y + "/ids").integer("to", 7);  // int64
    onnx.node("Gather", {io.params[0], y + "/ids"}, y);
  }
};
}  // namespace

// A copy of rows: fp32 in every precision (a bf16 reader converts it).
const OpRegistration kEmbedding{
    {{"Embedding",
      "Looks up a learned vector for each token id (a float holding 0, 1, ...).",
      1,
      1,
      {{"num_embeddings", AttrType::integer, nullptr, "Size of the vocabulary.", 1},
       {"embedding_dim", AttrType::integer, nullptr, "Width of each vector.", 1}},
      [](Attrs a) { return std::make_unique<EmbeddingOp>(std::move(a)); },
      {}}}};

}  // namespace twb
