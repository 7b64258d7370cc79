#include "backend/cuda/memory_plan.h"

#include "backend/cuda/batch_norm_kernels.h"
#include "backend/cuda/cnn_kernels.h"
#include "backend/cuda/cuda_kernels.h"
#include "core/error.h"

namespace twb::gpu {

bool reordersOnFlatten(const GpuPlan& plan, int input) {
  return plan.channelsLast && plan.values[input].shape.size() == 4;
}

namespace {
constexpr int64_t kAlign = 256;  // bytes: what cuBLASLt's fastest kernels want of every operand

class Carver {
 public:
  int64_t take(int64_t bytes) {
    const int64_t at = m_end;
    m_end += (bytes + kAlign - 1) / kAlign * kAlign;
    return at;
  }
  int64_t end() const { return m_end; }

 private:
  int64_t m_end = 0;
};

int stateTensorsOf(const PlanOptimizer& o) {
  if (o.type == "adam" || o.type == "adamw") return 2;
  return o.momentum != 0 ? 1 : 0;
}
}  // namespace

MemoryPlan MemoryPlan::of(const GpuPlan& plan) {
  MemoryPlan m;
  Carver carve;
  m.values.resize(plan.values.size());
  for (const PlanNode& node : plan.nodes)
    if (node.op == "Flatten" && !reordersOnFlatten(plan, node.inputs[0]))
      m.values[node.output].aliasOf = node.inputs[0];
  for (size_t v = 0; v < plan.values.size(); ++v) {
    const PlanValue& value = plan.values[v];
    Value& slot = m.values[v];
    slot.elements = elementsOf(value.shape);
    if (slot.aliasOf >= 0) continue;
    const int64_t bytes = slot.elements * (value.bf16 ? 2 : 4);
    slot.offset = carve.take(bytes);
    if (value.gradient) slot.gradOffset = carve.take(bytes);
  }
  for (int v : plan.inputs)
    m.values[v].landing = carve.take(m.values[v].elements * (plan.values[v].bf16 ? 2 : 4));
  for (auto& slot : m.values)
    if (slot.aliasOf >= 0) {
      const Value& source = m.values[slot.aliasOf];
      slot.offset = source.offset, slot.gradOffset = source.gradOffset;
    }

  // Flat parameters: trainable ones first, each on a 64-element boundary.
  m.paramStart.assign(plan.params.size(), 0);
  for (bool trainable : {true, false}) {
    for (size_t p = 0; p < plan.params.size(); ++p) {
      if (plan.params[p].trainable != trainable) continue;
      m.paramStart[p] = m.paramElements;
      m.paramElements += (elementsOf(plan.params[p].shape) + 63) / 64 * 64;
    }
    if (trainable) m.trainableElements = m.paramElements;
  }
  bool anyBf16 = false;
  for (const PlanNode& node : plan.nodes) anyBf16 |= node.bf16;
  m.stateTensors = plan.training ? stateTensorsOf(plan.optimizer) : 0;
  m.params = carve.take(4 * m.paramElements);
  if (plan.training) m.grads = carve.take(4 * m.trainableElements);
  if (m.stateTensors) m.state = carve.take(4 * m.trainableElements * m.stateTensors);
  // No shadow of no parameters: refreshing it would launch an empty grid, which CUDA refuses
  // (the GPU run of 2026-12-04: "accumulateInto: invalid argument" for a bf16 Add of x and
  // ReLU(x)).
  if (anyBf16 && m.paramElements > 0) m.shadow = carve.take(2 * m.paramElements);

  const size_t nodes = plan.nodes.size();
  for (auto* perNode : {&m.inputCast, &m.gradCast, &m.filter, &m.filterGrad, &m.partialSums,
                        &m.batchStats, &m.rowLoss, &m.firstBad})
    perNode->assign(nodes, -1);
  for (size_t n = 0; n < nodes; ++n) {
    const PlanNode& node = plan.nodes[n];
    const bool product = node.op == "Linear" || node.op == "Conv2d";
    if (product && node.bf16) {
      const PlanValue& in = plan.values[node.inputs[0]];
      const PlanValue& out = plan.values[node.output];
      if (!in.bf16) m.inputCast[n] = carve.take(2 * elementsOf(in.shape));
      if (!out.bf16 && out.gradient) m.gradCast[n] = carve.take(2 * elementsOf(out.shape));
    }
    if (node.op == "Conv2d") {
      m.workspaceBytes = int64_t(256) << 20;
      const int64_t weightBytes =
          elementsOf(plan.params[node.params[0]].shape) * (node.bf16 ? 2 : 4);
      if (plan.channelsLast) m.filter[n] = carve.take(weightBytes);
      if ((node.bf16 || plan.channelsLast) && plan.training)
        m.filterGrad[n] = carve.take(weightBytes);
      if (plan.training && node.params.size() > 1) {  // the bias gradient's two passes
        const Shape& out = plan.values[node.output].shape;
        m.partialSums[n] = carve.take(
            4 * (plan.channelsLast ? biasPartialElements(out[0] * out[2] * out[3], out[1])
                                   : channelBiasPartialElements(out[0], out[1], out[2] * out[3])));
      }
    }
    if (node.op == "BatchNorm2d" && plan.training) {
      const Shape& in = plan.values[node.inputs[0]].shape;
      m.batchStats[n] = carve.take(4 * 2 * in[1]);
      if (plan.channelsLast)  // its kernels' (batch_norm_kernels.h); cuDNN's NCHW one needs none
        m.partialSums[n] = carve.take(4 * batchNormScratchElements(elementsOf(in) / in[1], in[1]));
    }
    if (node.op == "Linear" && plan.training && node.attrs.value("bias", true)) {
      const Shape& out = plan.values[node.output].shape;
      m.partialSums[n] =
          carve.take(4 * biasPartialElements(elementsOf(out) / out.back(), out.back()));
    }
    if (node.op == "LayerNorm") {  // each row's mean and 1 / deviation, inference too
      const Shape& in = plan.values[node.inputs[0]].shape;
      m.batchStats[n] = carve.take(4 * 2 * (elementsOf(in) / in.back()));
    }
    if (node.op == "Embedding") m.firstBad[n] = carve.take(sizeof(unsigned long long));
    if (node.op == "SoftmaxCrossEntropy" || node.op == "MSE")
      m.rowLoss[n] = carve.take(4 * plan.values[node.inputs[0]].shape[0]);
  }
  m.scalars = carve.take(sizeof(StepScalars));
  m.workspace = carve.take(m.workspaceBytes);
  m.totalBytes = carve.end();
  return m;
}

}  // namespace twb::gpu
