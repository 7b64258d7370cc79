#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/shape.h"
#include "core/tensor.h"

namespace twb {

enum class AttrType { integer, number, boolean, string, integerOrPair, integers };

// One attribute of an op as the op catalogue shows it (the model designer is built from this).
struct AttrSpec {
  std::string name;
  AttrType type;
  nlohmann::json defaultValue;  // null: required
  std::string doc;
  // The range of a number, or of each integer of an integer, pair or list; checked with the
  // type, and what the designer's property editor offers.
  std::optional<double> min = std::nullopt, max = std::nullopt;
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
enum class ParamInit { zeros, ones, uniformFanIn, normal, constant };  // normal: N(0, 1)

struct ParamSpec {
  std::string suffix;  // "weight", "bias", "running_mean", ...
  Shape shape;
  ParamInit init;
  int64_t fanIn = 1;       // for uniformFanIn: U(-1/sqrt(fanIn), 1/sqrt(fanIn))
  bool trainable = true;   // running statistics are state, not trained
  bool frozen = false;     // a parameter a job's "freeze" holds still (then not trainable)
  float value = 0;         // for constant: every entry's
};

// How an op takes part in int8 inference (exec/int8_placement.h).
enum class Int8Role {
  none,          // computes in fp32 on dequantized inputs
  weighted,      // int8 kernels on its "weight", scaled per output channel (axis 0), where the
                 // plan says so
  sumOfInt8,     // stays int8 when every input is stored int8 (residual sums)
  followsInput,  // keeps its input's int8 storage and scale (pooling, ReLU, reshapes)
};

// What happens to an op when a trained graph becomes its inference form
// (quant/inference_rewrite.h).
enum class InferenceForm {
  kept,
  identity,           // dropped: its output is its input (Dropout)
  foldsIntoProducer,  // a per-channel affine folded into a producer's weights (BatchNorm)
  fusesIntoProducer,  // becomes its producer's "activation" attribute (ReLU)
};

// What a loss reads as its target (graph/model_spec.h withLoss).
enum class LossTarget { none, classIndex, likeOutput };

// What the executors, the quantizer, the rewriter and the exporters need to know about an op,
// said once, by the op (ARCHITECTURE.md, "One op, in one place").
struct OpTraits {
  bool bf16 = false;          // computes in bf16 under bf16 mixed precision
  bool followsInput = false;  // keeps its input's type in fp32 and bf16 runs
  Int8Role int8 = Int8Role::none;
  bool logitsInF32 = false;   // as a model output it writes f32, so the loss reads full precision
  InferenceForm inference = InferenceForm::kept;
  const char* fusedAs = nullptr;  // fusesIntoProducer: the value of the producer's "activation"
  bool absorbsFold = false;       // a following foldsIntoProducer op folds into its weights
  // The most inputs its fused form takes (the "activation" post-op, and int8 for sumOfInt8);
  // 0: it has none.
  int fusedFormInputs = 0;
  LossTarget loss = LossTarget::none;
  // Each output element is a function of the same element of the input alone (activations,
  // dropout): it computes the same in any layout.
  bool elementwise = false;
};

class OnnxWriter;
struct OnnxNodeIo;

// An op instance: the attributes of one node plus its shape rule, parameters, FLOP count and
// ONNX form. Execution lives in the backends (backend/cpu), which read the same attributes.
class Op {
 public:
  explicit Op(Attrs attrs) : m_attrs(std::move(attrs)) {}
  virtual ~Op() = default;

  const Attrs& attrs() const { return m_attrs; }
  const OpTraits& traits() const { return *m_traits; }

  // Throws twb::Error describing the mismatch; the graph adds the node's name.
  virtual Shape outputShape(const std::vector<Shape>& inputs) const = 0;
  virtual std::vector<ParamSpec> params(const std::vector<Shape>& /*inputs*/) const { return {}; }
  // Multiply-adds count as two FLOPs.
  virtual double forwardFlops(const std::vector<Shape>& /*inputs*/, const Shape& /*output*/) const {
    return 0;
  }
  // Whether a gradient flows to input i (a loss's target gets none).
  virtual bool differentiable(size_t /*input*/) const { return true; }
  // Writes the op as ONNX nodes (io/onnx_export.h); throws twb::Error where it has no
  // inference form.
  virtual void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const;
  // foldsIntoProducer ops: the per-channel y = x * scale[c] + shift[c] they compute in
  // inference, from their parameters (`param("running_var")`).
  using ParamLookup = std::function<const Tensor&(const std::string& suffix)>;
  virtual void channelAffine(const ParamLookup& param, std::vector<float>& scale,
                             std::vector<float>& shift) const;

 private:
  friend class OpRegistry;
  Attrs m_attrs;
  const OpTraits* m_traits = nullptr;  // its OpDef's, set by the registry
};

struct OpDef {
  std::string name;  // "Conv2d"
  std::string doc;
  int minInputs = 1;
  int maxInputs = 1;  // -1: any number
  std::vector<AttrSpec> attrs;
  std::function<std::unique_ptr<Op>(Attrs)> create;
  OpTraits traits;
};

}  // namespace twb
