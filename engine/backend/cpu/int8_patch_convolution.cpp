#include "backend/cpu/int8_patch_convolution.h"

#include <algorithm>

namespace twb {

namespace {
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;
}  // namespace

std::unique_ptr<Int8PatchConvolution> Int8PatchConvolution::choose(
    const GraphNode& node, const dnnl::convolution_forward::primitive_desc& direct,
    const dnnl::primitive_attr& attr, bool hasBias) {
  const Attrs& a = node.op->attrs();
  const auto& w = node.params[0].shape;  // (OC, IC, KH, KW)
  const auto inDims = direct.src_desc().dims(), outDims = direct.dst_desc().dims();
  const auto stride = a.pair("stride"), pad = a.pair("padding");
  const ConvolutionPatches::Shape shape{inDims[1], inDims[2],  inDims[3], w[2],
                                        w[3],      stride[0],  stride[1], pad[0],
                                        pad[1],    outDims[2], outDims[3]};
  if (a.integer("groups") != 1 || a.pair("dilation") != std::vector<int64_t>{1, 1} ||
      !isChannelsLast(direct.src_desc()) || !isChannelsLast(direct.dst_desc()) ||
      !ConvolutionPatches::supports(shape))
    return nullptr;
  const int64_t row = ConvolutionPatches(shape).rowBytes();
  const dnnl::memory::desc rows({1, row, outDims[2], outDims[3]}, direct.src_desc().data_type(),
                                tag::nhwc),
      weights({w[0], row, 1, 1}, dt::s8, tag::any), bias({w[0]}, dt::f32, tag::a),
      dst({1, w[0], outDims[2], outDims[3]}, direct.dst_desc().data_type(), tag::nhwc);
  const auto prop = dnnl::prop_kind::forward_inference;
  const auto algo = dnnl::algorithm::convolution_direct;
  const dnnl::memory::dims one{1, 1}, none{0, 0};
  dnnl::convolution_forward::primitive_desc image =
      hasBias
          ? dnnl::convolution_forward::primitive_desc(
                {prop, algo, rows, weights, bias, dst, one, none, none, none}, attr, cpuEngine())
          : dnnl::convolution_forward::primitive_desc(
                {prop, algo, rows, weights, dst, one, none, none, none}, attr, cpuEngine());
  if (isReferenceKernel(image)) return nullptr;
  return std::unique_ptr<Int8PatchConvolution>(new Int8PatchConvolution(shape, std::move(image)));
}

size_t Int8PatchConvolution::scratchpadBytes() const {
  return patchBytes() + m_image.scratchpad_desc().get_size();
}

void Int8PatchConvolution::bind(const dnnl::memory& src, const dnnl::memory& weights,
                                const std::vector<float>& weightScales, const dnnl::memory& bias,
                                const dnnl::memory& dst, uint8_t* scratchpad) {
  const auto w = weights.get_desc().dims();  // (OC, IC, KH, KW)
  const int64_t row = m_patches.rowBytes();
  dnnl::memory rowsOfWeights(dnnl::memory::desc({w[0], row, 1, 1}, dt::s8, tag::oihw), cpuEngine());
  std::fill_n(static_cast<int8_t*>(rowsOfWeights.get_data_handle()), w[0] * row, 0);
  quantizeWeights(weights,
                  dnnl::memory(dnnl::memory::desc(w, dt::s8, {row, 1, w[3] * w[1], w[1]}),
                               cpuEngine(), rowsOfWeights.get_data_handle()),
                  weightScales, 0b1);
  dnnl::memory laidOut(m_image.weights_desc(), cpuEngine());
  dnnl::reorder(rowsOfWeights, laidOut).execute(cpuStream(), rowsOfWeights, laidOut);
  cpuStream().wait();
  m_rows = scratchpad;
  m_source = static_cast<const uint8_t*>(src.get_data_handle());
  const auto inDims = src.get_desc().dims();
  m_sourceBytes = static_cast<size_t>(inDims[1] * inDims[2] * inDims[3]);
  const size_t imageOut = m_image.dst_desc().get_size();
  m_steps.clear();
  for (int64_t n = 0; n < inDims[0]; ++n) {
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, dnnl::memory(m_image.src_desc(), cpuEngine(), m_rows)},
        {DNNL_ARG_WEIGHTS, laidOut},
        {DNNL_ARG_DST, dnnl::memory(m_image.dst_desc(), cpuEngine(),
                                    static_cast<uint8_t*>(dst.get_data_handle()) + n * imageOut)}};
    if (bias) args[DNNL_ARG_BIAS] = bias;
    if (m_image.scratchpad_desc().get_size() > 0)
      args[DNNL_ARG_SCRATCHPAD] =
          dnnl::memory(m_image.scratchpad_desc(), cpuEngine(), scratchpad + patchBytes());
    m_steps.emplace_back(dnnl::convolution_forward(m_image), std::move(args));
  }
}

void Int8PatchConvolution::run(dnnl::stream& stream) const {
  for (size_t n = 0; n < m_steps.size(); ++n) {
    m_patches.extract(m_source + n * m_sourceBytes, m_rows);
    m_steps[n].execute(stream);
  }
}

std::string Int8PatchConvolution::name() const {
  return std::string("patches + ") + m_image.impl_info_str();
}

}  // namespace twb
