#pragma once

#include <dnnl.hpp>
#include <initializer_list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/rank_collective.h"
#include "core/tensor.h"
#include "graph/graph.h"

namespace twb {

// The oneDNN engine and stream every CPU kernel uses (one CPU engine per process).
dnnl::engine& cpuEngine();
dnnl::stream& cpuStream();

// Why this CPU cannot run bf16, or "" when it can. oneDNN 2.x has bf16 kernels only for AVX-512
// CPUs (emulated on avx512_core, native with avx512_bf16 or AMX), so on an AVX2-only CPU every
// bf16 primitive is refused; asked once, by creating a small bf16 convolution and matmul.
const std::string& bf16Unavailable();

// The largest |q| an int8 matmul's weights may take: 127 where the CPU accumulates int8
// products in s32 (VNNI, AMX); 63 elsewhere, because oneDNN's AVX2 / AVX-512 int8 GEMM adds
// pairs of u8 x s8 products in s16 first, which saturates for 8-bit weights (2 * 255 * 127 >
// 32767: the mlp with signed inputs agreed with ONNX Runtime on 89 % of samples instead of 99).
int int8MatmulWeightLevels();

// The plain row-major layout of `shape` (nc, nchw, ...), the layout at the graph's edges.
dnnl::memory::desc plainDesc(const Shape& shape, DType dtype = DType::f32);
dnnl::memory::data_type dnnlType(DType dtype);
// `desc`'s layout (dimensions, blocking, strides) holding `dtype`.
dnnl::memory::desc withDType(const dnnl::memory::desc& desc, DType dtype);
// Where a backward that always writes a parameter's gradient writes it: the parameter's `grad`,
// or, where a frozen layer's parameter keeps none, a new tensor of `shape` (the caller keeps it).
Tensor writtenGradient(const Tensor& grad, const Shape& shape);
// Whether oneDNN chose its reference implementation (plain C++ loops, often 10-100x slower
// than its jit kernels) for a primitive: then a kernel may take another route.
bool isReferenceKernel(const dnnl::primitive_desc_base& pd);
// Whether `desc` is laid out channels-last (nhwc): its dimensions and type in that layout.
bool isChannelsLast(const dnnl::memory::desc& desc);
DType dtypeOf(const dnnl::memory::desc& desc);
Shape shapeOf(const dnnl::memory::desc& desc);

// A primitive with its arguments bound once. It executes through the C API with an argument
// array built here, because the C++ API's execute() builds a std::vector on every call.
class BoundPrimitive {
 public:
  BoundPrimitive(dnnl::primitive primitive, std::unordered_map<int, dnnl::memory> args);
  void execute(dnnl::stream& stream) const;

 private:
  dnnl::primitive m_primitive;
  std::unordered_map<int, dnnl::memory> m_args;  // keeps the memories alive
  std::vector<dnnl_exec_arg_t> m_cArgs;
};

// The buffers one kernel reads and writes, fixed once when the executor binds a plan.
struct KernelIO {
  std::vector<dnnl::memory> inputs;      // in the layouts their producers chose
  std::vector<dnnl::memory> inputGrads;  // same layouts as inputs; empty: no gradient wanted
  dnnl::memory output;
  dnnl::memory outputGrad;              // empty when not training
  std::vector<Tensor> params;           // plain f32, in the op's ParamSpec order
  std::vector<Tensor> paramGrads;       // empty tensors for non-trainable parameters
  std::shared_ptr<void> scratchpad;     // shared by all kernels; run one at a time
  const uint64_t* randomSeed = nullptr;  // changes every step (dropout masks)
  RankCollective* batchNormRanks = nullptr;  // synchronized BatchNorm's ranks; null: this one
  std::vector<Tensor> absorbedParams;        // of the node absorb() took in, plain f32
};

// Scales of an int8 kernel (a real value is q * scale), set by the executor from the
// quantization plan.
struct KernelQuant {
  std::vector<float> inputScales;   // per input
  float outputScale = 1;            // of a quantized output; 1 for an f32 output
  std::vector<float> weightScales;  // Conv2d and Linear: per output channel
  float residualScale = 0;          // of a shortcut summed into the output in place (absorb)

  // Conv2d and Linear accumulate acc = sum q_x * q_w in s32; oneDNN 2.x then computes
  // dst = scale[oc] * (acc + bias) and the fused ReLU, so scale[oc] = s_x * s_w[oc] / s_dst
  // and the bias is divided by s_x * s_w[oc].
  // Unless `toOutputUnits` is false: then dst is in real units (a fused activation scales later).
  std::vector<float> outputScales(bool toOutputUnits = true) const;
  Tensor scaledBias(const Tensor& bias) const;
};

// The CPU implementation of one node. prepare() chooses layouts and creates primitive
// descriptors; bind() creates primitives and argument maps over fixed buffers, allocating
// every workspace, so forward() and backward() allocate nothing.
class CpuKernel {
 public:
  virtual ~CpuKernel() = default;

  // Set by the executor before prepare() (exec/precision_policy.h): the type the primitives
  // compute in, and the type of the output (the same, except for logits cast back to f32).
  void setTypes(DType compute, DType output) {
    m_compute = compute;
    m_output = output;
  }
  DType computeType() const { return m_compute; }
  void setQuant(KernelQuant quant) { m_quant = std::move(quant); }
  const KernelQuant& quant() const { return m_quant; }
  // Inference on weights that stay as bound (ExecOptions::frozen), set before prepare(): weights
  // are laid out for the primitive once, at bind(), instead of at every forward.
  void setFrozen(bool frozen) { m_frozen = frozen; }
  // Whether an fp32 convolution may run by Winograd (ExecOptions::winograd), set before prepare().
  void setWinogradAllowed(bool allowed) { m_winogradAllowed = allowed; }
  bool isInt8() const { return m_compute == DType::s8 || m_compute == DType::u8; }

  // Returns the layout of the output for inputs laid out as `inputs`.
  virtual dnnl::memory::desc prepare(const GraphNode& node,
                                     const std::vector<dnnl::memory::desc>& inputs,
                                     bool training) = 0;
  virtual void bind(const KernelIO& io) = 0;
  // Frozen fp32 inference, and int8 inference for a residual sum, before prepare(): whether this
  // kernel also computes `next`, the only reader of `self`'s output, in its own primitive, never
  // storing the value between them. If it does, prepare() returns next's output layout and
  // bind() gets next's parameters in io.absorbedParams and next's output as io.output. When next
  // reads a second value (a residual shortcut's sum), `residual` is that value's layout:
  // io.output is then the residual's own buffer, which this kernel adds into in place (its only
  // reader is next); else it is empty. Under int8 the executor then gives this kernel next's
  // output type and scale, and the residual's scale (KernelQuant::residualScale).
  virtual bool absorb(const GraphNode& self, const GraphNode& next,
                      const dnnl::memory::desc& residual) {
    (void)self, (void)next, (void)residual;
    return false;
  }
  virtual void forward(dnnl::stream& stream) { run(m_forward, stream); }
  virtual void backward(dnnl::stream& stream) { run(m_backward, stream); }
  // Whether backward() reads input `i`, or the output, as bound; known after prepare(). A
  // training step lets other values use the bytes of one that no backward reads once its last
  // reader has run forward (exec/step_arena.h), so a kernel says no only where it is sure.
  virtual bool backwardReadsInput(size_t i) const {
    (void)i;
    return true;
  }
  virtual bool backwardReadsOutput() const { return true; }

  size_t scratchpadBytes() const { return m_scratchpadBytes; }
  // Memory the kernel makes for itself after bind(), once it runs (the transformed weights of a
  // training run's Winograd convolution), known after prepare(): the executor counts it with the
  // step's values before either is made. What bind() makes the executor measures.
  virtual size_t ownedBytes() const { return 0; }
  // What bind() will make as layout copies (weights and their gradient in a primitive's layout,
  // inputs of the backward passes), known after prepare(): what an executor's plan counts, where
  // a built one measures what binding made. Conv2d says its own (the largest); others 0.
  virtual size_t layoutCopyBytes() const { return 0; }
  // What computes this node's forward, for the profile: oneDNN's implementation of its first
  // primitive ("jit:avx2", "ref:any", ...) or the name of our own loop; "" before bind() or
  // for a kernel that only copies.
  const std::string& implementation() const { return m_implementation; }
  // The largest |q| of int8 weights this kernel multiplies exactly for `node` with an input of
  // this shape, s8 (else u8): the calibrator's limit, and the executor's for a plan calibrated
  // elsewhere.
  virtual int int8WeightLevels(const GraphNode& node, const Shape& input, bool signedInput) const {
    (void)node, (void)input, (void)signedInput;
    return 127;
  }

 protected:
  using Steps = std::vector<BoundPrimitive>;

  static void run(Steps& steps, dnnl::stream& stream);
  // Attributes every primitive gets: the scratchpad is ours, shared across the plan.
  static dnnl::primitive_attr attributes();
  // attributes() plus the node's fused activation (a ReLU or ReLU6 post-op, under int8 in the
  // output's units: set the quantization first); throws when training, where
  // a fused activation has no backward here.
  dnnl::primitive_attr attributesWithActivation(const GraphNode& node, bool training) const;
  // Appends `node`'s fused activation, if it has one, to `ops` (see attributesWithActivation).
  void appendActivation(dnnl::post_ops& ops, const GraphNode& node) const;
  // Whether the fused activation is no function of the scaled value (GELU, SiLU, Hardswish):
  // under int8 the output scales then stop at real units and the activation's post-ops scale to
  // the output's.
  static bool activationSeesRealValues(const GraphNode& node);
  // The oneDNN algorithm of such an activation (GELU, SiLU, Hardswish), alpha 1.
  static dnnl::algorithm realValuedActivation(const GraphNode& node);
  void noteScratchpad(const dnnl::memory::desc& scratchpad);
  // Appends a primitive step, adding the shared scratchpad to its arguments.
  void addStep(Steps& steps, dnnl::primitive primitive, std::unordered_map<int, dnnl::memory> args,
               const dnnl::memory::desc& scratchpad, const KernelIO& io);
  // A oneDNN binary: dst = scale * (src0 (algo) src1), src1 broadcast over src0's shape; its
  // scratchpad noted.
  dnnl::binary::primitive_desc binary(dnnl::algorithm algo, const dnnl::memory::desc& src0,
                                      const dnnl::memory::desc& src1, const dnnl::memory::desc& dst,
                                      float scale = 1);
  void addBinary(Steps& steps, const dnnl::binary::primitive_desc& pd, const dnnl::memory& src0,
                 const dnnl::memory& src1, const dnnl::memory& dst, const KernelIO& io);
  // Appends a reorder (a copy that converts layouts) from `from` into `to`.
  static void addReorder(Steps& steps, const dnnl::memory& from, const dnnl::memory& to);
  // `source` in layout `wanted`: itself when it already is, else a new buffer filled by a
  // reorder appended to `steps`.
  static dnnl::memory inLayout(Steps& steps, const dnnl::memory& source,
                               const dnnl::memory::desc& wanted);
  // Weights in layout `wanted`: laid out once, now, when frozen; else as inLayout() does, by a
  // reorder at every forward (training and evaluation change them between forwards).
  dnnl::memory weightsInLayout(const dnnl::memory& plain, const dnnl::memory::desc& wanted);
  // A buffer in layout `computed` for a primitive to write, copied into `target` by a reorder
  // that the caller appends after the primitive with finishInto().
  static dnnl::memory writeBuffer(const dnnl::memory& target, const dnnl::memory::desc& computed);
  static void finishInto(Steps& steps, const dnnl::memory& written, const dnnl::memory& target);
  // A tensor's buffer seen as a oneDNN memory of `desc` (no copy).
  static dnnl::memory wrap(const Tensor& t, const dnnl::memory::desc& desc);

  Steps m_forward, m_backward;
  size_t m_scratchpadBytes = 0;
  std::string m_implementation;  // set by the first addStep() to m_forward, or by the kernel
  DType m_compute = DType::f32, m_output = DType::f32;
  KernelQuant m_quant;
  bool m_frozen = false;
  bool m_winogradAllowed = true;
};

// Quantizes plain f32 weights into `target` (s8, any layout) once: q = round(w / scale[oc]),
// saturated, where `channelMask` marks the output-channel dimensions of the weights' dims.
void quantizeWeights(const dnnl::memory& plain, const dnnl::memory& target,
                     const std::vector<float>& scales, int channelMask);

// Creates the CPU kernel for an op by name; throws twb::Error when the op has none.
std::unique_ptr<CpuKernel> makeCpuKernel(const std::string& op);

// Registers a kernel for ops when the program starts: one static object in each kernel file,
// e.g. `const CpuKernelRegistration kLinear{{"Linear"}, makeKernel<CpuLinear>};`.
struct CpuKernelRegistration {
  using Factory = std::unique_ptr<CpuKernel> (*)();
  CpuKernelRegistration(std::initializer_list<const char*> ops, Factory make);
};
template <class Kernel>
std::unique_ptr<CpuKernel> makeKernel() {
  return std::make_unique<Kernel>();
}

}  // namespace twb
