#include "graph/vit.h"

#include <cmath>

#include "graph/spec_builder.h"

namespace twb {

namespace {
class VitBuilder : public SpecBuilder {
 public:
  VitBuilder(ModelSpec& spec, const VitOptions& o, int64_t tokens)
      : SpecBuilder(spec), m_o(o), m_tokens(tokens) {}

  std::string block(const std::string& name, const std::string& input) {
    const std::string attention =
        selfAttention(name + "_attn", add(name + "_ln1", "LayerNorm", {input}));
    const std::string mid = add(name + "_add1", "Add", {input, attention});
    std::string x = add(name + "_ln2", "LayerNorm", {mid});
    x = linear(name + "_fc1", x, m_o.dim * m_o.mlpRatio);
    x = add(name + "_gelu", "GELU", {x});
    x = linear(name + "_fc2", x, m_o.dim);
    return add(name + "_add2", "Add", {mid, x});
  }

  std::string linear(const std::string& name, const std::string& input, int64_t features) {
    return add(name, "Linear", {input}, {{"out_features", features}});
  }

 private:
  // (N, T, D) -> (N, T, D): heads of width d = D / heads attend over the T tokens.
  std::string selfAttention(const std::string& name, const std::string& x) {
    const int64_t d = m_o.dim / m_o.heads;
    // (N, T, D) -> (N, T, heads, d) -> (N, heads, T, d) for q and v; k as (N, heads, d, T).
    auto heads = [&](const std::string& part, std::vector<int64_t> perm) {
      const std::string projected = linear(name + "_" + part, x, m_o.dim);
      const std::string split =
          add(projected + "_split", "Reshape", {projected}, {{"shape", {m_tokens, m_o.heads, d}}});
      return add(projected + "_heads", "Transpose", {split}, {{"perm", perm}});
    };
    const std::string q = heads("q", {0, 2, 1, 3});
    const std::string k = heads("k", {0, 2, 3, 1});
    const std::string v = heads("v", {0, 2, 1, 3});
    std::string s = add(name + "_scores", "MatMul", {q, k});
    s = add(name + "_scaled", "Scale", {s}, {{"factor", 1.0 / std::sqrt(static_cast<double>(d))}});
    s = add(name + "_softmax", "Softmax", {s}, {{"axis", -1}});
    std::string y = add(name + "_context", "MatMul", {s, v});
    y = add(name + "_merge", "Transpose", {y}, {{"perm", {0, 2, 1, 3}}});
    y = add(name + "_tokens", "Reshape", {y}, {{"shape", {m_tokens, m_o.dim}}});
    return linear(name + "_out", y, m_o.dim);
  }

  const VitOptions& m_o;
  int64_t m_tokens;
};
}  // namespace

ModelSpec makeVit(const Shape& input, int64_t classes, const VitOptions& o) {
  const int64_t tokens = (input[1] / o.patch) * (input[2] / o.patch);
  ModelSpec spec;
  spec.name = "vit-tiny";
  spec.inputs.push_back({"image", input, DType::f32});
  VitBuilder b(spec, o, tokens);
  b.add("patches", "Conv2d", {"image"},
        {{"out_channels", o.dim}, {"kernel", o.patch}, {"stride", o.patch}});
  b.add("patch_grid", "Reshape", {"patches"}, {{"shape", {o.dim, tokens}}});
  b.add("tokens", "Transpose", {"patch_grid"}, {{"perm", {0, 2, 1}}});
  std::string x = b.add("position", "Bias", {"tokens"}, {{"shape", {tokens, o.dim}}});
  for (int64_t i = 1; i <= o.depth; ++i) x = b.block("block" + std::to_string(i), x);
  x = b.add("norm", "LayerNorm", {x});
  x = b.add("pool", "ReduceMean", {x}, {{"axes", {1}}, {"keepdims", false}});
  b.linear("logits", x, classes);
  spec.outputs = {"logits"};
  return spec;
}

}  // namespace twb
