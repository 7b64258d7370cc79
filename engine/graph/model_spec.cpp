#include "graph/model_spec.h"

#include <map>
#include <set>

#include "core/error.h"
#include "core/json_object.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
std::vector<std::string> stringList(const nlohmann::json& v, const std::string& path) {
  if (!v.is_array()) throw Error(path + ": must be an array of names, got " + jsonTypeName(v));
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string())
      throw Error(path + "[" + std::to_string(i) + "]: must be a name, got " + jsonTypeName(v[i]));
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

const nlohmann::json& arrayField(JsonObject& o, const std::string& key) {
  const auto& v = o.raw(key);
  if (!v.is_array()) throw o.error(key, "must be an array, got " + jsonTypeName(v));
  return v;
}

// The blocks of `spec`, whose inputs and nodes are read already.
std::vector<BlockSpec> readBlocks(const nlohmann::json& array, const std::string& path,
                                  const ModelSpec& spec) {
  std::set<std::string> taken, nodes;  // names a block may not have; nodes a block may hold
  for (const auto& in : spec.inputs) taken.insert(in.name);
  for (const auto& n : spec.nodes) taken.insert(n.name), nodes.insert(n.name);
  std::map<std::string, std::string> blockOf;
  std::vector<BlockSpec> blocks;
  for (size_t i = 0; i < array.size(); ++i) {
    JsonObject b(array[i], path + "[" + std::to_string(i) + "]");
    BlockSpec block{b.string("name"), stringList(b.raw("nodes"), b.pathOf("nodes"))};
    if (block.name.empty()) throw b.error("name", "must not be empty");
    if (!taken.insert(block.name).second)
      throw b.error("name", "'" + block.name + "' is already the name of a node, input or block");
    if (block.nodes.empty()) throw b.error("nodes", "a block holds at least one node");
    for (size_t j = 0; j < block.nodes.size(); ++j) {
      const std::string& node = block.nodes[j];
      const std::string at = b.pathOf("nodes") + "[" + std::to_string(j) + "]";
      if (!nodes.count(node)) throw Error(at + ": no node named '" + node + "'");
      if (const auto [it, added] = blockOf.emplace(node, block.name); !added)
        throw Error(at + ": '" + node + "' is in block '" + it->second + "' already");
    }
    b.rejectUnknown();
    blocks.push_back(std::move(block));
  }
  return blocks;
}
}  // namespace

ModelSpec ModelSpec::fromJson(const nlohmann::json& json, const std::string& path) {
  JsonObject o(json, path);
  ModelSpec spec;
  spec.name = o.string("name", "model");
  const auto& inputs = arrayField(o, "inputs");
  for (size_t i = 0; i < inputs.size(); ++i) {
    JsonObject in(inputs[i], o.pathOf("inputs") + "[" + std::to_string(i) + "]");
    InputSpec s{in.string("name"), in.integers("shape"), DType::f32};
    for (int64_t d : s.shape)
      if (d <= 0) throw in.error("shape", "sizes must be > 0");
    try {
      s.dtype = parseDType(in.string("dtype", "f32"));
    } catch (const Error& e) {
      throw e.within(in.pathOf("dtype"));
    }
    in.rejectUnknown();
    spec.inputs.push_back(std::move(s));
  }
  const auto& nodes = arrayField(o, "nodes");
  for (size_t i = 0; i < nodes.size(); ++i) {
    JsonObject n(nodes[i], o.pathOf("nodes") + "[" + std::to_string(i) + "]");
    NodeSpec s;
    s.name = n.string("name");
    s.op = n.string("op");
    s.inputs = stringList(n.raw("inputs"), n.pathOf("inputs"));
    if (n.has("attrs")) s.attrs = n.raw("attrs");
    n.rejectUnknown();
    spec.nodes.push_back(std::move(s));
  }
  if (o.has("outputs")) spec.outputs = stringList(o.raw("outputs"), o.pathOf("outputs"));
  if (o.has("blocks")) spec.blocks = readBlocks(arrayField(o, "blocks"), o.pathOf("blocks"), spec);
  o.rejectUnknown();
  return spec;
}

nlohmann::json ModelSpec::toJson() const {
  nlohmann::json j;
  j["name"] = name;
  j["inputs"] = nlohmann::json::array();
  for (const auto& in : inputs) {
    nlohmann::json i{{"name", in.name}, {"shape", in.shape}};
    if (in.dtype != DType::f32) i["dtype"] = dtypeName(in.dtype);
    j["inputs"].push_back(i);
  }
  j["nodes"] = nlohmann::json::array();
  for (const auto& n : nodes) {
    nlohmann::json node{{"name", n.name}, {"op", n.op}, {"inputs", n.inputs}};
    if (!n.attrs.empty()) node["attrs"] = n.attrs;
    j["nodes"].push_back(node);
  }
  j["outputs"] = outputs;
  for (const auto& b : blocks) j["blocks"].push_back({{"name", b.name}, {"nodes", b.nodes}});
  return j;
}

ModelSpec withLoss(const ModelSpec& model, const std::string& lossOp, const Shape& outputShape) {
  ModelSpec s = model;
  const std::string output = model.outputs.empty() ? model.nodes.back().name : model.outputs[0];
  const OpDef* loss = OpRegistry::instance().find(lossOp);
  const LossTarget target = loss ? loss->traits.loss : LossTarget::none;
  if (target == LossTarget::classIndex) {
    s.inputs.push_back({"label", {}, DType::s32});
  } else if (target == LossTarget::likeOutput) {
    s.inputs.push_back({"label", Shape(outputShape.begin() + 1, outputShape.end()), DType::f32});
  } else {
    throw Error("unknown loss '" + lossOp + "' (expected " + lossNames() + ")");
  }
  s.nodes.push_back({"loss", lossOp, {output, "label"}, nlohmann::json::object()});
  s.outputs = {output, "loss"};
  return s;
}

}  // namespace twb
