#include "ops/onnx_writer.h"
#include "ops/op_registry.h"
#include "ops/recurrent_gates.h"
#include "ops/shape_check.h"

namespace twb {

namespace {
// x is (N, T, I), batch first; y is (N, T, D * H), every step's hidden state, the forward
// direction's then (bidirectional) the backward one's, as nn.LSTM, nn.GRU and nn.RNN with
// batch_first=True return it. The state starts at zero, or at the inputs h0 and (LSTM) c0, each
// (N, D, H): nn.LSTM's (h_0, c_0) batch first, whose gradients flow. The parameters are PyTorch's, one
// direction per row of the first axis, G gates (LSTM 4, GRU 3, RNN 1) in PyTorch's order
// (ops/recurrent_gates.h): weight_ih (D, G * H, I), weight_hh (D, G * H, H), bias_ih and bias_hh
// (D, G * H).
class RecurrentOp : public Op {
 public:
  RecurrentOp(Attrs attrs, std::string name, int64_t gates)
      : Op(std::move(attrs)), m_name(std::move(name)), m_gates(gates) {}
  Shape outputShape(const std::vector<Shape>& in) const override {
    requireRank(in[0], 3, "input (N, T, features)");
    if (m_name == "RNN") {
      const std::string f = attrs().string("nonlinearity");
      if (f != "tanh" && f != "relu")
        throw Error("attribute nonlinearity must be tanh or relu, not '" + f + "'");
    }
    const int64_t h = attrs().integer("hidden_size");
    const Shape state{in[0][0], directions(), h};
    for (size_t i = 1; i < in.size(); ++i)
      if (in[i] != state)
        throw Error(std::string(i == 1 ? "initial hidden state" : "initial cell state") +
                    " (input " + std::to_string(i + 1) + ") must be (N, directions, hidden) " +
                    toString(state) + ", not " + toString(in[i]));
    return {in[0][0], in[0][1], directions() * h};
  }
  std::vector<ParamSpec> params(const std::vector<Shape>& in) const override {
    const int64_t d = directions(), h = attrs().integer("hidden_size"), rows = m_gates * h;
    // PyTorch's: every parameter U(-1/sqrt(H), 1/sqrt(H)).
    std::vector<ParamSpec> p{{"weight_ih", {d, rows, in[0][2]}, ParamInit::uniformFanIn, h},
                             {"weight_hh", {d, rows, h}, ParamInit::uniformFanIn, h}};
    if (attrs().boolean("bias")) {
      p.push_back({"bias_ih", {d, rows}, ParamInit::uniformFanIn, h});
      p.push_back({"bias_hh", {d, rows}, ParamInit::uniformFanIn, h});
    }
    return p;
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    const double h = static_cast<double>(attrs().integer("hidden_size"));
    const double steps = static_cast<double>(in[0][0]) * in[0][1] * directions();
    // Two products, then a few operations per gate and state value.
    return steps * (2.0 * m_gates * h * (in[0][2] + h) + 10 * h);
  }
  // ONNX's form is sequence first, (T, N, I) -> (T, D, N, H), with its own gate order and the
  // two biases one (D, 2 * G * H) tensor; its GRU applies the reset gate after the hidden
  // state's product, as PyTorch does, with linear_before_reset.
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    const std::string& y = io.output;
    const int64_t h = attrs().integer("hidden_size");
    std::vector<int64_t> rows;  // PyTorch's gate rows in ONNX's order
    for (int64_t gate : onnxGateOrder(m_name))
      for (int64_t r = 0; r < h; ++r) rows.push_back(gate * h + r);
    const std::string order = onnx.int64s(y + "/gate_order", rows);
    auto inOnnxOrder = [&](const std::string& param, const std::string& name) {
      onnx.node("Gather", {param, order}, name).integer("axis", 1);
      return name;
    };
    std::vector<std::string> in{y + "/sequence_first", inOnnxOrder(io.params[0], y + "/W"),
                                inOnnxOrder(io.params[1], y + "/R")};
    if (io.params.size() > 2) {
      onnx.node("Concat",
                {inOnnxOrder(io.params[2], y + "/Wb"), inOnnxOrder(io.params[3], y + "/Rb")},
                y + "/B")
          .integer("axis", 1);
      in.push_back(y + "/B");
    }
    onnx.node("Transpose", {io.inputs[0]}, in[0]).integers("perm", {1, 0, 2});
    // The states, sequence first (D, N, H), after the unused sequence_lens; B may be absent.
    if (io.inputs.size() > 1) {
      in.resize(5);
      for (size_t i = 1; i < io.inputs.size(); ++i) {
        in.push_back(y + (i == 1 ? "/initial_h" : "/initial_c"));
        onnx.node("Transpose", {io.inputs[i]}, in.back()).integers("perm", {1, 0, 2});
      }
    }
    OnnxNode& node = onnx.node(m_name, in, y + "/steps")
                         .integer("hidden_size", h)
                         .text("direction", directions() == 2 ? "bidirectional" : "forward");
    if (m_name == "GRU") node.integer("linear_before_reset", 1);
    if (m_name == "RNN")
      node.texts("activations",
                 std::vector<std::string>(
                     directions(), attrs().string("nonlinearity") == "relu" ? "Relu" : "Tanh"));
    onnx.node("Transpose", {y + "/steps"}, y + "/batch_first").integers("perm", {2, 0, 1, 3});
    onnx.node("Reshape", {y + "/batch_first", onnx.int64s(y + "/shape", {0, 0, -1})}, y);
  }

 private:
  int64_t directions() const { return attrs().boolean("bidirectional") ? 2 : 1; }

  std::string m_name;
  int64_t m_gates;
};

// The op `name` of `gates` gates; an RNN also has its nonlinearity.
OpDef recurrentOp(const std::string& name, int64_t gates, int maxInputs, std::string doc) {
  std::vector<AttrSpec> attrs{
      {"hidden_size", AttrType::integer, nullptr, "Features of the hidden state.", 1},
      {"bidirectional", AttrType::boolean, false,
       "Also run backward in time; the two states are concatenated."},
      {"bias", AttrType::boolean, true, "Add learned biases."}};
  if (name == "RNN") attrs.push_back({"nonlinearity", AttrType::string, "tanh", "tanh or relu."});
  return {
      name,
      std::move(doc),
      1,
      maxInputs,
      std::move(attrs),
      [name, gates](Attrs a) { return std::make_unique<RecurrentOp>(std::move(a), name, gates); },
      {.bf16 = true}};
}
}  // namespace

const OpRegistration kRecurrent{
    {recurrentOp("LSTM", 4, 3,
                 "Long short-term memory over (N, T, features), batch first; every step's hidden "
                 "state (PyTorch's nn.LSTM, one layer). The states start at zero, or at the "
                 "inputs h0 and c0, each (N, directions, hidden); h0 alone: c0 zero."),
     recurrentOp("GRU", 3, 2,
                 "Gated recurrent unit over (N, T, features), batch first; every step's hidden "
                 "state (PyTorch's nn.GRU, one layer). The state starts at zero, or at the input "
                 "h0, (N, directions, hidden)."),
     recurrentOp("RNN", 1, 2,
                 "Elman recurrent layer over (N, T, features), batch first: h = f(W_ih x + W_hh h "
                 "+ b), f tanh or relu; every step's hidden state (PyTorch's nn.RNN, one layer). "
                 "The state starts at zero, or at the input h0, (N, directions, hidden).")}};

}  // namespace twb
