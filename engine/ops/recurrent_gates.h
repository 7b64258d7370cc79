#pragma once

// The gates of the recurrent ops (ops/recurrent.cpp) in each order that reads them. The engine
// keeps PyTorch's parameters as they are: an LSTM's gates input, forget, cell, output; a GRU's
// reset, update, new; an RNN's one. ONNX orders an LSTM's input, output, forget, cell and a
// GRU's update, reset, hidden.

#include <cstdint>
#include <string>
#include <vector>

namespace twb {

// The gates of recurrent op `op` ("LSTM", "GRU", "RNN"), each PyTorch gate's number in ONNX's
// order: ONNX's gate k is PyTorch's gate result[k]. Empty for another op.
inline std::vector<int64_t> onnxGateOrder(const std::string& op) {
  if (op == "LSTM") return {0, 3, 1, 2};
  if (op == "GRU") return {1, 0, 2};
  if (op == "RNN") return {0};
  return {};
}

}  // namespace twb
