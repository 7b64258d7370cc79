#include "backend/cuda/cuda_session.h"

#include <cuda_bf16.h>

#include <cmath>
#include <cstring>

#include "backend/cuda/cnn_kernels.h"
#include "backend/cuda/cuda_check.h"
#include "core/error.h"

namespace twb::gpu {

namespace {
// Eager steps before the step is captured as a graph: the first runs cuBLASLt's lazy setup.
constexpr int64_t kEagerSteps = 2;

int64_t bytesOf(const PlanValue& value) { return elementsOf(value.shape) * (value.bf16 ? 2 : 4); }

// An image of a channels-last plan between the host's NCHW and the GPU's NHWC.
std::vector<float> permuted(const std::vector<float>& from, const Shape& nchw,
                            bool toChannelsLast) {
  const int64_t images = nchw[0], channels = nchw[1], plane = nchw[2] * nchw[3];
  std::vector<float> to(from.size());
  for (int64_t i = 0; i < images; ++i)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t p = 0; p < plane; ++p) {
        const int64_t planar = (i * channels + c) * plane + p,
                      last = (i * plane + p) * channels + c;
        if (toChannelsLast)
          to[last] = from[planar];
        else
          to[planar] = from[last];
      }
  return to;
}
}  // namespace

CudaSession::CudaSession(const GpuPlan& plan, const CudaLibraries& libraries)
    : m_plan(plan), m_memory(MemoryPlan::of(plan)) {
  TWB_CUDA(cudaSetDevice(plan.device));
  TWB_CUDA(cudaStreamCreateWithFlags(&m_stream, cudaStreamNonBlocking));
  TWB_CUDA(cudaStreamCreateWithFlags(&m_copyStream, cudaStreamNonBlocking));
  TWB_CUDA(cudaEventCreateWithFlags(&m_inputsCopied, cudaEventDisableTiming));
  TWB_CUDA(cudaEventCreateWithFlags(&m_landingFree, cudaEventDisableTiming));
  TWB_CUDA(cudaMalloc(&m_device, static_cast<size_t>(m_memory.totalBytes)));
  // Buffers nothing writes before a read (gradients summed into, optimizer state) start at 0.
  TWB_CUDA(cudaMemsetAsync(m_device, 0, static_cast<size_t>(m_memory.totalBytes), m_stream));
  for (int v : plan.inputs) {
    void* host = nullptr;
    TWB_CUDA(cudaMallocHost(&host, static_cast<size_t>(bytesOf(plan.values[v]))));
    std::memset(host, 0, static_cast<size_t>(bytesOf(plan.values[v])));
    m_hostInputs[plan.values[v].name] = host;
  }
  TWB_CUDA(cudaMallocHost(reinterpret_cast<void**>(&m_hostScalars), sizeof(StepScalars)));
  *m_hostScalars = StepScalars{};
  TWB_CUDA(cudaMallocHost(reinterpret_cast<void**>(&m_hostLoss), sizeof(float)));
  *m_hostLoss = 0;
  if (!plan.loss.empty()) m_lossValue = valueIndex(plan.loss);
  if (!plan.logits.empty()) {
    m_logitsValue = valueIndex(plan.logits);
    if (plan.values[m_logitsValue].bf16)
      throw Error("value '" + plan.logits + "': logits must be f32 on the GPU");
    TWB_CUDA(cudaMallocHost(reinterpret_cast<void**>(&m_hostLogits),
                            static_cast<size_t>(bytesOf(plan.values[m_logitsValue]))));
  }
  if (m_lossValue >= 0 && plan.training) setGradient(plan.loss, {1.f});

  std::vector<bool> gradientWritten(plan.values.size(), false);
  m_nodes.resize(plan.nodes.size());
  for (size_t n = plan.nodes.size(); n-- > 0;)
    m_nodes[n] = makeCudaNode(plan, n, buffersOf(n, gradientWritten), libraries);
  TWB_CUDA(cudaStreamSynchronize(m_stream));
}

CudaSession::~CudaSession() {
  for (cudaEvent_t event : m_profileEvents) cudaEventDestroy(event);
  if (m_graphExec) cudaGraphExecDestroy(m_graphExec);
  if (m_graph) cudaGraphDestroy(m_graph);
  for (auto& [name, host] : m_hostInputs) cudaFreeHost(host);
  cudaFreeHost(m_hostScalars);
  cudaFreeHost(m_hostLoss);
  if (m_hostLogits) cudaFreeHost(m_hostLogits);
  cudaFree(m_device);
  cudaEventDestroy(m_landingFree);
  cudaEventDestroy(m_inputsCopied);
  cudaStreamDestroy(m_copyStream);
  cudaStreamDestroy(m_stream);
}

int CudaSession::valueIndex(const std::string& name) const {
  for (size_t v = 0; v < m_plan.values.size(); ++v)
    if (m_plan.values[v].name == name) return static_cast<int>(v);
  throw Error("the GPU plan has no value '" + name + "'");
}

// Backward runs nodes in reverse, so the first node visited here that writes a value's gradient
// overwrites it and later ones add to it.
NodeBuffers CudaSession::buffersOf(size_t n, std::vector<bool>& gradientWritten) const {
  const PlanNode& node = m_plan.nodes[n];
  NodeBuffers b;
  for (int v : node.inputs) {
    const MemoryPlan::Value& slot = m_memory.values[v];
    b.inputs.push_back(at(slot.offset));
    b.inputBf16.push_back(m_plan.values[v].bf16);
    void* grad = m_plan.training ? at(slot.gradOffset) : nullptr;
    b.inputGrads.push_back(grad);
    const bool shares = node.op == "Flatten" && !reordersOnFlatten(m_plan, v);
    b.accumulate.push_back(grad && gradientWritten[v] && !shares);
    if (grad) gradientWritten[v] = true;
  }
  const MemoryPlan::Value& out = m_memory.values[node.output];
  b.output = at(out.offset);
  b.outputGrad = m_plan.training ? at(out.gradOffset) : nullptr;
  b.outputBf16 = m_plan.values[node.output].bf16;
  for (int p : node.params) {
    const int64_t start = m_memory.paramStart[p];
    b.params.push_back(reinterpret_cast<float*>(at(m_memory.params)) + start);
    b.paramGrads.push_back(m_memory.grads >= 0 && m_plan.params[p].trainable
                               ? reinterpret_cast<float*>(at(m_memory.grads)) + start
                               : nullptr);
    b.paramsBf16.push_back(m_memory.shadow >= 0
                               ? reinterpret_cast<__nv_bfloat16*>(at(m_memory.shadow)) + start
                               : nullptr);
  }
  b.inputCast = at(m_memory.inputCast[n]);
  b.gradCast = at(m_memory.gradCast[n]);
  b.filter = at(m_memory.filter[n]);
  b.filterGrad = at(m_memory.filterGrad[n]);
  b.batchStats = reinterpret_cast<float*>(at(m_memory.batchStats[n]));
  b.partialSums = reinterpret_cast<float*>(at(m_memory.partialSums[n]));
  b.rowLoss = reinterpret_cast<float*>(at(m_memory.rowLoss[n]));
  b.scalars = reinterpret_cast<const StepScalars*>(at(m_memory.scalars));
  b.firstBad = reinterpret_cast<unsigned long long*>(at(m_memory.firstBad[n]));
  b.workspace = at(m_memory.workspace);
  b.workspaceBytes = static_cast<size_t>(m_memory.workspaceBytes);
  return b;
}

void* CudaSession::inputBuffer(const std::string& name) {
  const auto it = m_hostInputs.find(name);
  if (it == m_hostInputs.end()) throw Error("the GPU plan has no input '" + name + "'");
  return it->second;
}

void CudaSession::upload(const std::vector<const float*>& params,
                         const std::vector<const float*>& state, int64_t steps) {
  float* flat = reinterpret_cast<float*>(at(m_memory.params));
  for (size_t p = 0; p < m_plan.params.size(); ++p)
    TWB_CUDA(cudaMemcpyAsync(flat + m_memory.paramStart[p], params[p],
                             4 * elementsOf(m_plan.params[p].shape), cudaMemcpyHostToDevice,
                             m_stream));
  const int k = m_memory.stateTensors;
  float* stateFlat = reinterpret_cast<float*>(at(m_memory.state));
  size_t j = 0;
  for (size_t p = 0; p < m_plan.params.size() && !state.empty(); ++p) {
    if (!m_plan.params[p].trainable) continue;
    for (int s = 0; s < k; ++s)
      TWB_CUDA(cudaMemcpyAsync(stateFlat + s * m_memory.trainableElements + m_memory.paramStart[p],
                               state[j * k + s], 4 * elementsOf(m_plan.params[p].shape),
                               cudaMemcpyHostToDevice, m_stream));
    ++j;
  }
  m_optimizerSteps = steps;
  refreshShadow();
  TWB_CUDA(cudaStreamSynchronize(m_stream));
}

void CudaSession::download(const std::vector<float*>& params, const std::vector<float*>& state) {
  const float* flat = reinterpret_cast<const float*>(at(m_memory.params));
  for (size_t p = 0; p < m_plan.params.size(); ++p)
    TWB_CUDA(cudaMemcpyAsync(params[p], flat + m_memory.paramStart[p],
                             4 * elementsOf(m_plan.params[p].shape), cudaMemcpyDeviceToHost,
                             m_stream));
  const int k = m_memory.stateTensors;
  const float* stateFlat = reinterpret_cast<const float*>(at(m_memory.state));
  size_t j = 0;
  for (size_t p = 0; p < m_plan.params.size() && !state.empty(); ++p) {
    if (!m_plan.params[p].trainable) continue;
    for (int s = 0; s < k; ++s)
      TWB_CUDA(cudaMemcpyAsync(
          state[j * k + s], stateFlat + s * m_memory.trainableElements + m_memory.paramStart[p],
          4 * elementsOf(m_plan.params[p].shape), cudaMemcpyDeviceToHost, m_stream));
    ++j;
  }
  TWB_CUDA(cudaStreamSynchronize(m_stream));
}

void CudaSession::refreshShadow() {
  if (m_memory.shadow < 0) return;
  launchToBf16(reinterpret_cast<const float*>(at(m_memory.params)),
               reinterpret_cast<__nv_bfloat16*>(at(m_memory.shadow)), m_memory.paramElements,
               m_stream);
}

void CudaSession::checkLabels() const {
  for (const PlanNode& node : m_plan.nodes) {
    if (node.op != "SoftmaxCrossEntropy") continue;
    const PlanValue& labels = m_plan.values[node.inputs[1]];
    const auto it = m_hostInputs.find(labels.name);
    if (it == m_hostInputs.end()) continue;
    const auto* label = static_cast<const int32_t*>(it->second);
    const int64_t classes = m_plan.values[node.inputs[0]].shape.back();
    for (int64_t i = 0; i < labels.shape[0]; ++i)
      if (label[i] < 0 || label[i] >= classes)
        throw Error("node '" + node.name + "': label " + std::to_string(label[i]) + " of sample " +
                    std::to_string(i) + " is outside [0, " + std::to_string(classes) + ")");
  }
}

void CudaSession::prefetch() {
  checkLabels();
  // The landing buffers are free once the last step launched has copied them out.
  TWB_CUDA(cudaStreamWaitEvent(m_copyStream, m_landingFree, 0));
  for (int v : m_plan.inputs)
    TWB_CUDA(cudaMemcpyAsync(at(m_memory.values[v].landing), m_hostInputs[m_plan.values[v].name],
                             static_cast<size_t>(bytesOf(m_plan.values[v])), cudaMemcpyHostToDevice,
                             m_copyStream));
  TWB_CUDA(cudaEventRecord(m_inputsCopied, m_copyStream));
  m_prefetched = true;
}

// Called outside graph capture: the compute stream waits for the copy stream, and the host for
// the staging buffers to be read, so that the caller may refill them once the step is launched.
void CudaSession::takePrefetched() {
  if (!m_prefetched) prefetch();
  TWB_CUDA(cudaEventSynchronize(m_inputsCopied));
  TWB_CUDA(cudaStreamWaitEvent(m_stream, m_inputsCopied, 0));
  m_prefetched = false;
}

void CudaSession::enqueueInputs() {
  // The step's scalars first: dropout reads the seed in forward, the update the rest.
  TWB_CUDA(cudaMemcpyAsync(at(m_memory.scalars), m_hostScalars, sizeof(StepScalars),
                           cudaMemcpyHostToDevice, m_stream));
  for (int v : m_plan.inputs) {
    const MemoryPlan::Value& slot = m_memory.values[v];
    const Shape& shape = m_plan.values[v].shape;
    if (channelsLast(v))  // images arrive NCHW (graph inputs are f32)
      launchRelayout(reinterpret_cast<const float*>(at(slot.landing)),
                     reinterpret_cast<float*>(at(slot.offset)), shape[0], shape[1],
                     shape[2] * shape[3], Layout::nhwc, false, m_stream);
    else
      TWB_CUDA(cudaMemcpyAsync(at(slot.offset), at(slot.landing),
                               static_cast<size_t>(bytesOf(m_plan.values[v])),
                               cudaMemcpyDeviceToDevice, m_stream));
  }
  // An external event node inside a captured graph (the copy stream waits on it from outside),
  // a plain record outside one (where the external flag is refused).
  cudaStreamCaptureStatus capturing = cudaStreamCaptureStatusNone;
  TWB_CUDA(cudaStreamIsCapturing(m_stream, &capturing));
  if (capturing == cudaStreamCaptureStatusActive)
    TWB_CUDA(cudaEventRecordWithFlags(m_landingFree, m_stream, cudaEventRecordExternal));
  else
    TWB_CUDA(cudaEventRecord(m_landingFree, m_stream));
}

void CudaSession::enqueueForward() {
  for (auto& node : m_nodes) node->forward(m_stream);
}

void CudaSession::enqueueBackward() {
  for (size_t n = m_nodes.size(); n-- > 0;) m_nodes[n]->backward(m_stream);
}

void CudaSession::enqueueUpdate() {
  if (m_memory.trainableElements == 0) return;  // nothing to update; an empty grid is refused
  const auto* scalars = reinterpret_cast<const StepScalars*>(at(m_memory.scalars));
  const PlanOptimizer& o = m_plan.optimizer;
  const UpdateConstants c{o.momentum, o.weightDecay, o.beta1, o.beta2, o.eps, o.nesterov};
  float* w = reinterpret_cast<float*>(at(m_memory.params));
  const float* g = reinterpret_cast<const float*>(at(m_memory.grads));
  float* state = reinterpret_cast<float*>(at(m_memory.state));
  auto* shadow = reinterpret_cast<__nv_bfloat16*>(at(m_memory.shadow));
  const int64_t n = m_memory.trainableElements;
  if (o.type == "sgd")
    launchSgd(w, g, state, shadow, n, scalars, c, m_stream);
  else
    launchAdam(w, g, state, state + n, shadow, n, scalars, c, o.type == "adamw", m_stream);
}

void CudaSession::enqueueOutputs() {
  if (m_lossValue >= 0)
    TWB_CUDA(cudaMemcpyAsync(m_hostLoss, at(m_memory.values[m_lossValue].offset), sizeof(float),
                             cudaMemcpyDeviceToHost, m_stream));
  if (m_logitsValue >= 0)
    TWB_CUDA(cudaMemcpyAsync(m_hostLogits, at(m_memory.values[m_logitsValue].offset),
                             static_cast<size_t>(bytesOf(m_plan.values[m_logitsValue])),
                             cudaMemcpyDeviceToHost, m_stream));
}

void CudaSession::enqueueStep() {
  enqueueInputs();
  enqueueForward();
  enqueueBackward();
  enqueueUpdate();
  enqueueOutputs();
}

void CudaSession::step(float lr) {
  launchStep(lr);
  finishStep();
}

void CudaSession::beginStep(float lr) {
  if (!m_plan.training) throw Error("step() on a GPU plan compiled for inference");
  takePrefetched();
  ++m_optimizerSteps;
  const PlanOptimizer& o = m_plan.optimizer;
  m_hostScalars->lr = lr;
  m_hostScalars->stepSize =
      lr / (1.f - static_cast<float>(std::pow(double(o.beta1), double(m_optimizerSteps))));
  m_hostScalars->correction2Sqrt =
      std::sqrt(1.f - static_cast<float>(std::pow(double(o.beta2), double(m_optimizerSteps))));
}

void CudaSession::launchStep(float lr) {
  beginStep(lr);
  if (!m_graphExec && m_plan.cudaGraph && m_steps >= kEagerSteps) {
    TWB_CUDA(cudaStreamBeginCapture(m_stream, cudaStreamCaptureModeThreadLocal));
    try {
      enqueueStep();
    } catch (...) {
      cudaGraph_t broken = nullptr;
      cudaStreamEndCapture(m_stream, &broken);
      if (broken) cudaGraphDestroy(broken);
      throw;
    }
    TWB_CUDA(cudaStreamEndCapture(m_stream, &m_graph));
    TWB_CUDA(cudaGraphInstantiate(&m_graphExec, m_graph, 0));
  }
  if (m_graphExec)
    TWB_CUDA(cudaGraphLaunch(m_graphExec, m_stream));
  else
    enqueueStep();
  ++m_steps;
}

void CudaSession::finishStep() {
  TWB_CUDA(cudaStreamSynchronize(m_stream));
  checkNodes();
}

void CudaSession::checkNodes() {
  for (auto& node : m_nodes) node->checkAfterStep();
}

// Events split the step at every node boundary: forward's n + 1 events, then backward's, each
// node's time the span between its two.
std::vector<NodeTimes> CudaSession::profiledStep(float lr) {
  const size_t nodes = m_nodes.size();
  if (m_profileEvents.empty()) {
    m_profileEvents.resize(2 * (nodes + 1));
    for (cudaEvent_t& event : m_profileEvents) TWB_CUDA(cudaEventCreate(&event));
  }
  cudaEvent_t* forwardAt = m_profileEvents.data();
  cudaEvent_t* backwardAt = forwardAt + nodes + 1;
  beginStep(lr);
  enqueueInputs();
  TWB_CUDA(cudaEventRecord(forwardAt[0], m_stream));
  for (size_t n = 0; n < nodes; ++n) {
    m_nodes[n]->forward(m_stream);
    TWB_CUDA(cudaEventRecord(forwardAt[n + 1], m_stream));
  }
  TWB_CUDA(cudaEventRecord(backwardAt[0], m_stream));
  for (size_t k = 0; k < nodes; ++k) {  // the k-th node backward visits: nodes - 1 - k
    m_nodes[nodes - 1 - k]->backward(m_stream);
    TWB_CUDA(cudaEventRecord(backwardAt[k + 1], m_stream));
  }
  enqueueUpdate();
  enqueueOutputs();
  ++m_steps;
  TWB_CUDA(cudaStreamSynchronize(m_stream));
  checkNodes();

  auto elapsed = [](cudaEvent_t from, cudaEvent_t to) {
    float ms = 0;
    TWB_CUDA(cudaEventElapsedTime(&ms, from, to));
    return static_cast<double>(ms);
  };
  std::vector<NodeTimes> times(nodes);
  for (size_t n = 0; n < nodes; ++n) {
    const size_t k = nodes - 1 - n;
    times[n].forwardStartMs = elapsed(forwardAt[0], forwardAt[n]);
    times[n].forwardMs = elapsed(forwardAt[n], forwardAt[n + 1]);
    times[n].backwardStartMs = elapsed(forwardAt[0], backwardAt[k]);
    times[n].backwardMs = elapsed(backwardAt[k], backwardAt[k + 1]);
    times[n].implementation = m_nodes[n]->implementation();
  }
  return times;
}

void CudaSession::forward() {
  takePrefetched();
  enqueueInputs();
  enqueueForward();
  enqueueOutputs();
  TWB_CUDA(cudaStreamSynchronize(m_stream));
  checkNodes();
}

void CudaSession::backward() {
  enqueueBackward();
  TWB_CUDA(cudaStreamSynchronize(m_stream));
}

std::vector<float> CudaSession::readDevice(const void* source, int64_t elements, bool bf16) {
  std::vector<float> out(static_cast<size_t>(elements));
  if (!bf16) {
    TWB_CUDA(cudaMemcpyAsync(out.data(), source, 4 * elements, cudaMemcpyDeviceToHost, m_stream));
    TWB_CUDA(cudaStreamSynchronize(m_stream));
    return out;
  }
  std::vector<__nv_bfloat16> raw(static_cast<size_t>(elements));
  TWB_CUDA(cudaMemcpyAsync(raw.data(), source, 2 * elements, cudaMemcpyDeviceToHost, m_stream));
  TWB_CUDA(cudaStreamSynchronize(m_stream));
  for (int64_t i = 0; i < elements; ++i) out[i] = __bfloat162float(raw[i]);
  return out;
}

std::vector<float> CudaSession::read(const std::string& name) {
  const int v = valueIndex(name);
  if (m_plan.values[v].labels) throw Error("value '" + name + "' holds labels, not floats");
  const std::vector<float> stored =
      readDevice(at(m_memory.values[v].offset), m_memory.values[v].elements, m_plan.values[v].bf16);
  return channelsLast(v) ? permuted(stored, m_plan.values[v].shape, false) : stored;
}

std::vector<float> CudaSession::readGradient(const std::string& name) {
  const int v = valueIndex(name);
  if (m_memory.values[v].gradOffset < 0) throw Error("value '" + name + "' has no gradient");
  const std::vector<float> stored = readDevice(at(m_memory.values[v].gradOffset),
                                               m_memory.values[v].elements, m_plan.values[v].bf16);
  return channelsLast(v) ? permuted(stored, m_plan.values[v].shape, false) : stored;
}

std::vector<float> CudaSession::readParamGradient(size_t p) {
  if (m_memory.grads < 0 || !m_plan.params[p].trainable)
    throw Error("parameter '" + m_plan.params[p].name + "' has no gradient");
  return readDevice(reinterpret_cast<float*>(at(m_memory.grads)) + m_memory.paramStart[p],
                    elementsOf(m_plan.params[p].shape), false);
}

void CudaSession::setGradient(const std::string& name, const std::vector<float>& given) {
  const int v = valueIndex(name);
  const MemoryPlan::Value& slot = m_memory.values[v];
  if (slot.gradOffset < 0) throw Error("value '" + name + "' has no gradient");
  if (static_cast<int64_t>(given.size()) != slot.elements)
    throw Error("value '" + name + "': " + std::to_string(given.size()) +
                " gradient elements given, " + std::to_string(slot.elements) + " expected");
  const std::vector<float> plain =
      channelsLast(v) ? permuted(given, m_plan.values[v].shape, true) : given;
  if (!m_plan.values[v].bf16) {
    TWB_CUDA(cudaMemcpyAsync(at(slot.gradOffset), plain.data(), 4 * plain.size(),
                             cudaMemcpyHostToDevice, m_stream));
    TWB_CUDA(cudaStreamSynchronize(m_stream));
    return;
  }
  std::vector<__nv_bfloat16> raw(plain.size());
  for (size_t i = 0; i < plain.size(); ++i) raw[i] = __float2bfloat16(plain[i]);
  TWB_CUDA(cudaMemcpyAsync(at(slot.gradOffset), raw.data(), 2 * raw.size(), cudaMemcpyHostToDevice,
                           m_stream));
  TWB_CUDA(cudaStreamSynchronize(m_stream));
}

}  // namespace twb::gpu
