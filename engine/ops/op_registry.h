#pragma once

// The op registry: every op the engine knows, by name, with its attribute schema.
//
// To add an op:
//   1. write engine/ops/NAME.cpp: an Op subclass (shape rule, parameters, FLOPs) and a
//      registerNAME(OpRegistry&) that adds its OpDef;
//   2. call that function from registerBuiltinOps() in op_registry.cpp;
//   3. write its kernel in engine/backend/cpu/ and add it to the kernel list there;
//   4. add cases to tests/op_cases.cpp: the finite-difference and PyTorch suites pick them up.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ops/op.h"

namespace twb {

class OpRegistry {
 public:
  static const OpRegistry& instance();

  void add(OpDef def);
  const OpDef* find(const std::string& name) const;
  std::vector<const OpDef*> all() const;

  // Validates `attrs` (an object or null) against the schema of `op`; errors name `path`.
  std::unique_ptr<Op> create(const std::string& op, const nlohmann::json& attrs,
                             const std::string& path) const;

 private:
  std::map<std::string, OpDef> m_ops;
};

}  // namespace twb
