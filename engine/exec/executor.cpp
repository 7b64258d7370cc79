#include "exec/executor.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "backend/cpu/cpu_kernel.h"
#include "core/error.h"
#include "core/heap_in_use.h"
#include "core/memory_need.h"
#include "exec/gradient_values.h"
#include "exec/int8_placement.h"
#include "exec/step_arena.h"

namespace twb {

namespace {
constexpr const char* kStepMemoryRemedy = "give a smaller batch or smaller inputs";

Error primitiveFailure(const GraphNode& node, const dnnl::error& e) {
  return Error("node '" + node.name + "' (" + node.opName + "): oneDNN could not create its " +
               "primitives: " + e.what());
}
}  // namespace

Executor::Executor(Graph graph, ParameterStore& params, ExecOptions options)
    : Executor(std::move(graph), options) {
  const std::vector<dnnl::memory::desc> layouts = prepareKernels(params);
  // What the process may have before the step's buffers are made: the values are checked against
  // it before they are allocated, and the kernels' own buffers with them once those are made.
  const AvailableMemory available = availableMemory();
  MemoryNeed need = allocateBuffers(layouts, available);
  const size_t heapBeforeBinding = heapBytesInUse();
  bindKernels(layouts, params);
  // What the kernels made for themselves as they bound: oneDNN's workspaces (pooling's indices,
  // BatchNorm's), inputs and gradients laid out for a primitive, dropout masks, a frozen model's
  // transformed weights. Measured, not summed from the kernels, since each makes its own.
  const size_t heapAfterBinding = heapBytesInUse();
  if (heapAfterBinding > heapBeforeBinding) {
    need.add(heapAfterBinding - heapBeforeBinding, "the kernels' workspaces and layout copies");
    need.checkAvailable(kStepMemoryRemedy, available);
  }
  // Held aside from later checks (the evaluation's executor, the optimizer's state) until the
  // first step writes it: what of it is not in use yet, and the parameters' gradients, which
  // stay on fresh pages until the first backward writes them (ParameterStore::add).
  const int64_t written = std::max<int64_t>(0, available.bytes - availableMemory().bytes);
  size_t gradients = 0;
  if (m_options.mode == ExecMode::train)
    for (const auto& [name, spec] : m_graph.parameters())
      if (spec.trainable) gradients += params.at(name).grad.bytes();
  m_unwritten =
      MemoryReservation(need.total() - std::min<size_t>(need.total(), written) + gradients);
}

Executor::Executor(Graph graph, ExecOptions options)
    : m_graph(std::move(graph)), m_options(options) {
  if (options.precision == Precision::bf16 && !bf16Unavailable().empty())
    throw Error("bf16 is not available on this CPU: " + bf16Unavailable());
}

MemoryNeed Executor::plannedNeed(Graph graph, const ParameterStore& params, ExecOptions options) {
  Executor planned(std::move(graph), options);
  const std::vector<dnnl::memory::desc> layouts = planned.prepareKernels(params);
  const std::vector<bool> needsGrad = planned.gradientNeeds();
  const std::vector<int> inPlaceOf = planned.valuesSummedInPlace();
  MemoryNeed need = planned.stepNeed(layouts, planned.placeStep(layouts, needsGrad, inPlaceOf),
                                     needsGrad, inPlaceOf);
  // What binding would make, which a built executor measures instead (its constructor).
  size_t copies = 0;
  for (const auto& kernel : planned.m_kernels) copies += kernel->layoutCopyBytes();
  if (copies > 0) need.add(copies, "the kernels' layout copies");
  return need;
}

std::vector<dnnl::memory::desc> Executor::prepareKernels(const ParameterStore& params) {
  const auto& values = m_graph.values();
  const auto& outputs = m_graph.outputs();
  std::vector<dnnl::memory::desc> layouts(values.size());
  for (int v : m_graph.inputs()) layouts[v] = plainDesc(values[v].shape, values[v].dtype);
  const bool int8 = m_options.precision == Precision::int8;
  if (int8 && !m_options.quant)
    throw Error("int8 execution needs a quantization plan: make an int8 model with "
                "twb-engine quantize");
  if (int8 && m_options.mode == ExecMode::train)
    throw Error("int8 is for inference: train in fp32 or bf16, then quantize the result");
  m_valueScales.assign(values.size(), 0.f);
  if (int8) {
    m_placement = placeInt8(m_graph, *m_options.quant);
    m_valueScales = m_placement.storedScale;
  }
  m_castPlans.resize(m_graph.nodes().size());
  m_absorbedBy.assign(m_graph.nodes().size(), -1);
  // In execution order, so each kernel sees the layouts its inputs' producers chose.
  size_t scratchpadBytes = 0;
  for (const auto& node : m_graph.nodes()) {
    auto kernel = makeCpuKernel(node.opName);
    if (m_absorbedBy[m_kernels.size()] >= 0) {  // computed by an earlier node's kernel
      m_kernels.push_back(std::move(kernel));
      continue;
    }
    kernel->setFrozen(m_options.frozen && m_options.mode == ExecMode::infer);
    kernel->setWinogradAllowed(m_options.winograd);
    std::vector<dnnl::memory::desc> in;
    for (int v : node.inputs) in.push_back(layouts[v]);
    if (int8) {
      chooseInt8(m_kernels.size(), in, *kernel, params);
    } else {
      const OpPrecision precision = opPrecision(node.op->traits(), m_options.precision);
      const DType compute = precision.followsInput ? dtypeOf(in[0]) : precision.compute;
      const bool isOutput =
          std::find(outputs.begin(), outputs.end(), node.output) != outputs.end();
      kernel->setTypes(compute, outputType(node.op->traits(), compute, isOutput));
    }
    const int absorbed = absorbableReader(m_kernels.size());
    if (absorbed >= 0) {
      const int residual = residualOf(m_kernels.size(), absorbed);
      if (kernel->absorb(node, m_graph.nodes()[absorbed],
                         residual >= 0 ? layouts[residual] : dnnl::memory::desc())) {
        m_absorbedBy[absorbed] = static_cast<int>(m_kernels.size());
        if (int8) sumInt8Into(*kernel, m_graph.nodes()[absorbed].output, residual);
      }
    }
    try {
      const dnnl::memory::desc out = kernel->prepare(node, in, m_options.mode == ExecMode::train);
      if (absorbed >= 0 && m_absorbedBy[absorbed] >= 0) {
        layouts[m_graph.nodes()[absorbed].output] = out;
        layouts[node.output] = dnnl::memory::desc();  // never stored
      } else {
        layouts[node.output] = out;
      }
    } catch (const dnnl::error& e) {
      throw primitiveFailure(node, e);
    }
    scratchpadBytes = std::max(scratchpadBytes, kernel->scratchpadBytes());
    m_kernels.push_back(std::move(kernel));
  }
  m_scratchpadBytes = scratchpadBytes;
  return layouts;
}

int Executor::absorbableReader(size_t n) const {
  const bool int8 = m_options.precision == Precision::int8;
  const bool frozenFp32 = m_options.frozen && m_options.precision == Precision::fp32;
  if (m_options.mode != ExecMode::infer || !(int8 || frozenFp32)) return -1;
  const int value = m_graph.nodes()[n].output;
  const GraphValue& v = m_graph.values()[value];
  const auto& outputs = m_graph.outputs();
  if (v.consumers.size() != 1 || std::find(outputs.begin(), outputs.end(), value) != outputs.end())
    return -1;
  const int reader = v.consumers[0];
  const size_t reads = m_graph.nodes()[reader].inputs.size();
  const int residual = reads == 2 ? residualOf(n, reader) : -1;
  if (int8)  // int8 weights are quantized once, frozen or not; only sums of int8 values
    return residual >= 0 && m_placement.nodeInt8[n] && m_placement.nodeInt8[reader] &&
                   m_valueScales[value] > 0 && m_valueScales[residual] > 0 &&
                   m_valueScales[m_graph.nodes()[reader].output] > 0
               ? reader
               : -1;
  return reads == 1 || residual >= 0 ? reader : -1;
}

void Executor::sumInt8Into(CpuKernel& kernel, int sum, int residual) {
  KernelQuant quant = kernel.quant();
  quant.outputScale = m_valueScales[sum];
  quant.residualScale = m_valueScales[residual];
  kernel.setTypes(kernel.computeType(), m_placement.storedType[sum]);
  kernel.setQuant(std::move(quant));
}

int Executor::residualOf(size_t n, int reader) const {
  const auto& inputs = m_graph.nodes()[reader].inputs;
  const int mine = m_graph.nodes()[n].output;
  if (inputs.size() != 2 || inputs[0] == inputs[1]) return -1;
  const int other = inputs[0] == mine ? inputs[1] : inputs[0];
  const GraphValue& v = m_graph.values()[other];
  const auto& outputs = m_graph.outputs();
  const bool computedBefore = v.producer >= 0 && v.producer < static_cast<int>(n);
  // Nodes run in order: a reader before n is done with the value by then (a ResNet block's
  // first convolution reads the shortcut too).
  const bool readBefore = std::all_of(v.consumers.begin(), v.consumers.end(), [&](int c) {
    return c == reader || c < static_cast<int>(n);
  });
  return computedBefore && readBefore &&
                 std::find(outputs.begin(), outputs.end(), other) == outputs.end()
             ? other
             : -1;
}

void Executor::chooseInt8(size_t n, std::vector<dnnl::memory::desc>& in, CpuKernel& kernel,
                          const ParameterStore& params) {
  const QuantPlan& plan = *m_options.quant;
  const GraphNode& node = m_graph.nodes()[n];
  if (node.op->traits().int8 == Int8Role::followsInput) {
    kernel.setTypes(dtypeOf(in[0]), dtypeOf(in[0]));
    return;
  }
  const bool runsInt8 = m_placement.nodeInt8[n];
  KernelQuant quant;
  std::vector<DType> wanted(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const int v = node.inputs[i];
    const bool storedInt8 = m_valueScales[v] > 0;
    wanted[i] = storedInt8 ? DType::f32 : dtypeOf(in[i]);  // fp32 ops dequantize; labels stay
    if (runsInt8) {
      wanted[i] = m_placement.inputRange(m_graph, plan, v).type();
      quant.inputScales.push_back(m_placement.inputScale(m_graph, plan, v));
    }
    if (wanted[i] == dtypeOf(in[i])) continue;
    // Cast in the producer's layout: a kernel reads any, and a plain copy between two blocked
    // ones cost a reorder more (EfficientNet-B0's squeeze-excite in int8: 62 -> 54 ms a batch).
    in[i] = withDType(in[i], wanted[i]);
    m_castPlans[n].push_back({i, in[i], runsInt8 ? quant.inputScales[i] : m_valueScales[v]});
  }
  if (!runsInt8) {
    kernel.setTypes(DType::f32, DType::f32);
    return;
  }
  const int out = node.output;
  const bool outputInt8 = m_valueScales[out] > 0;
  if (outputInt8) quant.outputScale = m_valueScales[out];
  // The plan's weight scales, unless it was calibrated for kernels more exact than this CPU's.
  if (node.op->traits().int8 == Int8Role::weighted)
    quant.weightScales = weightScalesWithin(
        plan.layers.at(node.name).weightScales, params.at(node.name + ".weight").value,
        kernel.int8WeightLevels(node, m_graph.values()[node.inputs[0]].shape,
                                wanted[0] == DType::s8));
  kernel.setTypes(wanted[0], outputInt8 ? m_placement.storedType[out] : DType::f32);
  kernel.setQuant(std::move(quant));
}

std::vector<int> Executor::valuesSummedInPlace() {
  // A sum computed in place in its residual's buffer (CpuKernel::absorb) is stored there.
  m_summedInto.assign(m_graph.values().size(), -1);
  std::vector<int> inPlaceOf(m_graph.values().size(), -1);
  for (size_t n = 0; n < m_graph.nodes().size(); ++n) {
    const int absorber = m_absorbedBy[n];
    const int residual =
        absorber >= 0 ? residualOf(static_cast<size_t>(absorber), static_cast<int>(n)) : -1;
    if (residual < 0) continue;
    m_summedInto[static_cast<size_t>(residual)] = m_graph.nodes()[n].output;
    inPlaceOf[static_cast<size_t>(m_graph.nodes()[n].output)] = residual;
  }
  return inPlaceOf;
}

std::vector<bool> Executor::gradientNeeds() const {
  return gradientValues(m_graph, m_options.mode == ExecMode::train, m_options.inputGradients);
}

StepPlacement Executor::placeStep(const std::vector<dnnl::memory::desc>& layouts,
                                  const std::vector<bool>& needsGrad,
                                  const std::vector<int>& inPlaceOf) const {
  if (m_options.keepEveryValue) return ownBuffers(m_graph, needsGrad);
  std::vector<size_t> sizes;
  for (const auto& layout : layouts) sizes.push_back(layout.get_size());
  if (m_options.mode == ExecMode::infer) {
    std::vector<int> writer(sizes.size(), -1);
    for (size_t n = 0; n < m_kernels.size(); ++n)
      writer[static_cast<size_t>(m_graph.nodes()[n].output)] =
          m_absorbedBy[n] >= 0 ? m_absorbedBy[n] : static_cast<int>(n);
    return placeInference(m_graph, sizes, writer, inPlaceOf);
  }
  BackwardReads reads;
  for (size_t n = 0; n < m_kernels.size(); ++n) {
    reads.inputs.emplace_back();
    for (size_t i = 0; i < m_graph.nodes()[n].inputs.size(); ++i)
      reads.inputs.back().push_back(m_kernels[n]->backwardReadsInput(i));
    reads.output.push_back(m_kernels[n]->backwardReadsOutput());
  }
  return placeTrainingStep(m_graph, needsGrad, sizes, reads);
}

MemoryNeed Executor::stepNeed(const std::vector<dnnl::memory::desc>& layouts,
                              const StepPlacement& placement, const std::vector<bool>& needsGrad,
                              const std::vector<int>& inPlaceOf) const {
  MemoryNeed need("the step's values and kernel buffers at batch " +
                  std::to_string(m_graph.batch()));
  auto own = [](size_t offset) { return offset == StepPlacement::kOwnBuffer; };
  for (size_t v = 0; v < layouts.size(); ++v) {
    const size_t size = layouts[v].get_size();
    size_t ownGradients = 0;
    if (needsGrad[v]) {
      ownGradients += own(placement.gradOffset[v]) ? size : 0;
      for (size_t offset : placement.shareOffsets[v]) ownGradients += own(offset) ? size : 0;
    }
    const size_t ownValue = inPlaceOf[v] < 0 && own(placement.valueOffset[v]) ? size : 0;
    if (!ownValue && !ownGradients) continue;
    const GraphValue& value = m_graph.values()[v];
    need.add(ownValue + ownGradients, "'" + value.name + "' of " + toString(value.shape) +
                                          (ownGradients ? " with its gradients" : ""));
  }
  need.add(placement.arenaBytes, "the values and gradients a step holds at once");
  // What the kernels make for themselves, and their one scratchpad (they run one at a time).
  for (size_t n = 0; n < m_kernels.size(); ++n)
    if (const size_t owned = m_kernels[n]->ownedBytes())
      need.add(owned, "the transformed weights of '" + m_graph.nodes()[n].name + "'");
  need.add(m_scratchpadBytes, "the kernels' scratchpad");
  return need;
}

MemoryNeed Executor::allocateBuffers(const std::vector<dnnl::memory::desc>& layouts,
                                     const AvailableMemory& available) {
  m_slots.resize(layouts.size());
  const std::vector<int> inPlaceOf = valuesSummedInPlace();
  const std::vector<bool> needsGrad = gradientNeeds();
  const StepPlacement placement = placeStep(layouts, needsGrad, inPlaceOf);
  // What the values and their gradients take, checked before any is allocated.
  MemoryNeed need = stepNeed(layouts, placement, needsGrad, inPlaceOf);
  need.checkAvailable(kStepMemoryRemedy, available);
  auto allocate = [](size_t bytes) {
    return std::shared_ptr<void>(std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64),
                                 [](void* p) { std::free(p); });
  };
  m_scratchpad = allocate(m_scratchpadBytes);
  if (!m_scratchpad)
    throw need.notHad("the kernels' scratchpad could not be allocated", kStepMemoryRemedy);
  if (placement.arenaBytes && !(m_arena = allocate(placement.arenaBytes)))
    throw need.notHad("the step's arena of " + memorySize(double(placement.arenaBytes)) +
                          " could not be allocated",
                      kStepMemoryRemedy);
  try {
    allocateSlots(layouts, placement, needsGrad, inPlaceOf);
  } catch (const dnnl::error& e) {  // a limit on this process (ulimit -v, a cgroup)
    throw need.notHad(e.what(), kStepMemoryRemedy);
  }
  return need;
}

void Executor::allocateSlots(const std::vector<dnnl::memory::desc>& layouts,
                             const StepPlacement& placement, const std::vector<bool>& needsGrad,
                             const std::vector<int>& inPlaceOf) {
  auto inArena = [&](size_t offset, const dnnl::memory::desc& layout) {
    return dnnl::memory(layout, cpuEngine(), static_cast<char*>(m_arena.get()) + offset);
  };
  // A gradient's buffer of its own is zeroed (a share no kernel writes stays zero).
  auto gradientAt = [&](size_t offset, const dnnl::memory::desc& layout) {
    if (offset != StepPlacement::kOwnBuffer) return inArena(offset, layout);
    dnnl::memory m(layout, cpuEngine());
    std::memset(m.get_data_handle(), 0, layout.get_size());
    return m;
  };
  for (size_t v = 0; v < layouts.size(); ++v) {
    Slot& s = m_slots[v];
    if (!layouts[v].get_size()) continue;  // computed inside a kernel, never stored
    const int residual = inPlaceOf[v];     // computed before: its slot is there
    s.valueKept = placement.valueOffset[v] == StepPlacement::kOwnBuffer;
    // Over the residual's buffer, typed as the sum (under int8 an s8 shortcut may sum into u8).
    if (residual >= 0)
      s.value = dnnl::memory(layouts[v], cpuEngine(),
                             m_slots[static_cast<size_t>(residual)].value.get_data_handle());
    else
      s.value = s.valueKept ? dnnl::memory(layouts[v], cpuEngine())
                            : inArena(placement.valueOffset[v], layouts[v]);
    if (!needsGrad[v]) continue;
    s.grad = gradientAt(placement.gradOffset[v], layouts[v]);
    s.gradientKept = placement.gradOffset[v] == StepPlacement::kOwnBuffer;
    // A value read by several nodes gets a gradient share per read, summed before its
    // producer's backward.
    const std::vector<size_t>& shares = placement.shareOffsets[v];
    if (shares.empty()) continue;
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_DST, s.grad}};
    for (size_t c = 0; c < shares.size(); ++c) {
      s.consumerGrads.push_back(gradientAt(shares[c], layouts[v]));
      args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(c)] = s.consumerGrads[c];
    }
    const std::vector<dnnl::memory::desc> parts(shares.size(), layouts[v]);
    const dnnl::sum::primitive_desc pd(layouts[v], std::vector<float>(shares.size(), 1.f), parts,
                                       cpuEngine());
    s.sum = std::make_unique<BoundPrimitive>(dnnl::sum(pd), std::move(args));
  }
}

void Executor::bindKernels(const std::vector<dnnl::memory::desc>& layouts,
                           ParameterStore& params) {
  m_timings.resize(m_graph.nodes().size());
  for (size_t n = 0; n < m_graph.nodes().size(); ++n) {
    const GraphNode& node = m_graph.nodes()[n];
    m_casts.emplace_back();
    if (m_absorbedBy[n] >= 0) continue;  // its work and FLOPs are its absorber's
    KernelIO io;
    io.scratchpad = m_scratchpad;
    io.randomSeed = &m_seed;
    io.batchNormRanks = m_options.batchNormRanks;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const int v = node.inputs[i];
      const Slot& s = m_slots[v];
      io.inputs.push_back(s.value);
      dnnl::memory grad;
      if (s.grad && node.op->differentiable(i)) {
        if (s.consumerGrads.empty()) {
          grad = s.grad;
        } else {
          const auto readers = gradientReaders(m_graph, v);
          const auto me = std::find(readers.begin(), readers.end(),
                                    std::pair<int, size_t>{static_cast<int>(n), i});
          grad = s.consumerGrads[static_cast<size_t>(me - readers.begin())];
        }
      }
      io.inputGrads.push_back(grad);
    }
    for (const InputCast& cast : m_castPlans[n]) {
      const dnnl::memory converted(cast.to, cpuEngine());
      const bool quantize = dtypeOf(cast.to) != DType::f32;
      dnnl::primitive_attr attr;
      attr.set_output_scales(0, {quantize ? 1.f / cast.scale : cast.scale});
      const dnnl::memory& from = io.inputs[cast.input];
      m_casts.back().emplace_back(
          dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), from.get_desc(), cpuEngine(),
                                                      cast.to, attr)),
          std::unordered_map<int, dnnl::memory>{{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, converted}});
      io.inputs[cast.input] = converted;
    }
    io.output = m_slots[node.output].value;
    io.outputGrad = m_slots[node.output].grad;
    NodeTiming& timing = m_timings[n];
    timing.compute = m_kernels[n]->computeType();
    timing.forwardFlops = node.forwardFlops;
    timing.bytes = static_cast<double>(layouts[node.output].get_size());
    const int reader = absorbableReader(n);
    const int absorbed =  // the node this kernel computes too, or -1
        reader >= 0 && m_absorbedBy[static_cast<size_t>(reader)] == static_cast<int>(n) ? reader
                                                                                        : -1;
    if (absorbed >= 0) {
      const GraphNode& next = m_graph.nodes()[static_cast<size_t>(absorbed)];
      io.output = m_slots[next.output].value;
      for (const auto& p : next.params)
        io.absorbedParams.push_back(params.at(next.name + "." + p.suffix).value);
      timing.forwardFlops += next.forwardFlops;
      timing.bytes = static_cast<double>(layouts[next.output].get_size());
    }
    for (int v : node.inputs) timing.bytes += static_cast<double>(layouts[v].get_size());
    bool trainable = false;
    for (const auto& p : node.params) {
      Parameter& param = params.at(node.name + "." + p.suffix);
      io.params.push_back(param.value);
      io.paramGrads.push_back(p.trainable ? param.grad : Tensor());  // the graph's word: frozen
      timing.bytes += static_cast<double>(param.value.bytes());
      trainable = trainable || p.trainable;
    }
    if (io.outputGrad) {
      bool inputGradient = false;
      for (const auto& g : io.inputGrads) inputGradient = inputGradient || g;
      timing.backwardFlops = node.forwardFlops * (trainable + inputGradient);
    }
    m_flopsPerStep += timing.forwardFlops + timing.backwardFlops;
    try {
      m_kernels[n]->bind(io);
    } catch (const dnnl::error& e) {
      throw primitiveFailure(node, e);
    }
    timing.kernel = m_kernels[n]->implementation();
    if (absorbed >= 0) {
      m_timings[static_cast<size_t>(absorbed)].kernel = "in " + node.name;
      m_timings[static_cast<size_t>(absorbed)].compute = timing.compute;
    }
  }
}

Executor::~Executor() = default;

void* Executor::inputBuffer(const std::string& name) {
  const int v = m_graph.valueIndex(name);
  if (m_graph.values()[v].producer >= 0) throw Error("'" + name + "' is not a model input");
  return m_slots[v].value.get_data_handle();
}

double steadyMicros() {
  return std::chrono::duration<double, std::micro>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Executor::forward() {
  auto& stream = cpuStream();
  for (size_t n = 0; n < m_kernels.size(); ++n) {
    if (m_forwardListener) m_forwardListener(n);
    if (!m_profiling) {
      for (const auto& cast : m_casts[n]) cast.execute(stream);
      m_kernels[n]->forward(stream);
      continue;
    }
    const double start = steadyMicros();
    for (const auto& cast : m_casts[n]) cast.execute(stream);
    m_kernels[n]->forward(stream);
    stream.wait();
    m_timings[n].forwardStartUs = start;
    m_timings[n].forwardMs = (steadyMicros() - start) / 1e3;
  }
  stream.wait();
  if (m_options.mode == ExecMode::infer) m_unwritten.release();
}

void Executor::backward() {
  if (m_options.mode != ExecMode::train) throw Error("backward() needs a training executor");
  auto& stream = cpuStream();
  const auto& nodes = m_graph.nodes();
  for (size_t n = nodes.size(); n-- > 0;) {
    const double start = m_profiling ? steadyMicros() : 0;
    Slot& out = m_slots[nodes[n].output];
    if (out.sum) out.sum->execute(stream);  // gradient shares of a value read several times
    m_kernels[n]->backward(stream);
    if (m_profiling) {
      stream.wait();
      m_timings[n].backwardStartUs = start;
      m_timings[n].backwardMs = (steadyMicros() - start) / 1e3;
    }
    if (m_backwardListener) m_backwardListener(n);
  }
  for (int v : m_graph.inputs())
    if (m_slots[v].sum) m_slots[v].sum->execute(stream);
  stream.wait();
  m_unwritten.release();
}

void Executor::copyPlain(const dnnl::memory& from, const dnnl::memory& to, float scale) const {
  dnnl::primitive_attr attr;
  attr.set_output_scales(0, {scale});
  dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), from.get_desc(), cpuEngine(),
                                              to.get_desc(), attr))
      .execute(cpuStream(), const_cast<dnnl::memory&>(from),
                                  const_cast<dnnl::memory&>(to));
  cpuStream().wait();
}

std::vector<float> Executor::read(const std::string& value) const {
  const int v = m_graph.valueIndex(value);
  const int producer = m_graph.values()[v].producer;
  if (producer >= 0 && !m_slots[v].value)
    throw Error(
        "value '" + value + "' is not kept: node '" +
        m_graph.nodes()[static_cast<size_t>(producer)].name +
        "' computes the node after it in one primitive (frozen inference reads only outputs)");
  if (m_slots[v].value && !m_slots[v].valueKept)
    throw Error("value '" + value +
                "' is not kept after the step (its bytes are reused by later values; only the "
                "graph's inputs and outputs are kept unless every value is)");
  if (const int sum = m_summedInto[static_cast<size_t>(v)]; sum >= 0)
    throw Error(
        "value '" + value + "' is not kept: '" + m_graph.values()[static_cast<size_t>(sum)].name +
        "' is summed into its buffer in place (frozen and int8 inference read only outputs)");
  std::vector<float> out(numel(m_graph.values()[v].shape));
  copyPlain(m_slots[v].value,
            dnnl::memory(plainDesc(m_graph.values()[v].shape), cpuEngine(), out.data()),
            m_valueScales[v] > 0 ? m_valueScales[v] : 1.f);
  return out;
}

std::vector<float> Executor::readGradient(const std::string& value) const {
  const int v = m_graph.valueIndex(value);
  if (!m_slots[v].grad) throw Error("no gradient is computed for '" + value + "'");
  if (!m_slots[v].gradientKept)
    throw Error("the gradient of '" + value +
                "' is not kept after backward (training reuses its bytes; only the graph's "
                "inputs' and outputs' are kept)");
  std::vector<float> out(numel(m_graph.values()[v].shape));
  copyPlain(m_slots[v].grad, dnnl::memory(plainDesc(m_graph.values()[v].shape), cpuEngine(),
                                          out.data()));
  return out;
}

void Executor::setGradient(const std::string& output, const std::vector<float>& plain) {
  const int v = m_graph.valueIndex(output);
  if (!m_slots[v].grad) throw Error("no gradient is computed for '" + output + "'");
  if (static_cast<int64_t>(plain.size()) != numel(m_graph.values()[v].shape))
    throw Error("gradient for '" + output + "' needs " +
                std::to_string(numel(m_graph.values()[v].shape)) + " values");
  copyPlain(dnnl::memory(plainDesc(m_graph.values()[v].shape), cpuEngine(),
                         const_cast<float*>(plain.data())),
            m_slots[v].grad);
}

bool Executor::isPlainF32(const std::string& value) const {
  const int v = m_graph.valueIndex(value);
  return m_slots[v].value.get_desc() == plainDesc(m_graph.values()[v].shape);
}

const float* Executor::plainValue(const std::string& value) const {
  if (!isPlainF32(value)) throw Error("value '" + value + "' is not plain f32; use read()");
  return static_cast<const float*>(m_slots[m_graph.valueIndex(value)].value.get_data_handle());
}

}  // namespace twb

namespace twb {

double Executor::flopsPerStep() const { return m_flopsPerStep; }

bool Executor::isPlainLayout(const std::string& value) const {
  const int v = m_graph.valueIndex(value);
  return m_slots[v].value.get_desc() == plainDesc(m_graph.values()[v].shape, m_graph.values()[v].dtype);
}

}  // namespace twb
