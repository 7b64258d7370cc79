// ONNX nodes made at import in place of one the engine reads in another form (an Einsum, a 1-D
// convolution), each translated as it is made, so that every rule of the importer applies to
// them as to the file's own nodes.

#include <onnx/onnx_pb.h>

#include <algorithm>

#include "core/error.h"
#include "io/onnx_importer.h"

namespace twb::onnx_import {

std::string Importer::Rewrite::emit(const std::string& op, const std::vector<std::string>& inputs,
                                    const std::vector<onnx::AttributeProto>& attrs,
                                    const std::string& output) {
  onnx::NodeProto node;
  node.set_op_type(op);
  for (const auto& input : inputs) node.add_input(input);
  for (const auto& a : attrs) *node.add_attribute() = a;
  return emit(std::move(node), output);
}

std::string Importer::Rewrite::emit(onnx::NodeProto node, const std::string& output) {
  const std::string out = output.empty() ? fresh(node.op_type()) : output;
  node.set_name(out);
  node.clear_output();
  node.add_output(out);
  if (out != m_node.output()) m_importer.m_readers[out] = 1;
  try {
    m_importer.translate(ImportedNode(node));
  } catch (const Error& e) {
    throw m_node.error(std::string("as ") + e.what());
  }
  return out;
}

std::string Importer::Rewrite::reshaped(const std::string& value,
                                        const std::vector<int64_t>& target,
                                        const std::string& output) {
  Tensor shape({static_cast<int64_t>(target.size())}, DType::s32);
  std::copy(target.begin(), target.end(), shape.data<int32_t>());
  return emit("Reshape", {value, constant("shape", std::move(shape), false)}, {}, output);
}

std::string Importer::Rewrite::constant(const std::string& what, Tensor value, bool learned) {
  const std::string name = fresh(what);
  m_importer.m_constants[name] = std::move(value);
  if (learned) m_importer.m_learned.insert(name);
  return name;
}

std::string Importer::Rewrite::fresh(const std::string& what) {
  return m_node.name() + "/" + m_purpose + "-" + what + std::to_string(m_count++);
}

namespace {
onnx::AttributeProto attribute(const std::string& name, onnx::AttributeProto::AttributeType type) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(type);
  return a;
}
}  // namespace

onnx::AttributeProto Importer::Rewrite::ints(const std::string& name,
                                             const std::vector<int64_t>& values) {
  onnx::AttributeProto a = attribute(name, onnx::AttributeProto::INTS);
  for (const int64_t v : values) a.add_ints(v);
  return a;
}

onnx::AttributeProto Importer::Rewrite::integer(const std::string& name, int64_t value) {
  onnx::AttributeProto a = attribute(name, onnx::AttributeProto::INT);
  a.set_i(value);
  return a;
}

onnx::AttributeProto Importer::Rewrite::number(const std::string& name, float value) {
  onnx::AttributeProto a = attribute(name, onnx::AttributeProto::FLOAT);
  a.set_f(value);
  return a;
}

}  // namespace twb::onnx_import
