#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/shape.h"

namespace twb {

enum class AttrType { integer, number, boolean, string, integerOrPair, integers };

// One attribute of an op as the op catalogue shows it (the model designer is built from this).
struct AttrSpec {
  std::string name;
  AttrType type;
  nlohmann::json defaultValue;  // null: required
  std::string doc;
};

// Validated attributes of one node, defaults filled in.
class Attrs {
 public:
  Attrs() = default;
  explicit Attrs(nlohmann::json values) : m_values(std::move(values)) {}
  int64_t integer(const std::string& name) const;
  double number(const std::string& name) const;
  bool boolean(const std::string& name) const;
  std::string string(const std::string& name) const;
  std::vector<int64_t> integers(const std::string& name) const;
  // An attribute given as one integer or as [h, w]: always two values.
  std::vector<int64_t> pair(const std::string& name) const;
  const nlohmann::json& json() const { return m_values; }

 private:
  nlohmann::json m_values;
};

// How a parameter starts. Bounds follow PyTorch's defaults so models train the same way.
enum class ParamInit { zeros, ones, uniformFanIn };

struct ParamSpec {
  std::string suffix;  // "weight", "bias", "running_mean", ...
  Shape shape;
  ParamInit init;
  int64_t fanIn = 1;       // for uniformFanIn: U(-1/sqrt(fanIn), 1/sqrt(fanIn))
  bool trainable = true;   // running statistics are state, not trained
};

// An op instance: the attributes of one node plus its shape rule, parameters and FLOP count.
// Execution lives in the backends (backend/cpu), which read the same attributes.
class Op {
 public:
  explicit Op(Attrs attrs) : m_attrs(std::move(attrs)) {}
  virtual ~Op() = default;

  const Attrs& attrs() const { return m_attrs; }

  // Throws twb::Error describing the mismatch; the graph adds the node's name.
  virtual Shape outputShape(const std::vector<Shape>& inputs) const = 0;
  virtual std::vector<ParamSpec> params(const std::vector<Shape>& /*inputs*/) const { return {}; }
  // Multiply-adds count as two FLOPs.
  virtual double forwardFlops(const std::vector<Shape>& /*inputs*/, const Shape& /*output*/) const {
    return 0;
  }
  // Whether a gradient flows to input i (a loss's target gets none).
  virtual bool differentiable(size_t /*input*/) const { return true; }

 private:
  Attrs m_attrs;
};

struct OpDef {
  std::string name;  // "Conv2d"
  std::string doc;
  int minInputs = 1;
  int maxInputs = 1;  // -1: any number
  std::vector<AttrSpec> attrs;
  std::function<std::unique_ptr<Op>(Attrs)> create;
};

}  // namespace twb
