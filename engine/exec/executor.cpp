#include "exec/executor.h"

#include <cstdlib>

#include "backend/cpu/cpu_kernel.h"
#include "core/error.h"

namespace twb {

Executor::Executor(Graph graph, ParameterStore& params, ExecOptions options)
    : m_graph(std::move(graph)), m_options(options) {
  const bool training = options.mode == ExecMode::train;
  const auto& values = m_graph.values();
  m_slots.resize(values.size());
  std::vector<dnnl::memory::desc> descs(values.size());
  for (int v : m_graph.inputs()) descs[v] = plainDesc(values[v].shape, values[v].dtype);

  // Choose layouts in execution order: each kernel sees its inputs' layouts.
  size_t scratchpadBytes = 0;
  for (const auto& node : m_graph.nodes()) {
    auto kernel = makeCpuKernel(node.opName);
    std::vector<dnnl::memory::desc> in;
    for (int v : node.inputs) in.push_back(descs[v]);
    try {
      descs[node.output] = kernel->prepare(node, in, training);
    } catch (const dnnl::error& e) {
      throw Error("node '" + node.name + "' (" + node.opName + "): oneDNN could not create " +
                  "its primitives: " + e.what());
    }
    scratchpadBytes = std::max(scratchpadBytes, kernel->scratchpadBytes());
    m_kernels.push_back(std::move(kernel));
  }
  m_scratchpad = std::shared_ptr<void>(std::aligned_alloc(64, (scratchpadBytes + 63) / 64 * 64 + 64),
                                       [](void* p) { std::free(p); });

  for (size_t v = 0; v < values.size(); ++v) {
    Slot& s = m_slots[v];
    s.value = dnnl::memory(descs[v], cpuEngine());
    const bool isInput = values[v].producer < 0;
    const bool wantsGrad = training && values[v].dtype == DType::f32 &&
                           (!isInput || m_options.inputGradients);
    if (!wantsGrad) continue;
    s.grad = dnnl::memory(descs[v], cpuEngine());
    if (values[v].consumers.size() > 1) {
      for (size_t c = 0; c < values[v].consumers.size(); ++c)
        s.consumerGrads.push_back(dnnl::memory(descs[v], cpuEngine()));
      std::vector<dnnl::memory::desc> parts(s.consumerGrads.size(), descs[v]);
      dnnl::sum::primitive_desc pd(descs[v], std::vector<float>(parts.size(), 1.f), parts,
                                   cpuEngine());
      std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_DST, s.grad}};
      for (size_t c = 0; c < s.consumerGrads.size(); ++c)
        args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(c)] = s.consumerGrads[c];
      s.sum = std::make_unique<BoundPrimitive>(dnnl::sum(pd), std::move(args));
    }
  }

  for (size_t n = 0; n < m_graph.nodes().size(); ++n) {
    const GraphNode& node = m_graph.nodes()[n];
    KernelIO io;
    io.scratchpad = m_scratchpad;
    io.randomSeed = &m_seed;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const int v = node.inputs[i];
      Slot& s = m_slots[v];
      io.inputs.push_back(s.value);
      dnnl::memory grad;
      if (s.grad && node.op->differentiable(i)) {
        if (s.consumerGrads.empty()) {
          grad = s.grad;
        } else {
          // `consumers` lists node n once per read of v, in input order; find this read.
          const auto& consumers = values[v].consumers;
          size_t reads = 0;
          for (size_t j = 0; j < i; ++j) reads += node.inputs[j] == v;
          size_t k = 0;
          for (size_t match = 0; k < consumers.size(); ++k)
            if (consumers[k] == static_cast<int>(n) && match++ == reads) break;
          grad = s.consumerGrads[k];
        }
      }
      io.inputGrads.push_back(grad);
    }
    io.output = m_slots[node.output].value;
    io.outputGrad = m_slots[node.output].grad;
    for (const auto& p : node.params) {
      Parameter& param = params.at(node.name + "." + p.suffix);
      io.params.push_back(param.value);
      io.paramGrads.push_back(param.grad);
    }
    m_kernels[n]->bind(io);
  }
}

Executor::~Executor() = default;

void* Executor::inputBuffer(const std::string& name) {
  const int v = m_graph.valueIndex(name);
  if (m_graph.values()[v].producer >= 0) throw Error("'" + name + "' is not a model input");
  return m_slots[v].value.get_data_handle();
}

void Executor::forward() {
  auto& stream = cpuStream();
  for (auto& k : m_kernels) k->forward(stream);
  stream.wait();
}

void Executor::backward() {
  if (m_options.mode != ExecMode::train) throw Error("backward() needs a training executor");
  auto& stream = cpuStream();
  const auto& nodes = m_graph.nodes();
  for (size_t n = nodes.size(); n-- > 0;) {
    Slot& out = m_slots[nodes[n].output];
    if (out.sum) out.sum->execute(stream);
    m_kernels[n]->backward(stream);
  }
  for (int v : m_graph.inputs())
    if (m_slots[v].sum) m_slots[v].sum->execute(stream);
  stream.wait();
}

void Executor::copyPlain(const dnnl::memory& from, const dnnl::memory& to) const {
  dnnl::reorder(from, to).execute(cpuStream(), const_cast<dnnl::memory&>(from),
                                  const_cast<dnnl::memory&>(to));
  cpuStream().wait();
}

std::vector<float> Executor::read(const std::string& value) const {
  const int v = m_graph.valueIndex(value);
  std::vector<float> out(numel(m_graph.values()[v].shape));
  copyPlain(m_slots[v].value, dnnl::memory(plainDesc(m_graph.values()[v].shape), cpuEngine(),
                                           out.data()));
  return out;
}

std::vector<float> Executor::readGradient(const std::string& value) const {
  const int v = m_graph.valueIndex(value);
  if (!m_slots[v].grad) throw Error("no gradient is computed for '" + value + "'");
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

const float* Executor::plainValue(const std::string& value) const {
  const int v = m_graph.valueIndex(value);
  if (!isPlainLayout(value))
    throw Error("value '" + value + "' is not in plain layout; use read()");
  return static_cast<const float*>(m_slots[v].value.get_data_handle());
}

}  // namespace twb

namespace twb {

bool Executor::isPlainLayout(const std::string& value) const {
  const int v = m_graph.valueIndex(value);
  return m_slots[v].value.get_desc() == plainDesc(m_graph.values()[v].shape, m_graph.values()[v].dtype);
}

}  // namespace twb
