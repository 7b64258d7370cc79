#include "ops/onnx_writer.h"

#include "ops/op.h"

namespace twb {

std::vector<std::string> OnnxNodeIo::inputsAndParams() const {
  std::vector<std::string> all = inputs;
  all.insert(all.end(), params.begin(), params.end());
  return all;
}

void Op::channelAffine(const ParamLookup&, std::vector<float>&, std::vector<float>&) const {
  throw Error("is not a per-channel affine");
}

void Op::toOnnx(OnnxWriter&, const OnnxNodeIo&) const {
  throw Error(
      "has no ONNX inference form (losses are for training; export the model without "
      "them)");
}

}  // namespace twb
