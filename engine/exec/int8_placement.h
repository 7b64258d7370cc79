#pragma once

#include <vector>

#include "exec/quant_plan.h"
#include "graph/graph.h"

namespace twb {

// Where int8 runs in a graph under a plan, and how every value is stored: the executor runs
// this placement and the QDQ export writes it, so both agree value for value. By each op's
// int8 role (ops/op.h):
//   - weighted ops (Conv2d, Linear) run int8 where the plan says so; a sum of int8 runs int8
//     when it has its fused form's inputs, all stored int8. Their outputs are stored int8 with
//     their calibrated range, except model outputs (f32).
//   - ops that follow their input (pooling, ReLU, reshapes) keep its storage (one scale).
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
