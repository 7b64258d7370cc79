#include "ops/onnx_writer.h"
#include "ops/op_registry.h"
#include "ops/shape_check.h"

namespace twb {

namespace {
// x is (N, T, I), batch first; y is (N, T, D * H), every step's hidden state, the forward
// direction's then (bidirectional) the backward one's, as nn.LSTM(batch_first=True) returns it.
// The states start at zero. The parameters are PyTorch's, one direction per row of the first
// axis, the gates in PyTorch's order (input, forget, cell, output):
// weight_ih (D, 4H, I), weight_hh (D, 4H, H), bias_ih and bias_hh (D, 4H).
class LstmOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    requireRank(in[0], 3, "input (N, T, features)");
    return {in[0][0], in[0][1], directions() * attrs().integer("hidden_size")};
  }
  std::vector<ParamSpec> params(const std::vector<Shape>& in) const override {
    const int64_t d = directions(), h = attrs().integer("hidden_size");
    // PyTorch's: every parameter U(-1/sqrt(H), 1/sqrt(H)).
    std::vector<ParamSpec> p{{"weight_ih", {d, 4 * h, in[0][2]}, ParamInit::uniformFanIn, h},
                             {"weight_hh", {d, 4 * h, h}, ParamInit::uniformFanIn, h}};
    if (attrs().boolean("bias")) {
      p.push_back({"bias_ih", {d, 4 * h}, ParamInit::uniformFanIn, h});
      p.push_back({"bias_hh", {d, 4 * h}, ParamInit::uniformFanIn, h});
    }
    return p;
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    const double h = static_cast<double>(attrs().integer("hidden_size"));
    const double steps = static_cast<double>(in[0][0]) * in[0][1] * directions();
    return steps * (2.0 * 4 * h * (in[0][2] + h) + 10 * h);  // two products, then the gates
  }
  // ONNX's LSTM is sequence first, (T, N, I) -> (T, D, N, H), its gates ordered input, output,
  // forget, cell, and its two biases one (D, 8H) tensor.
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    const std::string& y = io.output;
    const int64_t h = attrs().integer("hidden_size");
    std::vector<int64_t> rows;  // PyTorch's gate rows in ONNX's order
    for (int64_t gate : {0, 3, 1, 2})
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
    onnx.node("LSTM", in, y + "/steps")
        .integer("hidden_size", h)
        .text("direction", directions() == 2 ? "bidirectional" : "forward");
    onnx.node("Transpose", {y + "/steps"}, y + "/batch_first").integers("perm", {2, 0, 1, 3});
    onnx.node("Reshape", {y + "/batch_first", onnx.int64s(y + "/shape", {0, 0, -1})}, y);
  }

 private:
  int64_t directions() const { return attrs().boolean("bidirectional") ? 2 : 1; }
};
}  // namespace

const OpRegistration kLstm{
    {{"LSTM",
      "Long short-term memory over (N, T, features), batch first; every step's hidden state "
      "(PyTorch's nn.LSTM, one layer, states starting at zero).",
      1,
      1,
      {{"hidden_size", AttrType::integer, nullptr, "Features of the hidden state.", 1},
       {"bidirectional", AttrType::boolean, false,
        "Also run backward in time; the two states are concatenated."},
       {"bias", AttrType::boolean, true, "Add learned biases."}},
      [](Attrs a) { return std::make_unique<LstmOp>(std::move(a)); },
      {}}}};

}  // namespace twb
