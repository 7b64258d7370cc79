#include "ops/op.h"

namespace twb {

// What an op without these abilities says when asked.
void Op::channelAffine(const ParamLookup&, std::vector<float>&, std::vector<float>&) const {
  throw Error("is not a per-channel affine");
}

void Op::toOnnx(OnnxWriter&, const OnnxNodeIo&) const {
  throw Error(
      "has no ONNX inference form (losses are for training; export the model without "
      "them)");
}

}  // namespace twb
