#include "backend/cpu/cpu_kernel.h"

#include "core/cpu_info.h"
#include "core/error.h"
#include "ops/fused_activation.h"

namespace twb {

dnnl::engine& cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& cpuStream() {
  static dnnl::stream stream(cpuEngine());
  return stream;
}

const std::string& bf16Unavailable() {
  static const std::string reason = []() -> std::string {
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    try {
      const dnnl::memory::desc src({2, 8, 6, 6}, dt::bf16, tag::any), weights({8, 8, 3, 3}, dt::bf16, tag::any),
          dst({2, 8, 4, 4}, dt::bf16, tag::any);
      dnnl::convolution_forward::primitive_desc(
          {dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, src, weights, dst,
           {1, 1}, {0, 0}, {0, 0}},
          cpuEngine());
      const dnnl::memory::desc a({8, 16}, dt::bf16, tag::ab), b({16, 8}, dt::bf16, tag::ab),
          c({8, 8}, dt::f32, tag::ab);
      dnnl::matmul::primitive_desc({a, b, c}, cpuEngine());
      return {};
    } catch (const dnnl::error&) {
      const CpuInfo cpu = readCpuInfo();
      std::string isa;
      for (const std::string& flag : cpu.isaFlags()) isa += (isa.empty() ? "" : " ") + flag;
      return "oneDNN runs bf16 only on CPUs with AVX-512, and this CPU (" + cpu.model + ") has " +
             (isa.empty() ? std::string("none of avx2 / avx512") : isa);
    }
  }();
  return reason;
}

int int8MatmulWeightLevels() {
  static const int levels = [] {
    const CpuInfo cpu = readCpuInfo();
    return cpu.avx512Vnni || cpu.amxInt8 ? 127 : 63;
  }();
  return levels;
}

dnnl::memory::data_type dnnlType(DType dtype) {
  using dt = dnnl::memory::data_type;
  switch (dtype) {
    case DType::f32: return dt::f32;
    case DType::bf16: return dt::bf16;
    case DType::f16: return dt::f16;
    case DType::s8: return dt::s8;
    case DType::u8: return dt::u8;
    case DType::s32: return dt::s32;
  }
  return dt::undef;
}

DType dtypeOf(const dnnl::memory::desc& desc) {
  using dt = dnnl::memory::data_type;
  switch (desc.data_type()) {
    case dt::bf16: return DType::bf16;
    case dt::f16: return DType::f16;
    case dt::s8: return DType::s8;
    case dt::u8: return DType::u8;
    case dt::s32: return DType::s32;
    default: return DType::f32;
  }
}

Shape shapeOf(const dnnl::memory::desc& desc) {
  const auto dims = desc.dims();
  return Shape(dims.begin(), dims.end());
}

bool isReferenceKernel(const dnnl::primitive_desc_base& pd) {
  return std::string(pd.impl_info_str()).rfind("ref", 0) == 0;
}

bool isChannelsLast(const dnnl::memory::desc& desc) {
  return desc == dnnl::memory::desc(desc.dims(), desc.data_type(), dnnl::memory::format_tag::nhwc);
}

dnnl::memory::desc plainDesc(const Shape& shape, DType dtype) {
  const auto type = dnnlType(dtype);
  using tag = dnnl::memory::format_tag;
  static const tag kTags[] = {tag::a, tag::ab, tag::abc, tag::abcd, tag::abcde, tag::abcdef};
  if (shape.size() > 6) throw Error("rank " + std::to_string(shape.size()) + " is above 6");
  if (shape.empty()) return dnnl::memory::desc({1}, type, tag::a);
  return dnnl::memory::desc(dnnl::memory::dims(shape.begin(), shape.end()), type,
                            kTags[shape.size() - 1]);
}

dnnl::memory::desc withDType(const dnnl::memory::desc& desc, DType dtype) {
  dnnl_memory_desc_t c = desc.data;
  c.data_type = dnnl::memory::convert_to_c(dnnlType(dtype));
  c.extra = {};  // an int8 convolution's weights carry compensation; values do not
  return dnnl::memory::desc(c);
}

Tensor writtenGradient(const Tensor& grad, const Shape& shape) {
  return grad.empty() ? Tensor(shape, DType::f32) : grad;
}

BoundPrimitive::BoundPrimitive(dnnl::primitive primitive,
                               std::unordered_map<int, dnnl::memory> args)
    : m_primitive(std::move(primitive)), m_args(std::move(args)) {
  for (const auto& [arg, memory] : m_args) m_cArgs.push_back({arg, memory.get()});
}

void BoundPrimitive::execute(dnnl::stream& stream) const {
  const dnnl_status_t status = dnnl_primitive_execute(
      m_primitive.get(), stream.get(), static_cast<int>(m_cArgs.size()), m_cArgs.data());
  if (status != dnnl_success)
    throw Error("oneDNN could not execute a primitive (status " + std::to_string(status) + ")");
}

void CpuKernel::run(Steps& steps, dnnl::stream& stream) {
  for (const auto& s : steps) s.execute(stream);
}

dnnl::primitive_attr CpuKernel::attributes() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

dnnl::primitive_attr CpuKernel::attributesWithActivation(const GraphNode& node, bool training) const {
  dnnl::primitive_attr attr = attributes();
  if (fusedActivation(node.op->attrs()) == FusedActivation::none) return attr;
  if (training)
    throw Error("node '" + node.name + "': a fused activation is for inference graphs; train " +
                "with a separate ReLU node");
  dnnl::post_ops ops;
  appendActivation(ops, node);
  attr.set_post_ops(ops);
  return attr;
}

void CpuKernel::appendActivation(dnnl::post_ops& ops, const GraphNode& node) const {
  // Under int8 the post-op sees the output in its own units, q = real / scale, except where
  // activationSeesRealValues: then a second post-op scales its result.
  switch (fusedActivation(node.op->attrs())) {
    case FusedActivation::none:
      break;
    case FusedActivation::relu:
      ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
      break;
    case FusedActivation::relu6:
      ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, 6.f / m_quant.outputScale);
      break;
    default:  // GELU, SiLU, Hardswish: on real values, then scaled to the output's units
      ops.append_eltwise(1.f, realValuedActivation(node), 1.f, 0.f);
      if (m_quant.outputScale != 1.f)
        ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, 1.f / m_quant.outputScale, 0.f);
  }
}

bool CpuKernel::activationSeesRealValues(const GraphNode& node) {
  // All but ReLU and ReLU6, which commute with the output's positive scale.
  const FusedActivation activation = fusedActivation(node.op->attrs());
  return activation != FusedActivation::none && activation != FusedActivation::relu &&
         activation != FusedActivation::relu6;
}

dnnl::algorithm CpuKernel::realValuedActivation(const GraphNode& node) {
  switch (fusedActivation(node.op->attrs())) {
    case FusedActivation::silu:
      return dnnl::algorithm::eltwise_swish;  // x * sigmoid(alpha x), alpha 1
    case FusedActivation::hardswish:
      return dnnl::algorithm::eltwise_hardswish;
    default:
      return dnnl::algorithm::eltwise_gelu_erf;
  }
}

std::vector<float> KernelQuant::outputScales(bool toOutputUnits) const {
  std::vector<float> scales(weightScales.size());
  for (size_t c = 0; c < scales.size(); ++c)
    scales[c] = inputScales[0] * weightScales[c] / (toOutputUnits ? outputScale : 1.f);
  return scales;
}

Tensor KernelQuant::scaledBias(const Tensor& bias) const {
  Tensor scaled = bias.clone();
  float* b = scaled.data<float>();
  for (size_t c = 0; c < weightScales.size(); ++c) b[c] /= inputScales[0] * weightScales[c];
  return scaled;
}

void quantizeWeights(const dnnl::memory& plain, const dnnl::memory& target,
                     const std::vector<float>& scales, int channelMask) {
  std::vector<float> inverse(scales.size());
  for (size_t i = 0; i < scales.size(); ++i) inverse[i] = 1.f / scales[i];
  // Two reorders: scaling into s8 in the plain layout, then into the primitive's layout. One
  // would do, but oneDNN 2.6 has no scaled reorder into the compensated weights an s8-input
  // matmul wants.
  const auto& blocking = plain.get_desc().data.format_desc.blocking;
  const dnnl::memory::desc plainDesc = plain.get_desc();
  const dnnl::memory::dims strides(blocking.strides, blocking.strides + plainDesc.data.ndims);
  const dnnl::memory quantized(
      dnnl::memory::desc(plainDesc.dims(), dnnl::memory::data_type::s8, strides), cpuEngine());
  dnnl::primitive_attr attr;
  attr.set_output_scales(channelMask, inverse);
  const dnnl::reorder::primitive_desc pd(cpuEngine(), plainDesc, cpuEngine(),
                                         quantized.get_desc(), attr);
  dnnl::reorder(pd).execute(cpuStream(), const_cast<dnnl::memory&>(plain),
                            const_cast<dnnl::memory&>(quantized));
  dnnl::reorder(quantized, target)
      .execute(cpuStream(), const_cast<dnnl::memory&>(quantized),
               const_cast<dnnl::memory&>(target));
  cpuStream().wait();
}

void CpuKernel::noteScratchpad(const dnnl::memory::desc& scratchpad) {
  m_scratchpadBytes = std::max(m_scratchpadBytes, scratchpad.get_size());
}

dnnl::binary::primitive_desc CpuKernel::binary(dnnl::algorithm algo, const dnnl::memory::desc& src0,
                                               const dnnl::memory::desc& src1,
                                               const dnnl::memory::desc& dst, float scale) {
  dnnl::primitive_attr attr = attributes();
  if (scale != 1) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, scale, 0.f);
    attr.set_post_ops(ops);
  }
  dnnl::binary::primitive_desc pd({algo, src0, src1, dst}, attr, cpuEngine());
  noteScratchpad(pd.scratchpad_desc());
  return pd;
}

void CpuKernel::addBinary(Steps& steps, const dnnl::binary::primitive_desc& pd,
                          const dnnl::memory& src0, const dnnl::memory& src1,
                          const dnnl::memory& dst, const KernelIO& io) {
  addStep(steps, dnnl::binary(pd),
          {{DNNL_ARG_SRC_0, src0}, {DNNL_ARG_SRC_1, src1}, {DNNL_ARG_DST, dst}},
          pd.scratchpad_desc(), io);
}

void CpuKernel::addStep(Steps& steps, dnnl::primitive primitive,
                        std::unordered_map<int, dnnl::memory> args,
                        const dnnl::memory::desc& scratchpad, const KernelIO& io) {
  if (scratchpad.get_size() > 0)
    args[DNNL_ARG_SCRATCHPAD] = dnnl::memory(scratchpad, cpuEngine(), io.scratchpad.get());
  if (&steps == &m_forward && m_implementation.empty()) {
    const char* name = nullptr;
    if (dnnl_primitive_desc_query(primitive.get_primitive_desc(), dnnl_query_impl_info_str, 0,
                                  &name) == dnnl_success &&
        name)
      m_implementation = name;
  }
  steps.emplace_back(std::move(primitive), std::move(args));
}

void CpuKernel::addReorder(Steps& steps, const dnnl::memory& from, const dnnl::memory& to) {
  steps.emplace_back(dnnl::reorder(from, to),
                     std::unordered_map<int, dnnl::memory>{{DNNL_ARG_FROM, from},
                                                           {DNNL_ARG_TO, to}});
}

dnnl::memory CpuKernel::inLayout(Steps& steps, const dnnl::memory& source,
                                 const dnnl::memory::desc& wanted) {
  if (source.get_desc() == wanted) return source;
  dnnl::memory converted(wanted, cpuEngine());
  addReorder(steps, source, converted);
  return converted;
}

dnnl::memory CpuKernel::weightsInLayout(const dnnl::memory& plain,
                                        const dnnl::memory::desc& wanted) {
  if (!m_frozen) return inLayout(m_forward, plain, wanted);
  if (plain.get_desc() == wanted) return plain;
  dnnl::memory laidOut(wanted, cpuEngine());
  dnnl::reorder(plain, laidOut).execute(cpuStream(), const_cast<dnnl::memory&>(plain), laidOut);
  cpuStream().wait();
  return laidOut;
}

dnnl::memory CpuKernel::writeBuffer(const dnnl::memory& target,
                                    const dnnl::memory::desc& computed) {
  if (target.get_desc() == computed) return target;
  return dnnl::memory(computed, cpuEngine());
}

void CpuKernel::finishInto(Steps& steps, const dnnl::memory& written, const dnnl::memory& target) {
  if (written == target) return;
  addReorder(steps, written, target);
}

dnnl::memory CpuKernel::wrap(const Tensor& t, const dnnl::memory::desc& desc) {
  if (desc.get_size() != t.bytes())
    throw Error("internal: a " + std::to_string(t.bytes()) + "-byte tensor cannot hold a " +
                std::to_string(desc.get_size()) + "-byte oneDNN memory");
  return dnnl::memory(desc, cpuEngine(), t.raw());
}

}  // namespace twb
