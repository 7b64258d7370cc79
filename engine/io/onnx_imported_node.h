#pragma once

// One ONNX node as the importer reads it (io/onnx_import.cpp, io/onnx_shape_arithmetic.cpp).

#include <onnx/onnx_pb.h>

#include <map>
#include <string>
#include <vector>

#include "core/error.h"

namespace twb {

// One ONNX node being translated: its attributes by name, and errors that name it.
class ImportedNode {
 public:
  explicit ImportedNode(const onnx::NodeProto& node) : m_node(node) {
    for (const auto& a : node.attribute()) m_attrs[a.name()] = &a;
  }
  const onnx::NodeProto& proto() const { return m_node; }
  std::string name() const {
    if (!m_node.name().empty()) return m_node.name();
    return m_node.output_size() > 0 ? m_node.output(0) : std::string("(unnamed)");
  }
  // Its inputs and first output by position, or an error naming the one missing (a malformed
  // file must not reach protobuf's own bounds check, which aborts).
  const std::string& input(int i) const {
    if (i >= m_node.input_size()) throw error("input " + std::to_string(i) + " is missing");
    return m_node.input(i);
  }
  const std::string& output() const {
    if (m_node.output_size() == 0) throw error("has no output");
    return m_node.output(0);
  }
  Error error(const std::string& what) const {
    return Error("node '" + name() + "' (" + m_node.op_type() + "): " + what);
  }
  bool has(const std::string& attr) const { return m_attrs.count(attr) > 0; }
  std::vector<std::string> texts(const std::string& attr) const {
    auto it = m_attrs.find(attr);
    if (it == m_attrs.end()) return {};
    return {it->second->strings().begin(), it->second->strings().end()};
  }
  int64_t integer(const std::string& attr, int64_t fallback) const {
    auto it = m_attrs.find(attr);
    return it == m_attrs.end() ? fallback : it->second->i();
  }
  float number(const std::string& attr, float fallback) const {
    auto it = m_attrs.find(attr);
    return it == m_attrs.end() ? fallback : it->second->f();
  }
  std::string text(const std::string& attr, const std::string& fallback) const {
    auto it = m_attrs.find(attr);
    return it == m_attrs.end() ? fallback : it->second->s();
  }
  std::vector<int64_t> integers(const std::string& attr, std::vector<int64_t> fallback) const {
    auto it = m_attrs.find(attr);
    if (it == m_attrs.end()) return fallback;
    return {it->second->ints().begin(), it->second->ints().end()};
  }

 private:
  const onnx::NodeProto& m_node;
  std::map<std::string, const onnx::AttributeProto*> m_attrs;
};

}  // namespace twb
