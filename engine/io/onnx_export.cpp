#include "io/onnx_export.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <set>

#include "core/error.h"
#include "core/file_writing.h"
#include "exec/int8_placement.h"
#include "graph/graph.h"
#include "ops/fused_activation.h"
#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
class ProtoNode : public OnnxNode {
 public:
  onnx::NodeProto* proto = nullptr;

  OnnxNode& integer(const std::string& name, int64_t v) override {
    auto* a = attribute(name, onnx::AttributeProto::INT);
    a->set_i(v);
    return *this;
  }
  OnnxNode& integers(const std::string& name, const std::vector<int64_t>& v) override {
    auto* a = attribute(name, onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
    return *this;
  }
  OnnxNode& number(const std::string& name, float v) override {
    auto* a = attribute(name, onnx::AttributeProto::FLOAT);
    a->set_f(v);
    return *this;
  }
  OnnxNode& text(const std::string& name, const std::string& v) override {
    auto* a = attribute(name, onnx::AttributeProto::STRING);
    a->set_s(v);
    return *this;
  }
  OnnxNode& texts(const std::string& name, const std::vector<std::string>& v) override {
    auto* a = attribute(name, onnx::AttributeProto::STRINGS);
    for (const std::string& x : v) a->add_strings(x);
    return *this;
  }

 private:
  onnx::AttributeProto* attribute(const std::string& name, onnx::AttributeProto::AttributeType t) {
    auto* a = proto->add_attribute();
    a->set_name(name);
    a->set_type(t);
    return a;
  }
};

class Exporter : public OnnxWriter {
 public:
  Exporter(const ModelSpec& spec, const ParameterStore& params, const QuantPlan* quant)
      : m_spec(spec), m_params(params), m_quant(quant) {}

  onnx::ModelProto run() {
    onnx::ModelProto model;
    model.set_ir_version(onnx::IR_VERSION);
    model.set_producer_name("twb-engine");
    model.set_producer_version(TWB_VERSION);
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(17);  // LayerNormalization
    m_graph = model.mutable_graph();
    m_graph->set_name(m_spec.name);
    const Graph graph = Graph::build(m_spec, 1);
    if (m_quant) m_placement = placeInt8(graph, *m_quant);
    for (const auto& in : m_spec.inputs) addValueInfo(m_graph->add_input(), in.name, in.shape);
    for (size_t n = 0; n < graph.nodes().size(); ++n) translateNode(graph, n);
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

  // A fixed tensor (an imported model's constant) as a Constant node, not an initializer: what
  // PyTorch writes as initializers are parameters, which an import trains.
  void addConstant(const std::string& name, const Tensor& t) {
    node("Constant", {}, name);
    auto* value = m_node.proto->add_attribute();
    value->set_name("value");
    value->set_type(onnx::AttributeProto::TENSOR);
    auto* tensor = value->mutable_t();
    tensor->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : t.shape()) tensor->add_dims(d);
    tensor->set_raw_data(t.raw(), t.bytes());
  }

  std::string int64s(const std::string& name, const std::vector<int64_t>& values) override {
    auto* init = m_graph->add_initializer();
    init->set_name(name);
    init->set_data_type(onnx::TensorProto::INT64);
    init->add_dims(static_cast<int64_t>(values.size()));
    for (int64_t v : values) init->add_int64_data(v);
    return name;
  }

  std::string floats(const std::string& name, const std::vector<float>& values) override {
    Tensor t({static_cast<int64_t>(values.size())}, DType::f32);
    std::copy(values.begin(), values.end(), t.data<float>());
    addConstant(name, t);  // an op's constant, which an import must not train
    return name;
  }

  std::string scalar(const std::string& name, float value) override {
    Tensor t({}, DType::f32);
    t.data<float>()[0] = value;
    addInitializer(name, t);
    return name;
  }

  OnnxNode& node(const std::string& type, const std::vector<std::string>& inputs,
                 const std::string& output) override {
    auto* n = m_graph->add_node();
    n->set_op_type(type);
    n->set_name(output);
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(output);
    m_node.proto = n;
    return m_node;
  }

  std::vector<std::string> params(const GraphNode& node, bool int8) {
    std::vector<std::string> names;
    for (const auto& p : node.params) {
      const std::string name = node.name + "." + p.suffix;
      const Parameter* param = m_params.find(name);
      if (!param) throw Error("parameter '" + name + "' is missing");
      if (int8 && p.suffix == "weight") addInt8Weight(name, param->value,
                                                      m_quant->layers.at(node.name).weightScales);
      else if (node.op->attrs().json().value("fixed", false))
        addConstant(name, param->value);
      else addInitializer(name, param->value);
      names.push_back(name);
    }
    return names;
  }

  // QDQ form: the s8 weights as an initializer, dequantized per output channel (axis 0).
  void addInt8Weight(const std::string& name, const Tensor& w, const std::vector<float>& scales) {
    const Tensor q = toInt8Weights(w, scales);
    auto* init = m_graph->add_initializer();
    init->set_name(name + "/int8");
    init->set_data_type(onnx::TensorProto::INT8);
    for (int64_t d : q.shape()) init->add_dims(d);
    init->set_raw_data(q.raw(), q.bytes());
    const int64_t channels = static_cast<int64_t>(scales.size());
    Tensor scale({channels}, DType::f32), zero({channels}, DType::s8);
    std::copy(scales.begin(), scales.end(), scale.data<float>());
    addInitializer(name + "/scale", scale);
    addTypedInitializer(name + "/zero_point", zero, onnx::TensorProto::INT8);
    node("DequantizeLinear", {name + "/int8", name + "/scale", name + "/zero_point"}, name)
        .integer("axis", 0);
  }

  // QuantizeLinear then DequantizeLinear: `from` as int8 stores it (u8 or s8, zero point 0).
  void addQdq(const std::string& from, const std::string& to, const ActivationRange& range) {
    const std::string scale = scalar(to + "/scale", range.scale());
    Tensor zero({}, range.type());
    addTypedInitializer(to + "/zero_point", zero,
                        range.nonNegative ? onnx::TensorProto::UINT8 : onnx::TensorProto::INT8);
    node("QuantizeLinear", {from, scale, to + "/zero_point"}, to + "/quantized");
    node("DequantizeLinear", {to + "/quantized", scale, to + "/zero_point"}, to);
  }

  void addTypedInitializer(const std::string& name, const Tensor& t, int type) {
    auto* init = m_graph->add_initializer();
    init->set_name(name);
    init->set_data_type(type);
    for (int64_t d : t.shape()) init->add_dims(d);
    init->set_raw_data(t.raw(), t.bytes());
  }

  // One node, with what int8 adds around it: its input quantized where it is not stored int8
  // yet, its fused activation as that op writes itself, and its output quantized where
  // execution stores it int8.
  void translateNode(const Graph& graph, size_t n) {
    const GraphNode& node = graph.nodes()[n];
    std::vector<std::string> in;
    for (int v : node.inputs) in.push_back(graph.values()[v].name);
    const bool int8 = m_quant && m_placement.nodeInt8[n];
    const bool weighted = node.op->traits().int8 == Int8Role::weighted;
    if (int8 && weighted && m_placement.storedScale[node.inputs[0]] <= 0) {
      const std::string quantized = in[0] + "/qdq";
      if (m_quantizedInputs.insert(quantized).second)
        addQdq(in[0], quantized, m_placement.inputRange(graph, *m_quant, node.inputs[0]));
      in[0] = quantized;
    }
    const FusedActivation activation = node.op->attrs().json().contains("activation")
                                           ? fusedActivation(node.op->attrs())
                                           : FusedActivation::none;
    const bool quantizedOut = m_quant && m_placement.storedScale[node.output] > 0;
    const bool activated = activation != FusedActivation::none;
    std::string produced = activated || quantizedOut ? node.name + "/real" : node.name;
    translate(node, graph, in, produced, int8 && weighted);
    if (activated) {  // written as the activation op writes itself
      const std::string out = quantizedOut ? node.name + "/activated" : node.name;
      OpRegistry::instance()
          .create(fusedActivationOp(activation), nlohmann::json::object(), node.name)
          ->toOnnx(*this, {{produced}, {}, out, graph.values()[node.output].shape});
      produced = out;
    }
    if (quantizedOut)
      addQdq(produced, node.name,
             {m_placement.storedScale[node.output] *
                  (m_placement.storedType[node.output] == DType::u8 ? 255.f : 127.f),
              m_placement.storedType[node.output] == DType::u8});
  }

  // The op's own ONNX form (Op::toOnnx), over its parameters' initializers.
  void translate(const GraphNode& node, const Graph& graph, const std::vector<std::string>& in,
                 const std::string& out, bool int8Weights) {
    const OnnxNodeIo io{in, params(node, int8Weights), out, graph.values()[node.output].shape};
    try {
      node.op->toOnnx(*this, io);
    } catch (const Error& e) {
      throw Error("node '" + node.name + "' (" + node.opName + ") " + e.what());
    }
  }

  const ModelSpec& m_spec;
  const ParameterStore& m_params;
  const QuantPlan* m_quant;
  Int8Placement m_placement;
  std::set<std::string> m_quantizedInputs;
  onnx::GraphProto* m_graph = nullptr;
  ProtoNode m_node;  // the node just added
};
}  // namespace

void exportOnnx(const std::string& path, const ModelSpec& spec, const ParameterStore& params,
                const QuantPlan* quant, const DatasetInfo& dataset) {
  onnx::ModelProto model = Exporter(spec, params, quant).run();
  if (dataset.normalization || !dataset.classNames.empty()) {
    auto* entry = model.add_metadata_props();
    entry->set_key(kOnnxDatasetKey);
    entry->set_value(toJson(DatasetInfo{dataset.normalization, dataset.classNames, {}, {}}).dump());
  }
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Error(path + ": the exported model fails the ONNX checker: " + e.what());
  }
  writeFileWhole(path, [&](std::ostream& out) {
    if (!model.SerializeToOstream(&out) && out)
      throw Error(path + ": the model cannot be serialized");
  });
}

}  // namespace twb
