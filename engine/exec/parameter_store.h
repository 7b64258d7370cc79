#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "graph/graph.h"

namespace twb {

struct Parameter {
  std::string name;  // "conv1.weight"
  ParamSpec spec;
  Tensor value;      // fp32 master copy, plain layout (PyTorch's)
  Tensor grad;       // empty for non-trainable state (running statistics)
};

// Every parameter of a model, shared by the executors of different batch sizes and by the
// optimizer. Order is the graph's node order, so a seed gives the same weights every time.
class ParameterStore {
 public:
  // Creates the parameters of `graph` not present yet, initialised from `seed` as PyTorch's
  // defaults would be (uniform within 1/sqrt(fan_in); BatchNorm scale 1, shift 0). Those present
  // that `graph` does not train (its frozen layers) let their gradients go.
  void ensure(const Graph& graph, uint64_t seed);
  // Adds parameter `name` holding `value` (of the spec's shape, f32), with a gradient when it is
  // trainable, as ensure() makes them: for values read from a file or rewritten, which an
  // initialisation would only be overwritten by. Throws twb::Error on a shape mismatch or a
  // name already present.
  void add(const std::string& name, const ParamSpec& spec, Tensor value);

  // A copy whose values are its own (copies of a Tensor share its memory), with fresh gradients.
  ParameterStore clone() const;

  Parameter* find(const std::string& name);
  const Parameter* find(const std::string& name) const;
  Parameter& at(const std::string& name);  // throws twb::Error naming the parameter
  const Parameter& at(const std::string& name) const;
  // Lays the gradients of `names` out one after another in one buffer, each from a 64-byte
  // boundary (the gaps stay zero), so that a run of them is one range: data parallel reduces
  // its buckets where backward writes them. Before any executor binds the gradients. `into`:
  // the buffer to use (at least packedSize(names) floats), one of their own when empty.
  void packGradients(const std::vector<std::string>& names, const Tensor& into = {});
  // The floats packGradients() lays `names` out in.
  int64_t packedSize(const std::vector<std::string>& names) const;
  // Where the gradient after one of `elements` starts, counted from its start.
  static int64_t packedStride(int64_t elements) { return (elements + 15) / 16 * 16; }

  std::vector<Parameter>& all() { return m_params; }
  const std::vector<Parameter>& all() const { return m_params; }

 private:
  std::vector<Parameter> m_params;
  std::map<std::string, size_t> m_index;
};

}  // namespace twb
