#pragma once

#include <vector>

#include "graph/graph.h"
#include "quant/quant_plan.h"

namespace twb {

// Where int8 runs in a graph under a plan, and how every value is stored: the executor runs
// this placement and the QDQ export writes it, so both agree value for value.
//   - Conv2d and Linear run int8 where the plan says so; Add runs int8 when both of its two
//     inputs are stored int8. Their outputs are stored int8 with their calibrated range,
//     except model outputs (f32).
//   - Pooling, ReLU and the reshapes keep their input's storage (int8 in, int8 out, one scale).
//   - Every other op runs in fp32, on dequantized inputs.
struct Int8Placement {
  std::vector<bool> nodeInt8;      // per node
  std::vector<float> storedScale;  // per value: scale of a value stored int8; 0: stored as is
  std::vector<DType> storedType;   // per value: s8 or u8 where storedScale > 0

  // How input `value` of an int8 node is quantized: as stored, or from its calibrated range.
  ActivationRange inputRange(const Graph& graph, const QuantPlan& plan, int value) const;
  float inputScale(const Graph& graph, const QuantPlan& plan, int value) const;
};

Int8Placement placeInt8(const Graph& graph, const QuantPlan& plan);

}  // namespace twb
