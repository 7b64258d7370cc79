#pragma once

// QDQ models read back as int8: QuantizeLinear / DequantizeLinear around the layers that run
// int8, the form `twb-engine export` writes int8 models in (and ONNX Runtime's static quantizer
// with symmetric activations). A DequantizeLinear of an int8 constant is the float weight it
// stands for, its scales the layer's weight scales; a QuantizeLinear -> DequantizeLinear pair on
// a computed value is that value, its scale the value's calibrated range (exec/quant_plan.h).

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "exec/quant_plan.h"
#include "io/onnx_imported_node.h"

namespace twb {

class QdqReader {
 public:
  // A DequantizeLinear of a constant: the float tensor, (q - zero point) * scale along its axis.
  // Remembers its scales when they can be the weight scales of a layer (zero points 0).
  Tensor dequantizeConstant(const ImportedNode& n, const std::map<std::string, Tensor>& constants);

  // A QuantizeLinear of a computed value: remembered for the DequantizeLinear that reads it.
  // Throws naming the node where the quantization is not the engine's (a zero point other than
  // 0, a scale per axis).
  void quantize(const ImportedNode& n, const std::map<std::string, Tensor>& constants);

  // A DequantizeLinear of a QuantizeLinear's output: the value quantized and its range; nullopt
  // for any other DequantizeLinear.
  struct Quantized {
    std::string value;
    ActivationRange range;
  };
  // Throws naming the node when its scale is not the QuantizeLinear's.
  std::optional<Quantized> dequantizeQuantized(
      const ImportedNode& n, const std::map<std::string, Tensor>& constants) const;

  // The scales of the dequantized constant `name` per index of axis `axis` (a single scale
  // repeated `channels` times), or nullopt when it is not one or has other scales.
  std::optional<std::vector<float>> weightScales(const std::string& name, int64_t axis,
                                                 int64_t channels) const;
  // The dequantized constant `name` seen as `reshaped` too (the same values in another shape,
  // its first axis kept): `reshaped` gets its scales.
  void sameWeight(const std::string& name, const std::string& reshaped);

 private:
  struct Scales {
    std::vector<float> values;
    int64_t axis = 0;  // of a single scale: -1, any axis
  };
  std::map<std::string, Scales> m_weights;
  struct Pending {
    Quantized quantized;
    float scale;
  };
  std::map<std::string, Pending> m_quantized;  // by QuantizeLinear output
};

}  // namespace twb
