#include <algorithm>

#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// Sum or mean over some axes of (N, ...); the reduced axes stay as 1 with keepdims, else go.
// The batch (axis 0) is never reduced.
class ReduceOp : public Op {
 public:
  ReduceOp(Attrs attrs, const char* onnxType) : Op(std::move(attrs)), m_onnxType(onnxType) {}
  Shape outputShape(const std::vector<Shape>& in) const override {
    const std::vector<int64_t> axes = resolvedAxes(in[0]);
    Shape out;
    for (size_t i = 0; i < in[0].size(); ++i) {
      const bool reduced = std::find(axes.begin(), axes.end(), int64_t(i)) != axes.end();
      if (!reduced)
        out.push_back(in[0][i]);
      else if (attrs().boolean("keepdims"))
        out.push_back(1);
    }
    return out;
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    return static_cast<double>(numel(in[0]));
  }
  // At opset 17 ReduceSum takes its axes as an input, ReduceMean still as an attribute.
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    const std::vector<int64_t> axes = attrs().integers("axes");
    const bool sum = std::string(m_onnxType) == "ReduceSum";
    OnnxNode& n = sum ? onnx.node(m_onnxType,
                                  {io.inputs[0], onnx.int64s(io.output + "/axes", axes)}, io.output)
                      : onnx.node(m_onnxType, io.inputs, io.output).integers("axes", axes);
    n.integer("keepdims", attrs().boolean("keepdims"));
  }

 private:
  std::vector<int64_t> resolvedAxes(const Shape& shape) const {
    const int64_t rank = static_cast<int64_t>(shape.size());
    std::vector<int64_t> axes = attrs().integers("axes");
    if (axes.empty()) throw Error("attribute axes must name at least one axis");
    for (int64_t& a : axes) {
      const int64_t given = a;
      if (a < 0) a += rank;
      if (a < 1 || a >= rank)
        throw Error("attribute axes: " + std::to_string(given) + " is out of range for " +
                    toString(shape) + " (axis 0 is the batch)");
    }
    std::sort(axes.begin(), axes.end());
    if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
      throw Error("attribute axes names an axis twice");
    return axes;
  }
  const char* m_onnxType;
};

OpDef reduce(const char* name, const char* doc, const char* onnxType) {
  return {name,
          doc,
          1,
          1,
          {{"axes", AttrType::integers, nullptr, "Axes to reduce (not 0, the batch)."},
           {"keepdims", AttrType::boolean, true, "Keep each reduced axis as a dimension of 1."}},
          [onnxType](Attrs a) { return std::make_unique<ReduceOp>(std::move(a), onnxType); },
          {}};
}
}  // namespace

// Both accumulate in fp32 in every precision.
const OpRegistration kReduce{{reduce("ReduceMean", "Mean over axes.", "ReduceMean"),
                              reduce("ReduceSum", "Sum over axes.", "ReduceSum")}};

}  // namespace twb
