#include "op_harness.h"

#include <algorithm>
#include <cstring>

#include "core/random.h"

namespace twb::test {

namespace {
// One op node "out" over inputs named x0, x1, ...
OpCase single(std::string label, std::string op, std::vector<Shape> inputs,
              nlohmann::json attrs = nlohmann::json::object(), int64_t batch = 2,
              Fill fill = Fill::normal) {
  OpCase c;
  c.label = std::move(label);
  c.batch = batch;
  c.fill = fill;
  c.spec.name = c.label;
  NodeSpec node{"out", std::move(op), {}, std::move(attrs)};
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string name = "x";  // not "x" + to_string(i), which GCC 12 warns about (-Wrestrict)
    name += std::to_string(i);
    c.spec.inputs.push_back({name, inputs[i], DType::f32});
    node.inputs.push_back(name);
  }
  c.spec.nodes.push_back(node);
  c.spec.outputs = {"out"};
  return c;
}

// x moved to at least 0.1 from `kink`.
float awayFrom(float x, float kink) {
  if (std::abs(x - kink) >= 0.1f) return x;
  return x < kink ? kink - 0.1f : kink + 0.1f;
}

OpCase withLabels(OpCase c) {
  c.spec.inputs[1].dtype = DType::s32;
  c.spec.inputs[1].shape = {};
  return c;
}

// conv -> batch norm -> GELU -> conv, added to the first conv's output (a value with two
// consumers, in the blocked layout), then average pooling.
OpCase residualBlock() {
  OpCase c;
  c.label = "residual block (blocked layouts, shared value)";
  c.batch = 2;
  c.spec.name = "residual";
  c.spec.inputs = {{"x0", {5, 6, 6}, DType::f32}};
  c.spec.nodes = {
      {"c1", "Conv2d", {"x0"}, {{"out_channels", 16}, {"kernel", 3}, {"padding", 1}}},
      {"bn", "BatchNorm2d", {"c1"}, {}},
      {"a1", "GELU", {"bn"}, {}},
      {"c2", "Conv2d", {"a1"}, {{"out_channels", 16}, {"kernel", 3}, {"padding", 1}}},
      {"sum", "Add", {"c2", "c1"}, {}},
      {"out", "AvgPool2d", {"sum"}, {{"kernel", 2}}},
  };
  c.spec.outputs = {"out"};
  return c;
}

// Two convolutions joined by Concat, pooled globally, then a Linear layer.
OpCase branchHead() {
  OpCase c;
  c.label = "concat of branches, global pool, linear";
  c.batch = 3;
  c.spec.name = "branches";
  c.spec.inputs = {{"x0", {4, 7, 5}, DType::f32}};
  c.spec.nodes = {
      {"b1", "Conv2d", {"x0"}, {{"out_channels", 16}, {"kernel", 3}, {"padding", 1}}},
      {"b2", "Conv2d", {"x0"}, {{"out_channels", 8}, {"kernel", 1}}},
      {"cat", "Concat", {"b1", "b2"}, {}},
      {"t", "Tanh", {"cat"}, {}},
      {"pool", "GlobalAvgPool", {"t"}, {}},
      {"out", "Linear", {"pool"}, {{"out_features", 5}}},
  };
  c.spec.outputs = {"out"};
  return c;
}
}  // namespace

std::vector<OpCase> opCases() {
  std::vector<OpCase> cases{
      single("Linear 7->3", "Linear", {{7}}, {{"out_features", 3}}, 5),
      single("Linear no bias 16->13", "Linear", {{16}}, {{"out_features", 13}, {"bias", false}}, 3),
      single("Linear on (N, T, K)", "Linear", {{4, 9}}, {{"out_features", 6}}, 3),
      single("Linear on (N, C, H, W) no bias", "Linear", {{3, 2, 5}},
             {{"out_features", 4}, {"bias", false}}, 2),
      single("Conv2d 3x3 pad 1", "Conv2d", {{3, 7, 9}},
             {{"out_channels", 4}, {"kernel", 3}, {"padding", 1}}),
      single("Conv2d stride 2 kernel 3x2", "Conv2d", {{3, 9, 8}},
             {{"out_channels", 5}, {"kernel", {3, 2}}, {"stride", 2}}),
      single("Conv2d dilation 2 pad 2", "Conv2d", {{2, 9, 9}},
             {{"out_channels", 3}, {"kernel", 3}, {"dilation", 2}, {"padding", 2}}),
      single("ConvTranspose2d 2x2 stride 2", "ConvTranspose2d", {{3, 4, 5}},
             {{"out_channels", 4}, {"kernel", 2}, {"stride", 2}}),
      single("ConvTranspose2d 3x3 stride 2 pad 1 output_padding 1 no bias", "ConvTranspose2d",
             {{2, 4, 3}},
             {{"out_channels", 3},
              {"kernel", 3},
              {"stride", 2},
              {"padding", 1},
              {"output_padding", 1},
              {"bias", false}}),
      single("ConvTranspose2d 3x2 dilation 2", "ConvTranspose2d", {{3, 3, 4}},
             {{"out_channels", 2}, {"kernel", {3, 2}}, {"dilation", 2}}),
      single("Conv2d groups 3 no bias", "Conv2d", {{6, 7, 7}},
             {{"out_channels", 9}, {"kernel", 3}, {"groups", 3}, {"bias", false}}),
      single("Conv2d depthwise", "Conv2d", {{4, 6, 5}},
             {{"out_channels", 4}, {"kernel", 3}, {"groups", 4}, {"padding", 1}}),
      single("Conv2d depthwise stride 2, 24 channels (blocked)", "Conv2d", {{24, 7, 7}},
             {{"out_channels", 24},
              {"kernel", 3},
              {"groups", 24},
              {"stride", 2},
              {"padding", 1},
              {"bias", false}}),
      single("Conv2d 16 channels (blocked)", "Conv2d", {{16, 6, 6}},
             {{"out_channels", 32}, {"kernel", 3}, {"padding", 1}}),
      // By Winograd in frozen inference only (training: tst_executor's Winograd rows).
      single("Conv2d 3x3 32 to 40 channels, partial tiles", "Conv2d", {{32, 6, 7}},
             {{"out_channels", 40}, {"kernel", 3}, {"padding", 1}}),
      single("MaxPool2d 2 (odd size)", "MaxPool2d", {{3, 7, 7}}, {{"kernel", 2}}, 2,
             Fill::distinct),
      single("MaxPool2d 3 stride 2 pad 1", "MaxPool2d", {{2, 8, 7}},
             {{"kernel", 3}, {"stride", 2}, {"padding", 1}}, 2, Fill::distinct),
      // ceil_mode: the last window overhangs the far edge (8 -> 4 rows, not 3); with padding,
      // one that would start in the padding is dropped (7 -> 4 columns, not 5).
      single("MaxPool2d 3 stride 2 ceil_mode", "MaxPool2d", {{2, 8, 6}},
             {{"kernel", 3}, {"stride", 2}, {"ceil_mode", true}}, 2, Fill::distinct),
      single("MaxPool2d 2 pad 1 ceil_mode", "MaxPool2d", {{2, 5, 7}},
             {{"kernel", 2}, {"stride", 2}, {"padding", 1}, {"ceil_mode", true}}, 2,
             Fill::distinct),
      single("AvgPool2d 3 stride 2 pad 1", "AvgPool2d", {{3, 7, 8}},
             {{"kernel", 3}, {"stride", 2}, {"padding", 1}}),
      single("AvgPool2d exclude pad", "AvgPool2d", {{2, 7, 7}},
             {{"kernel", 3}, {"stride", 2}, {"padding", 1}, {"count_include_pad", false}}),
      // ResNet-D's shortcut: 2 / 2 in ceil_mode, the last row's and column's windows half over
      // the edge (7 -> 4), each the mean of what it covers.
      single("AvgPool2d 2 stride 2 ceil_mode", "AvgPool2d", {{3, 7, 6}},
             {{"kernel", 2}, {"stride", 2}, {"ceil_mode", true}, {"count_include_pad", false}}),
      // Without padding a count of it changes nothing: PyTorch divides by what is covered.
      single("AvgPool2d 3 stride 2 ceil_mode counting padding", "AvgPool2d", {{2, 8, 6}},
             {{"kernel", 3}, {"stride", 2}, {"ceil_mode", true}}),
      single("AvgPool2d 3 stride 2 pad 1 ceil_mode exclude pad", "AvgPool2d", {{2, 6, 8}},
             {{"kernel", 3},
              {"stride", 2},
              {"padding", 1},
              {"ceil_mode", true},
              {"count_include_pad", false}}),
      single("GlobalAvgPool", "GlobalAvgPool", {{5, 4, 6}}, {}, 3),
      single("LSTM", "LSTM", {{5, 3}}, {{"hidden_size", 4}}, 2),
      single("LSTM bidirectional without bias", "LSTM", {{4, 6}},
             {{"hidden_size", 3}, {"bidirectional", true}, {"bias", false}}, 3),
      // Initial states (N, directions, hidden) given: their gradients too. (An LSTM's over 3
      // steps: under bf16 its rounded h0 adds to the rounding of 4 or 5 steps, 1.3-1.5 % of the
      // largest gradient, above tst_bf16_ops' 1 %.)
      single("LSTM from h0 and c0", "LSTM", {{3, 3}, {1, 4}, {1, 4}}, {{"hidden_size", 4}}, 2),
      single("LSTM bidirectional from h0 (c0 zero)", "LSTM", {{3, 3}, {2, 3}},
             {{"hidden_size", 3}, {"bidirectional", true}}, 3),
      single("GRU from h0", "GRU", {{5, 3}, {1, 4}}, {{"hidden_size", 4}}, 2),
      single("RNN bidirectional from h0", "RNN", {{4, 3}, {2, 3}},
             {{"hidden_size", 3}, {"bidirectional", true}}, 2),
      single("GRU", "GRU", {{5, 3}}, {{"hidden_size", 4}}, 2),
      single("GRU bidirectional without bias", "GRU", {{4, 6}},
             {{"hidden_size", 3}, {"bidirectional", true}, {"bias", false}}, 3),
      single("RNN tanh", "RNN", {{5, 3}}, {{"hidden_size", 4}}, 2),
      // Distinct inputs take the finite differences' smaller nudge, which crosses no ReLU kink.
      single(
          "RNN relu bidirectional without bias", "RNN", {{4, 6}},
          {{"hidden_size", 3}, {"bidirectional", true}, {"bias", false}, {"nonlinearity", "relu"}},
          3, Fill::distinct),
      single("Upsample nearest 2", "Upsample", {{3, 4, 5}}, {}, 2),
      single("Upsample bilinear 2 x 3", "Upsample", {{2, 4, 3}},
             {{"scale", {2, 3}}, {"mode", "bilinear"}}, 2),
      single("ReduceMean (2, 3) as x.mean(dim=(2, 3))", "ReduceMean", {{5, 4, 6}},
             {{"axes", {2, 3}}, {"keepdims", false}}, 3),
      single("ReduceMean tokens keepdims", "ReduceMean", {{7, 4}}, {{"axes", {1}}}, 2),
      // A mean over 1 x 1 maps reduces nothing (an ImageNet network's last maps at 32 x 32).
      single("ReduceMean (2, 3) of 1 x 1 maps", "ReduceMean", {{6, 1, 1}},
             {{"axes", {2, 3}}, {"keepdims", false}}, 3),
      single("ReduceSum last axis", "ReduceSum", {{3, 5}}, {{"axes", {-1}}, {"keepdims", false}},
             2),
      single("BatchNorm2d", "BatchNorm2d", {{3, 5, 5}}, {}, 4),
      single("LayerNorm (N, D)", "LayerNorm", {{19}}, {}, 3),
      single("LayerNorm (N, T, D) eps 1e-3", "LayerNorm", {{5, 12}}, {{"eps", 1e-3}}, 2),
      single("LayerNorm without parameters", "LayerNorm", {{4, 9}}, {{"affine", false}}, 3),
      single("ReLU", "ReLU", {{3, 5}}, {}, 3, Fill::awayFromZero),
      single("ReLU 4-D", "ReLU", {{3, 4, 5}}, {}, 2, Fill::awayFromZero),
      single("GELU", "GELU", {{3, 5}}, {}, 3),
      single("Sigmoid", "Sigmoid", {{2, 3, 5}}, {}),
      single("Tanh", "Tanh", {{7}}, {}, 5),
      single("LeakyReLU 0.1", "LeakyReLU", {{3, 5}}, {{"negative_slope", 0.1}}, 3,
             Fill::awayFromZero),
      single("SiLU", "SiLU", {{2, 3, 5}}, {}, 3, Fill::wide),
      single("Hardswish", "Hardswish", {{4, 9}}, {}, 3, Fill::wide),
      single("ELU", "ELU", {{3, 5}}, {}, 3),
      single("ELU alpha 0.5 (a kink at 0)", "ELU", {{3, 5}}, {{"alpha", 0.5}}, 3,
             Fill::awayFromZero),
      single("Softplus", "Softplus", {{4, 9}}, {}, 3, Fill::wide),
      single("PReLU one slope", "PReLU", {{3, 5}}, {}, 3, Fill::awayFromZero),
      single("PReLU per channel of (N, C, H, W)", "PReLU", {{3, 4, 5}}, {{"shape", {3, 1, 1}}}, 2,
             Fill::awayFromZero),
      single("Mish", "Mish", {{4, 9}}, {}, 3, Fill::wide),
      single("Abs", "Abs", {{3, 5}}, {}, 3, Fill::awayFromZero),
      single("Exp", "Exp", {{3, 5}}, {}, 3),
      single("Log", "Log", {{3, 5}}, {}, 3, Fill::positive),
      single("HardSigmoid", "HardSigmoid", {{4, 9}}, {}, 3, Fill::wide),
      single("HardSigmoid ONNX slope", "HardSigmoid", {{11}}, {{"alpha", 0.2}, {"beta", 0.4}}, 4,
             Fill::wide),
      single("ReLU6", "ReLU6", {{4, 9}}, {}, 3, Fill::wide),
      single("Sqrt", "Sqrt", {{3, 5}}, {}, 2, Fill::positive),
      single("Pow 3", "Pow", {{7}}, {{"exponent", 3}}, 3),
      single("Pow 0.5", "Pow", {{2, 4}}, {{"exponent", 0.5}}, 2, Fill::positive),
      single("Clip -3..6 (4-D)", "Clip", {{3, 4, 5}}, {{"min", -3}, {"max", 6}}, 2, Fill::wide),
      single("Scale", "Scale", {{3, 5}}, {{"factor", -0.35}}, 2),
      single("Bias positional (N, T, D)", "Bias", {{4, 6}}, {{"shape", {4, 6}}}, 3),
      single("Bias per channel of (N, C, H, W)", "Bias", {{3, 4, 5}}, {{"shape", {3, 1, 1}}}, 2),
      single("Bias (1, D) as ONNX aligns it", "Bias", {{4, 6}}, {{"shape", {1, 1, 6}}}, 3),
      single("Bias fixed (an imported mask)", "Bias", {{4, 6}},
             {{"shape", {4, 6}}, {"fixed", true}}, 3),
      // Repeated between two axes it spans: an own loop where oneDNN has only its reference.
      single("Bias (3, 1, 5) on (N, 3, 4, 5), Swin's mask", "Bias", {{3, 4, 5}},
             {{"shape", {3, 1, 5}}}, 2),
      single("LayerScale (3, 1, 5) on (N, 3, 4, 5)", "LayerScale", {{3, 4, 5}},
             {{"shape", {3, 1, 5}}}, 2),
      single("LayerScale per channel of (N, C, H, W)", "LayerScale", {{3, 4, 5}},
             {{"shape", {3, 1, 1}}}, 2),
      single("LayerScale of tokens' features (D)", "LayerScale", {{4, 6}}, {{"shape", {6}}}, 3),
      single("PrependTokens, a class token", "PrependTokens", {{4, 6}}, {}, 3),
      single("PrependTokens, two before (N, T, H, W)", "PrependTokens", {{3, 2, 5}}, {{"count", 2}},
             2),
      single("Slice channels 1..3 of (N, C, H, W)", "Slice", {{5, 4, 3}},
             {{"axis", 1}, {"start", 1}, {"end", 4}}, 2),
      single("Slice the last axis", "Slice", {{3, 8}}, {{"axis", 2}, {"start", 2}, {"end", 6}}, 3),
      single("Pad channels of (N, C, H, W) with zeros", "Pad", {{4, 3, 2}},
             {{"axis", 1}, {"before", 2}, {"after", 1}}, 2),
      single("Pad the last axis after its entries", "Pad", {{3, 5}},
             {{"axis", 2}, {"before", 0}, {"after", 3}}, 3),
      single("Embedding of token ids (N, T)", "Embedding", {{7}},
             {{"num_embeddings", 6}, {"embedding_dim", 5}}, 3, Fill::tokens),
      single("Flatten", "Flatten", {{3, 4, 5}}),
      single("Reshape", "Reshape", {{12}}, {{"shape", {3, -1}}}),
      single("Transpose (N, T, D) -> (N, D, T)", "Transpose", {{5, 3}}, {{"perm", {0, 2, 1}}}, 2),
      single("MatMul (N, M, K) x (N, K, P)", "MatMul", {{5, 7}, {7, 3}}, {}, 3),
      single("MatMul heads (N, H, T, d) x (N, H, d, T)", "MatMul", {{2, 4, 6}, {2, 6, 4}}, {}, 2),
      single("MatMul whole and partial 6x16 register tiles", "MatMul", {{2, 13, 20}, {2, 20, 37}},
             {}, 2),
      single("Transpose 4-D heads", "Transpose", {{3, 4, 5}}, {{"perm", {0, 2, 3, 1}}}, 2),
      single("Add", "Add", {{3, 4, 5}, {3, 4, 5}}),
      single("Add three", "Add", {{6}, {6}, {6}}, {}, 3),
      single("Mul", "Mul", {{3, 4}, {3, 4}}, {}, 2),
      single("Mul broadcast both ways", "Mul", {{3, 1}, {1, 4}}, {}, 2),
      single("Sub first broadcast", "Sub", {{1, 5}, {4, 5}}, {}, 2),
      single("Div by a channel scale", "Div", {{3, 4, 5}, {3, 1, 1}}, {}, 2, Fill::wide),
      single("Concat channels", "Concat", {{3, 4, 5}, {2, 4, 5}}),
      single("Concat features", "Concat", {{3}, {5}}, {}, 4),
      single("Softmax", "Softmax", {{7}}, {}, 4),
      single("Softmax channels of (N, C, H, W)", "Softmax", {{3, 4, 5}}, {{"axis", 1}}, 2),
      single("LogSoftmax", "LogSoftmax", {{4, 6}}, {}, 3),
      single("LogSoftmax axis -2", "LogSoftmax", {{4, 6}}, {{"axis", -2}}, 2),
      withLabels(single("SoftmaxCrossEntropy", "SoftmaxCrossEntropy", {{5}, {5}}, {}, 6)),
      single("MSE", "MSE", {{7}, {7}}, {}, 4),
      residualBlock(),
      branchHead(),
  };
  OpCase dropout = single("Dropout p 0.3", "Dropout", {{33}}, {{"p", 0.3}}, 4);
  dropout.torchComparable = false;
  cases.push_back(dropout);
  return cases;
}

std::unique_ptr<PreparedCase> prepare(const OpCase& c, uint64_t seed, Precision precision,
                                      Gradients gradients) {
  auto p = std::make_unique<PreparedCase>();
  Graph graph = Graph::build(c.spec, c.batch);
  if (gradients != Gradients::all) {
    std::vector<std::string> nodes;
    for (const GraphNode& node : graph.nodes()) nodes.push_back(node.name);
    graph.freezeNodes(nodes);
  }
  p->params.ensure(graph, seed);
  Random random(mixSeed(seed, 1));
  for (auto& param : p->params.all()) {
    float* v = param.value.data<float>();
    const bool positive = param.name.find("running_var") != std::string::npos;
    for (int64_t i = 0; i < param.value.numel(); ++i)
      v[i] = positive ? random.uniform(0.5f, 1.5f) : random.uniform(-0.8f, 0.8f);
  }
  p->output = c.spec.outputs[0];
  const Shape outShape = graph.values()[graph.valueIndex(p->output)].shape;
  std::vector<std::pair<std::string, GraphValue>> inputs;
  for (int v : graph.inputs()) inputs.emplace_back(graph.values()[v].name, graph.values()[v]);
  p->exec = std::make_unique<Executor>(
      std::move(graph), p->params,
      ExecOptions{ExecMode::train, gradients != Gradients::none, precision});
  for (const auto& [name, value] : inputs) {
    const int64_t n = numel(value.shape);
    if (value.dtype == DType::s32) {
      // Class labels for the logits in input 0.
      const int64_t classes = numel(p->exec->graph().values()[0].shape) / value.shape[0];
      auto* labels = static_cast<int32_t*>(p->exec->inputBuffer(name));
      for (int64_t i = 0; i < n; ++i) labels[i] = static_cast<int32_t>(random.below(classes));
      continue;
    }
    auto* x = static_cast<float*>(p->exec->inputBuffer(name));
    if (c.fill == Fill::tokens) {
      for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(random.below(5));
    } else if (c.fill == Fill::distinct) {
      for (int64_t i = 0; i < n; ++i) x[i] = 0.02f * (i - n / 2);
      for (int64_t i = n; i > 1; --i) std::swap(x[i - 1], x[random.below(i)]);
    } else {
      for (int64_t i = 0; i < n; ++i) {
        x[i] = random.normal();
        if (c.fill == Fill::awayFromZero) x[i] = awayFrom(x[i], 0.f);
        if (c.fill == Fill::positive) x[i] = std::abs(x[i]) + 0.5f;
        if (c.fill == Fill::wide) {
          x[i] *= 3;
          for (float kink : {-3.f, 0.f, 3.f, 6.f}) x[i] = awayFrom(x[i], kink);
        }
      }
    }
  }
  p->upstream.resize(numel(outShape));
  for (auto& g : p->upstream) g = random.normal();
  if (gradients != Gradients::none) p->exec->setGradient(p->output, p->upstream);
  return p;
}

bool receivesGradient(const Graph& graph, const std::string& input) {
  const int v = graph.valueIndex(input);
  if (graph.values()[v].dtype != DType::f32) return false;
  for (int n : graph.values()[v].consumers) {
    const GraphNode& node = graph.nodes()[n];
    for (size_t k = 0; k < node.inputs.size(); ++k)
      if (node.inputs[k] == v && !node.op->differentiable(k)) return false;
  }
  return true;
}

std::string describe(const OpCase& c) {
  return c.label + " (batch " + std::to_string(c.batch) + "): " + c.spec.toJson().dump();
}

}  // namespace twb::test
