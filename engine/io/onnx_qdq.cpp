#include "io/onnx_qdq.h"

#include <algorithm>

namespace twb {

namespace {
const Tensor& constantInput(const ImportedNode& n, int input,
                            const std::map<std::string, Tensor>& constants) {
  auto it = constants.find(n.input(input));
  if (it == constants.end())
    throw n.error("input '" + n.input(input) + "' must be a constant (an initializer)");
  return it->second;
}

float valueAt(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::s8:
      return t.data<int8_t>()[i];
    case DType::u8:
      return t.data<uint8_t>()[i];
    case DType::s32:
      return static_cast<float>(t.data<int32_t>()[i]);
    default:
      return t.data<float>()[i];
  }
}

// The zero point of a QuantizeLinear or DequantizeLinear (input 2, absent: 0, of type u8).
struct ZeroPoint {
  bool allZero = true;
  bool isUnsigned = true;
};
ZeroPoint zeroPointOf(const ImportedNode& n, const std::map<std::string, Tensor>& constants) {
  if (n.proto().input_size() < 3 || n.input(2).empty()) return {};
  const Tensor& zero = constantInput(n, 2, constants);
  ZeroPoint z{true, zero.dtype() == DType::u8};
  for (int64_t i = 0; i < zero.numel(); ++i) z.allZero = z.allZero && valueAt(zero, i) == 0;
  return z;
}
}  // namespace

Tensor QdqReader::dequantizeConstant(const ImportedNode& n,
                                     const std::map<std::string, Tensor>& constants) {
  const Tensor& q = constantInput(n, 0, constants);
  const Tensor& scale = constantInput(n, 1, constants);
  const Tensor* zero =
      n.proto().input_size() > 2 && !n.input(2).empty() ? &constantInput(n, 2, constants) : nullptr;
  const int64_t rank = static_cast<int64_t>(q.shape().size());
  int64_t axis = n.integer("axis", 1);
  if (axis < 0) axis += rank;
  const bool perAxis = scale.numel() > 1;
  if (scale.dtype() != DType::f32 || (zero && zero->numel() != scale.numel()) ||
      (perAxis && (axis < 0 || axis >= rank || q.shape()[axis] != scale.numel())))
    throw n.error("its scale must be float, one per entry of axis " + std::to_string(axis) +
                  " or one in all, with as many zero points");
  int64_t inner = 1;
  for (int64_t d = axis + 1; perAxis && d < rank; ++d) inner *= q.shape()[d];
  Tensor out(q.shape(), DType::f32);
  for (int64_t i = 0; i < q.numel(); ++i) {
    const int64_t c = perAxis ? (i / inner) % scale.numel() : 0;
    out.data<float>()[i] =
        (valueAt(q, i) - (zero ? valueAt(*zero, c) : 0.f)) * scale.data<float>()[c];
  }
  if (q.dtype() == DType::s8 && zeroPointOf(n, constants).allZero)
    m_weights[n.output()] = {{scale.data<float>(), scale.data<float>() + scale.numel()},
                             perAxis ? axis : -1};
  return out;
}

void QdqReader::quantize(const ImportedNode& n, const std::map<std::string, Tensor>& constants) {
  const Tensor& scale = constantInput(n, 1, constants);
  const ZeroPoint zero = zeroPointOf(n, constants);
  if (scale.numel() != 1 || scale.dtype() != DType::f32 || !(scale.data<float>()[0] > 0))
    throw n.error("only one positive float scale per quantized value is supported");
  if (!zero.allZero)
    throw n.error(
        "a zero point other than 0 (asymmetric int8) is not supported: the engine's "
        "int8 activations are symmetric");
  const float levels = zero.isUnsigned ? 255.f : 127.f;
  m_quantized[n.output()] = {{n.input(0), {scale.data<float>()[0] * levels, zero.isUnsigned}},
                             scale.data<float>()[0]};
}

std::optional<QdqReader::Quantized> QdqReader::dequantizeQuantized(
    const ImportedNode& n, const std::map<std::string, Tensor>& constants) const {
  auto it = m_quantized.find(n.input(0));
  if (it == m_quantized.end()) return std::nullopt;
  const Tensor& scale = constantInput(n, 1, constants);
  if (scale.numel() != 1 || scale.dtype() != DType::f32 ||
      scale.data<float>()[0] != it->second.scale)
    throw n.error("its scale is not the scale of the QuantizeLinear it reads");
  return it->second.quantized;
}

std::optional<std::vector<float>> QdqReader::weightScales(const std::string& name, int64_t axis,
                                                          int64_t channels) const {
  auto it = m_weights.find(name);
  if (it == m_weights.end()) return std::nullopt;
  if (it->second.axis == -1) return std::vector<float>(channels, it->second.values[0]);
  if (it->second.axis != axis || static_cast<int64_t>(it->second.values.size()) != channels)
    return std::nullopt;
  return it->second.values;
}

void QdqReader::sameWeight(const std::string& name, const std::string& reshaped) {
  if (auto it = m_weights.find(name); it != m_weights.end()) m_weights[reshaped] = it->second;
}

}  // namespace twb
