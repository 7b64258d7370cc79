// 1-D convolutions, pools and batch norms (nn.Conv1d, nn.MaxPool1d, nn.BatchNorm1d over (N, C)
// or (N, C, L)): the engine's 2-D ops over (N, C, L, 1), each attribute along L given a second
// axis of 1, between two Reshapes. What runs is the same arithmetic, on oneDNN's 2-D kernels; an
// int8 QDQ convolution stays int8 (the Reshapes' values take the ranges of the values they
// reshape: quantPlan()).

#include <onnx/onnx_pb.h>

#include "core/error.h"
#include "io/onnx_importer.h"

namespace twb::onnx_import {

bool Importer::oneDimensional(const ImportedNode& n) {
  const std::string& op = n.proto().op_type();
  size_t rank = 0;
  if (op == "Conv") {
    rank = constant(n, 1).shape().size();  // the weight's: (out, in, kernel...)
  } else if (op == "MaxPool" || op == "AveragePool") {
    rank = n.integers("kernel_shape", {}).size() + 2;
  } else if (op == "BatchNormalization" || op == "GlobalAveragePool") {
    rank = onnxShapeOf(n.input(0)).size();
  } else {
    return false;
  }
  const bool perChannel = op == "BatchNormalization" && rank == 2;  // nn.BatchNorm1d on (N, C)
  if (rank != 3 && !perChannel) return false;

  Rewrite rewrite(*this, n, "2d");
  onnx::NodeProto node = n.proto();
  node.set_input(0, rewrite.reshaped(n.input(0), {0, 0, -1, 1}));
  if (op == "Conv") {
    const Tensor& w = constant(n, 1);
    const Shape& s = w.shape();
    node.set_input(1, rewrite.constant("weight", Tensor::view(w, 0, {s[0], s[1], s[2], 1}),
                                       m_learned.count(n.input(1)) > 0));
    m_qdq.sameWeight(n.input(1), node.input(1));  // an int8 QDQ weight stays int8
  }
  for (auto& a : *node.mutable_attribute()) {
    const std::string& name = a.name();
    if ((name == "kernel_shape" || name == "strides" || name == "dilations") && a.ints_size() == 1)
      a.add_ints(1);
    if (name == "pads" && a.ints_size() == 2) {  // (begin, end) -> (top, left, bottom, right)
      const int64_t begin = a.ints(0), end = a.ints(1);
      a.clear_ints();
      for (const int64_t p : {begin, int64_t{0}, end, int64_t{0}}) a.add_ints(p);
    }
  }
  const std::string result = rewrite.emit(std::move(node));
  rewrite.reshaped(result, perChannel ? std::vector<int64_t>{0, 0} : std::vector<int64_t>{0, 0, -1},
                   n.output());
  return true;
}

}  // namespace twb::onnx_import
