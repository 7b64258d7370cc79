#pragma once

#include <string>
#include <vector>

#include "graph/model_spec.h"

namespace twb {

// Appends nodes to a model spec; the templates' builders (graph/resnet.cpp, mobilenet.cpp,
// vit.cpp) add their blocks on top of it.
class SpecBuilder {
 public:
  explicit SpecBuilder(ModelSpec& spec) : m_spec(spec) {}

  // Adds a node and returns its name, so a block reads as a chain of values.
  std::string add(const std::string& name, const std::string& op, std::vector<std::string> inputs,
                  nlohmann::json attrs = nlohmann::json::object()) {
    m_spec.nodes.push_back({name, op, std::move(inputs), std::move(attrs)});
    return name;
  }

 protected:
  ModelSpec& m_spec;
};

}  // namespace twb
