#include <algorithm>

#include "io/onnx_importer.h"
#include "ops/recurrent_gates.h"

namespace twb::onnx_import {

namespace {
// Each direction's gate blocks of `t` ((D, G * H, ...), or the (D, G * H) half of a bias starting
// at `offset` along axis 1) in PyTorch's order, the engine's: ONNX's gate k is PyTorch's
// gate onnxOrder[k] (ops/recurrent_gates.h).
Tensor inEngineGateOrder(const Tensor& t, const std::vector<int64_t>& onnxOrder, int64_t hidden,
                         int64_t offset, Shape shape) {
  Tensor out(shape, DType::f32);
  const int64_t directions = shape[0], gates = static_cast<int64_t>(onnxOrder.size());
  const int64_t rowWidth = numel(shape) / (directions * gates * hidden);  // entries per gate row
  const int64_t sourceRows = t.shape()[1];
  for (int64_t d = 0; d < directions; ++d)
    for (int64_t k = 0; k < gates; ++k) {
      const float* from = t.data<float>() + (d * sourceRows + offset + k * hidden) * rowWidth;
      std::copy(from, from + hidden * rowWidth,
                out.data<float>() + (d * gates + onnxOrder[k]) * hidden * rowWidth);
    }
  return out;
}
// The nonlinearity of an ONNX recurrent node ("tanh" or "relu", the RNN's), after checking its
// activations are ones the engine's op computes: per direction, an LSTM's and a GRU's gates'
// Sigmoid, then the state's Tanh (and the LSTM's output's); an RNN's one function, the same in
// both directions.
std::string activationOf(const ImportedNode& n) {
  const std::string& op = n.proto().op_type();
  const std::vector<std::string> activations = n.texts("activations");
  if (op == "RNN") {
    for (const std::string& f : activations)
      if (f != activations[0] || (f != "Tanh" && f != "Relu"))
        throw n.error("activation '" + f +
                      "' is not supported (the engine's RNN uses Tanh or Relu, the same in "
                      "both directions)");
    return !activations.empty() && activations[0] == "Relu" ? "relu" : "tanh";
  }
  const size_t perDirection = op == "LSTM" ? 3 : 2;
  for (size_t i = 0; i < activations.size(); ++i)
    if (activations[i] != (i % perDirection == 0 ? "Sigmoid" : "Tanh"))
      throw n.error("activation '" + activations[i] + "' is not supported (the engine's " + op +
                    " uses Sigmoid and Tanh)");
  return "tanh";
}
}  // namespace

bool Importer::isZeros(const std::string& name) const {
  auto c = m_constants.find(name);
  return c != m_constants.end() && c->second.dtype() == DType::f32 &&
         std::all_of(c->second.data<float>(), c->second.data<float>() + c->second.numel(),
                     [](float v) { return v == 0; });
}

// nn.LSTM's, nn.GRU's and nn.RNN's initial states, as large as the batch: PyTorch's default,
// `torch.zeros(layers * directions, N, H)`, written as a ConstantOfShape of a size computed from
// the input's shape (an Expand of zeros in a file exported with its batch fixed), or a Slice of
// one (each layer's); or a learned or constant state expanded along the batch (`h0.expand(1, N,
// H)`). Kept as names a recurrent node may read, knowing whether they are zeros.
bool Importer::batchState(const ImportedNode& n) {
  const std::string& op = n.proto().op_type();
  if (op == "Slice") {
    const auto from = m_batchStates.find(resolve(n.input(0)));
    if (from == m_batchStates.end()) return false;
    m_batchStates[n.output()] = from->second;
    return true;
  }
  const bool expand = op == "Expand";
  if (op != "ConstantOfShape" && !expand) return false;
  const std::vector<SymbolicDim>* shape = m_shapeArithmetic.find(resolve(n.input(expand ? 1 : 0)));
  if (!shape || shape->size() < 2) return false;  // a 1-D one fills shape arithmetic
  if (expand) {
    // Expanded along the batch on axis 0, a constant is a token a Concat may put first (ViT's
    // class token, zeros as torchvision makes it); a state has the batch on axis 1.
    if ((*shape)[0].batch != 0) return false;
    const std::string state = resolve(n.input(0));
    const bool zeros = isZeros(state);
    if (!zeros && !m_constants.count(state)) return false;
    m_batchStates[n.output()] = zeros;
    return true;
  }
  for (const auto& a : n.proto().attribute())
    if (a.name() == "value") {
      const Tensor fill = toTensor(a.t(), m_path + ": " + n.name());
      if (fill.dtype() != DType::f32 || fill.numel() != 1 || fill.data<float>()[0] != 0)
        throw n.error(
            "only a ConstantOfShape of float zeros as large as the batch (a recurrent layer's "
            "initial state) is supported");
    }
  m_batchStates[n.output()] = true;
  return true;
}

// ONNX's LSTM, GRU and RNN, sequence first (T, N, I), as the engine's, batch first: the input's
// view turned batch first, the weights' gates reordered, Y (T, D, N, H) and Y_h (D, N, H) views of
// the engine's output (N, T, D * H). What the engine's ops do not compute is refused by name.
void Importer::recurrent(const ImportedNode& n) {
  const std::string& op = n.proto().op_type();
  const std::vector<int64_t> onnxOrder = onnxGateOrder(op);
  const auto gates = static_cast<int64_t>(onnxOrder.size());
  const int64_t hidden = n.integer("hidden_size", 0);
  if (hidden < 1) throw n.error("attribute hidden_size must be given and at least 1");
  const std::string direction = n.text("direction", "forward");
  if (direction != "forward" && direction != "bidirectional")
    throw n.error("direction '" + direction + "' is not supported (forward or bidirectional)");
  const int64_t directions = direction == "bidirectional" ? 2 : 1;
  const std::string nonlinearity = activationOf(n);
  for (const char* attr : {"activation_alpha", "activation_beta", "clip"})
    if (n.has(attr)) throw n.error(std::string("attribute ") + attr + " is not supported");
  if (n.integer("input_forget", 0) != 0) throw n.error("input_forget 1 is not supported");
  if (op == "GRU" && n.integer("linear_before_reset", 0) != 1)
    throw n.error(
        "linear_before_reset 0 (the reset gate before the hidden state's product) is "
        "not supported; PyTorch's nn.GRU writes 1");
  if (n.integer("layout", 0) != 0)
    throw n.error("layout 1 (batch first) is not supported; PyTorch writes layout 0");
  auto given = [&](int i) { return n.proto().input_size() > i && !n.input(i).empty(); };
  if (given(4)) throw n.error("sequence_lens is not supported: every sequence runs all steps");
  // The initial states: zeros (PyTorch's default) are none; a computed one (D, N, H), an
  // encoder's last state or a projection of features, is read batch first, (N, D, H).
  std::vector<std::string> states;
  for (int i : {5, 6}) {
    const std::string what = i == 5 ? "initial_h" : "initial_c";
    const std::string state = given(i) ? resolve(n.input(i)) : std::string();
    const auto batchSized = m_batchStates.find(state);
    if (state.empty() || isZeros(state) || (batchSized != m_batchStates.end() && batchSized->second))
      continue;
    if (batchSized != m_batchStates.end() || m_constants.count(state))
      throw n.error(what +
                    " is a learned or constant state expanded to the batch; the engine's "
                    "recurrent ops start from zeros or from a computed state");
    if (i == 6 && states.empty())
      throw n.error("initial_c is given while initial_h is zeros; an LSTM given a cell state "
                    "takes its hidden state too");
    const std::vector<SymbolicDim> shape = layoutOf(state).onnxShape();
    if (shape.size() != 3 || shape[1].batch == 0 || shape[0].batch != 0 || shape[2].batch != 0)
      throw n.error(what + " must be (directions, N, hidden), with the batch on axis 1");
    const std::string batchFirst = state + "/batch_first";
    keep(batchFirst, layoutOf(state).transposed({1, 0, 2}));
    const std::optional<std::string> engineState =
        m_layouts.count(batchFirst) ? engineForm(batchFirst) : resolve(batchFirst);
    if (!engineState) throw n.error(what + " " + std::string(kBatchMoved));
    states.push_back(*engineState);
  }
  if (given(7)) throw n.error("peepholes (input P) are not supported");
  auto isRead = [&](int i) {
    return n.proto().output_size() > i && !n.proto().output(i).empty() &&
           m_readers[n.proto().output(i)] > 0;
  };
  if (isRead(2))
    throw n.error("output Y_c (the last cell state) is read; only Y and Y_h are supported");

  const Tensor& w = constant(n, 1);
  const Tensor& r = constant(n, 2);
  const std::string x = resolve(n.input(0));
  const std::vector<SymbolicDim> xShape = layoutOf(x).onnxShape();
  if (xShape.size() != 3 || !m_layouts.count(x) || xShape[1].batch == 0)
    throw n.error("input X must be sequence first, (T, N, features), with the batch on axis 1");
  const int64_t steps = xShape[0].value, features = xShape[2].value;
  if (xShape[0].batch != 0 || xShape[2].batch != 0)
    throw n.error("input X's steps and features must not depend on the batch");
  const int64_t rows = gates * hidden;
  if (w.shape() != Shape{directions, rows, features} ||
      r.shape() != Shape{directions, rows, hidden})
    throw n.error("W must be (" + std::to_string(directions) + ", " + std::to_string(rows) + ", " +
                  std::to_string(features) + ") and R (" + std::to_string(directions) + ", " +
                  std::to_string(rows) + ", " + std::to_string(hidden) + "), not " +
                  toString(w.shape()) + " and " + toString(r.shape()));

  // Y's name, or where the file leaves Y unnamed (only Y_h is read), the node's.
  const std::string y = n.output().empty() ? n.name() + "/Y" : n.output();
  const std::string engine = y + "/engine";
  m_weights[engine + ".weight_ih"] = inEngineGateOrder(w, onnxOrder, hidden, 0, w.shape());
  m_weights[engine + ".weight_hh"] = inEngineGateOrder(r, onnxOrder, hidden, 0, r.shape());
  const bool bias = given(3);
  if (bias) {
    const Tensor& b = constant(n, 3);
    if (b.shape() != Shape{directions, 2 * rows})
      throw n.error("B must be (" + std::to_string(directions) + ", " + std::to_string(2 * rows) +
                    "), not " + toString(b.shape()));
    m_weights[engine + ".bias_ih"] = inEngineGateOrder(b, onnxOrder, hidden, 0, {directions, rows});
    m_weights[engine + ".bias_hh"] =
        inEngineGateOrder(b, onnxOrder, hidden, rows, {directions, rows});
  }
  const std::string batchFirst = x + "/batch_first";
  keep(batchFirst, layoutOf(x).transposed({1, 0, 2}));
  const std::optional<std::string> input =
      m_layouts.count(batchFirst) ? engineForm(batchFirst) : resolve(batchFirst);
  if (!input) throw n.error("input X " + std::string(kBatchMoved));
  nlohmann::json attrs{{"hidden_size", hidden}, {"bidirectional", directions == 2}, {"bias", bias}};
  if (op == "RNN") attrs["nonlinearity"] = nonlinearity;
  std::vector<std::string> inputs{*input};
  inputs.insert(inputs.end(), states.begin(), states.end());
  add(n, op, inputs, attrs, engine);

  keepRecurrentOutputs(n, y, steps, directions, hidden, isRead(1));
}

// The outputs of recurrent node `n` as views of the engine's output `y` + "/engine",
// (N, T, D * H): Y (T, D, N, H), and where it is read, Y_h (D, N, H), the forward direction's
// last step and the backward direction's first.
void Importer::keepRecurrentOutputs(const ImportedNode& n, const std::string& y, int64_t steps,
                                    int64_t directions, int64_t hidden, bool lastStateRead) {
  const std::string engine = y + "/engine";
  // Y (T, D, N, H) views the engine's (N, T, D, H).
  const SymbolicDim batch{1, 0};
  std::string perDirection = engine;
  if (directions == 2) {
    perDirection = y + "/directions";
    add(n, "Reshape", {engine}, {{"shape", {steps, 2, hidden}}}, perDirection);
  }
  keep(y, directions == 2
              ? BatchLayout{perDirection,
                            {batch, {0, steps}, {0, 2}, {0, hidden}},
                            {{1}, {2}, {0}, {3}}}
              : BatchLayout{engine, {batch, {0, steps}, {0, hidden}}, {{1}, {}, {0}, {2}}});
  if (!lastStateRead) return;
  std::vector<std::string> last;
  for (int64_t d = 0; d < directions; ++d) {
    const int64_t t = d == 0 ? steps - 1 : 0;
    const std::string at = y + "/last_" + std::to_string(d);
    add(n, "Slice", {engine}, {{"axis", 1}, {"start", t}, {"end", t + 1}}, at);
    last.push_back(at);
    if (directions == 2) {
      add(n, "Slice", {at}, {{"axis", 2}, {"start", d * hidden}, {"end", (d + 1) * hidden}},
          at + "/state");
      last.back() = at + "/state";
    }
  }
  std::string states = last[0];
  if (directions == 2) {
    states = y + "/last_states";
    add(n, "Concat", last, {{"axis", 1}}, states);
  }
  keep(n.proto().output(1),
       BatchLayout{states, {batch, {0, directions}, {0, hidden}}, {{1}, {0}, {2}}});
}

}  // namespace twb::onnx_import
