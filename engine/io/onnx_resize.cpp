// Resize (and Upsample before opset 10), as PyTorch writes nn.Upsample and F.interpolate: an
// `Upsample` by whole factors of the height and width, nearest or bilinear. The coordinate
// rules the engine's sampling agrees with are read, the others refused naming the node.

#include <onnx/onnx_pb.h>

#include <cmath>
#include <optional>

#include "core/error.h"
#include "io/onnx_importer.h"

namespace twb::onnx_import {

namespace {
// A factor that is a whole number, or nullopt.
std::optional<int64_t> wholeFactor(double factor) {
  const double rounded = std::round(factor);
  if (rounded < 1 || std::abs(factor - rounded) > 1e-6) return std::nullopt;
  return static_cast<int64_t>(rounded);
}
}  // namespace

void Importer::resize(const ImportedNode& n) {
  const bool resize = n.proto().op_type() == "Resize";
  const std::vector<SymbolicDim> shape = onnxShapeOf(n.input(0));
  if (shape.size() != 4) throw n.error("only images, (N, C, H, W), are resized");
  // The factors of (N, C, H, W): an attribute (Upsample-7), the input after X (Upsample-9,
  // Resize-10), after X and roi (Resize-11 on), or from the sizes (Resize-11 on).
  std::vector<double> factors;
  const int scalesInput = !resize || m_opset < 11 ? 1 : 2;
  auto given = [&](int i) { return n.proto().input_size() > i && !n.input(i).empty(); };
  if (!resize && !given(1)) {
    for (const auto& a : n.proto().attribute())
      if (a.name() == "scales") factors.assign(a.floats().begin(), a.floats().end());
  } else if (given(scalesInput) && constant(n, scalesInput).numel() > 0) {
    const Tensor& scales = constant(n, scalesInput);
    factors.assign(scales.data<float>(), scales.data<float>() + scales.numel());
  } else if (resize && given(3)) {
    const std::vector<SymbolicDim> sizes = sizesOf(n, 3);
    if (sizes.size() != 4)
      throw n.error("its sizes name " + std::to_string(sizes.size()) + " dimensions, not 4");
    for (size_t i = 0; i < 4; ++i)
      factors.push_back(i < 2
                            ? (sizes[i].batch == shape[i].batch && sizes[i].value == shape[i].value)
                            : static_cast<double>(sizes[i].value) / shape[i].value);
  }
  if (factors.size() != 4) throw n.error("has no scales or sizes for (N, C, H, W)");
  if (factors[0] != 1 || factors[1] != 1) throw n.error("resizes the batch or the channels");
  const auto height = wholeFactor(factors[2]), width = wholeFactor(factors[3]);
  if (!height || !width)
    throw n.error("only whole factors (2, 3, ...) are supported, not " +
                  std::to_string(factors[2]) + " x " + std::to_string(factors[3]));

  const std::string mode = n.text("mode", "nearest");
  const std::string coordinates = n.text("coordinate_transformation_mode",
                                         resize && m_opset >= 11 ? "half_pixel" : "asymmetric");
  const std::string rounding = n.text("nearest_mode", "round_prefer_floor");
  const bool centres = coordinates == "half_pixel" || coordinates == "pytorch_half_pixel";
  if (mode == "linear") {
    if (!centres)
      throw n.error("linear resizing with coordinate_transformation_mode '" + coordinates +
                    "' is not supported, only at pixel centres (half_pixel: align_corners=False, "
                    "which PyTorch exports from opset 11 on)");
  } else if (mode == "nearest") {
    // With whole factors both agree with the engine's: input pixel floor(output / factor).
    if (!(coordinates == "asymmetric" && (rounding == "floor" || !resize || m_opset < 11)) &&
        !(centres && rounding.starts_with("round_prefer")))
      throw n.error("nearest resizing with coordinate_transformation_mode '" + coordinates +
                    "' and nearest_mode '" + rounding + "' is not supported");
  } else {
    throw n.error("mode '" + mode + "' is not supported (nearest or linear)");
  }
  add(n, "Upsample", {value(n, 0)},
      {{"scale", {*height, *width}}, {"mode", mode == "linear" ? "bilinear" : "nearest"}});
}

}  // namespace twb::onnx_import
