#include "io/onnx_export.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "graph/graph.h"

namespace twb {

namespace {
class Exporter {
 public:
  Exporter(const ModelSpec& spec, const ParameterStore& params) : m_spec(spec), m_params(params) {}

  onnx::ModelProto run() {
    onnx::ModelProto model;
    model.set_ir_version(onnx::IR_VERSION);
    model.set_producer_name("twb-engine");
    model.set_producer_version(TWB_VERSION);
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(13);
    m_graph = model.mutable_graph();
    m_graph->set_name(m_spec.name);
    const Graph graph = Graph::build(m_spec, 1);
    for (const auto& in : m_spec.inputs) addValueInfo(m_graph->add_input(), in.name, in.shape);
    for (const auto& node : graph.nodes()) translate(node, graph);
    for (int v : graph.outputs()) {
      const Shape& shape = graph.values()[v].shape;
      addValueInfo(m_graph->add_output(), graph.values()[v].name,
                   Shape(shape.begin() + 1, shape.end()));
    }
    return model;
  }

 private:
  // A float tensor whose first dimension is the free batch.
  static void addValueInfo(onnx::ValueInfoProto* info, const std::string& name, const Shape& sample) {
    info->set_name(name);
    auto* type = info->mutable_type()->mutable_tensor_type();
    type->set_elem_type(onnx::TensorProto::FLOAT);
    auto* shape = type->mutable_shape();
    shape->add_dim()->set_dim_param("batch");
    for (int64_t d : sample) shape->add_dim()->set_dim_value(d);
  }

  void addInitializer(const std::string& name, const Tensor& t) {
    auto* init = m_graph->add_initializer();
    init->set_name(name);
    init->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : t.shape()) init->add_dims(d);
    init->set_raw_data(t.raw(), t.bytes());
  }

  std::string addConstant(const std::string& name, const std::vector<int64_t>& values) {
    auto* init = m_graph->add_initializer();
    init->set_name(name);
    init->set_data_type(onnx::TensorProto::INT64);
    init->add_dims(static_cast<int64_t>(values.size()));
    for (int64_t v : values) init->add_int64_data(v);
    return name;
  }

  std::string addScalar(const std::string& name, float value) {
    Tensor t({}, DType::f32);
    t.data<float>()[0] = value;
    addInitializer(name, t);
    return name;
  }

  onnx::NodeProto* add(const std::string& op, const std::vector<std::string>& inputs,
                       const std::string& output) {
    auto* n = m_graph->add_node();
    n->set_op_type(op);
    n->set_name(output);
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(output);
    return n;
  }

  static void setInts(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  static void setInt(onnx::NodeProto* n, const std::string& name, int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void setFloat(onnx::NodeProto* n, const std::string& name, float v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
  }

  std::vector<std::string> params(const GraphNode& node) {
    std::vector<std::string> names;
    for (const auto& p : node.params) {
      const std::string name = node.name + "." + p.suffix;
      const Parameter* param = m_params.find(name);
      if (!param) throw Error("parameter '" + name + "' is missing");
      addInitializer(name, param->value);
      names.push_back(name);
    }
    return names;
  }

  void translate(const GraphNode& node, const Graph& graph) {
    const Attrs& a = node.op->attrs();
    std::vector<std::string> in;
    for (int v : node.inputs) in.push_back(graph.values()[v].name);
    const std::string& out = node.name;
    const std::string& op = node.opName;
    auto withParams = [&] {
      auto all = in;
      for (const auto& p : params(node)) all.push_back(p);
      return all;
    };
    if (op == "Linear") {
      setInt(add("Gemm", withParams(), out), "transB", 1);
    } else if (op == "Conv2d") {
      auto* n = add("Conv", withParams(), out);
      const auto k = a.pair("kernel"), p = a.pair("padding");
      setInts(n, "kernel_shape", k);
      setInts(n, "strides", a.pair("stride"));
      setInts(n, "pads", {p[0], p[1], p[0], p[1]});
      setInts(n, "dilations", a.pair("dilation"));
      setInt(n, "group", a.integer("groups"));
    } else if (op == "MaxPool2d" || op == "AvgPool2d") {
      auto* n = add(op == "MaxPool2d" ? "MaxPool" : "AveragePool", in, out);
      const auto k = a.pair("kernel"), p = a.pair("padding");
      auto s = a.pair("stride");
      if (s[0] == 0 && s[1] == 0) s = k;
      setInts(n, "kernel_shape", k);
      setInts(n, "strides", s);
      setInts(n, "pads", {p[0], p[1], p[0], p[1]});
      if (op == "AvgPool2d") setInt(n, "count_include_pad", a.boolean("count_include_pad"));
    } else if (op == "GlobalAvgPool") {
      add("GlobalAveragePool", in, out + "/nchw");
      setInt(add("Flatten", {out + "/nchw"}, out), "axis", 1);
    } else if (op == "BatchNorm2d") {
      auto* n = add("BatchNormalization", withParams(), out);
      setFloat(n, "epsilon", static_cast<float>(a.number("eps")));
      setFloat(n, "momentum", static_cast<float>(1.0 - a.number("momentum")));
    } else if (op == "ReLU" || op == "Sigmoid" || op == "Tanh") {
      add(op == "ReLU" ? "Relu" : op, in, out);
    } else if (op == "GELU") {  // x * 0.5 * (1 + erf(x / sqrt(2)))
      add("Div", {in[0], addScalar(out + "/sqrt2", 1.41421356f)}, out + "/scaled");
      add("Erf", {out + "/scaled"}, out + "/erf");
      add("Add", {out + "/erf", addScalar(out + "/one", 1.f)}, out + "/shifted");
      add("Mul", {in[0], out + "/shifted"}, out + "/product");
      add("Mul", {out + "/product", addScalar(out + "/half", 0.5f)}, out);
    } else if (op == "Dropout") {
      add("Identity", in, out);
    } else if (op == "Flatten") {
      setInt(add("Flatten", in, out), "axis", 1);
    } else if (op == "Reshape") {
      std::vector<int64_t> shape = graph.values()[node.output].shape;
      shape[0] = 0;  // ONNX: copy the batch from the input
      add("Reshape", {in[0], addConstant(out + "/shape", shape)}, out);
    } else if (op == "Add") {
      add(in.size() == 2 ? "Add" : "Sum", in, out);
    } else if (op == "Concat") {
      setInt(add("Concat", in, out), "axis", a.integer("axis"));
    } else if (op == "Softmax") {
      setInt(add("Softmax", in, out), "axis", 1);
    } else {
      throw Error("node '" + node.name + "' (" + op + ") has no ONNX inference form " +
                  "(losses are for training; export the model without them)");
    }
  }

  const ModelSpec& m_spec;
  const ParameterStore& m_params;
  onnx::GraphProto* m_graph = nullptr;
};
}  // namespace

void exportOnnx(const std::string& path, const ModelSpec& spec, const ParameterStore& params) {
  const onnx::ModelProto model = Exporter(spec, params).run();
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Error(path + ": the exported model fails the ONNX checker: " + e.what());
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out || !model.SerializeToOstream(&out)) throw Error(path + ": cannot write");
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace twb
