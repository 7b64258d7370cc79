#pragma once

// The op registry: every op the engine knows, by name, with its attribute schema and traits.
//
// To add an op:
//   1. write engine/ops/NAME.cpp: an Op subclass (shape rule, parameters, FLOPs, ONNX form) and
//      an OpRegistration of its OpDef (attributes, traits);
//   2. write its kernel in engine/backend/cpu/, registered with a CpuKernelRegistration;
//   3. add cases to tests/op_cases.cpp: the finite-difference and PyTorch suites pick them up.
// Both folders are globbed by CMake and linked whole: no list names the op.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ops/op.h"

namespace twb {

class OpRegistry {
 public:
  static const OpRegistry& instance();

  const OpDef* find(const std::string& name) const;
  std::vector<const OpDef*> all() const;

  // Validates `attrs` (an object or null) against the schema of `op`; errors name `path`.
  std::unique_ptr<Op> create(const std::string& op, const nlohmann::json& attrs,
                             const std::string& path) const;

 private:
  friend struct OpRegistration;
  static OpRegistry& registry();
  std::map<std::string, OpDef> m_ops;
};

// Whether `op` is a loss, and the losses as "A or B" for messages.
bool isLoss(const std::string& op);
std::string lossNames();

// Adds ops to the registry when the program starts: one static object in each op's file.
struct OpRegistration {
  explicit OpRegistration(std::vector<OpDef> defs);
};

}  // namespace twb
