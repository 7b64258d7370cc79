#include "exec/parameter_store.h"

#include <cmath>
#include <cstring>
#include <utility>

#include "core/error.h"
#include "core/memory_need.h"
#include "core/random.h"

namespace twb {

void ParameterStore::ensure(const Graph& graph, uint64_t seed) {
  MemoryNeed need("the model's parameters");  // those made here
  for (const auto& [name, spec] : graph.parameters())
    if (!find(name))
      need.add(sizeof(float) * static_cast<size_t>(numel(spec.shape)) * (spec.trainable ? 2 : 1),
               "'" + name + "' of " + toString(spec.shape) +
                   (spec.trainable ? " with its gradient" : ""));
  need.checkAvailable("give a smaller model");
  uint64_t index = 0;
  for (const auto& [name, spec] : graph.parameters()) {
    ++index;
    if (Parameter* existing = find(name)) {
      if (existing->value.shape() != spec.shape)
        throw Error("parameter '" + name + "' has shape " + toString(existing->value.shape()) +
                    " but the model needs " + toString(spec.shape));
      if (!spec.trainable) {  // held still by this graph (a job's freeze): no gradient to keep
        existing->spec.trainable = false;
        existing->grad = Tensor();
      }
      continue;
    }
    Tensor value(spec.shape, DType::f32);
    if (spec.init == ParamInit::ones || spec.init == ParamInit::constant) {
      value.fill(spec.init == ParamInit::ones ? 1.f : spec.value);
    } else if (spec.init == ParamInit::uniformFanIn) {
      Random random(mixSeed(seed, index));
      const float bound = 1.f / std::sqrt(static_cast<float>(spec.fanIn));
      float* v = value.data<float>();
      for (int64_t i = 0; i < value.numel(); ++i) v[i] = random.uniform(-bound, bound);
    } else if (spec.init == ParamInit::normal) {
      Random random(mixSeed(seed, index));
      float* v = value.data<float>();
      for (int64_t i = 0; i < value.numel(); ++i) v[i] = random.normal();
    }
    add(name, spec, std::move(value));
  }
}

void ParameterStore::add(const std::string& name, const ParamSpec& spec, Tensor value) {
  if (find(name)) throw Error("parameter '" + name + "' is there already");
  if (value.dtype() != DType::f32 || value.shape() != spec.shape)
    throw Error("parameter '" + name + "' is " + dtypeName(value.dtype()) + " " +
                toString(value.shape()) + " but the model needs f32 " + toString(spec.shape));
  Parameter p{name, spec, std::move(value), {}};
  // An inference model's gradients are never written: on fresh pages they cost nothing.
  if (spec.trainable) p.grad = Tensor::onFreshPages(spec.shape, DType::f32);
  m_index[name] = m_params.size();
  m_params.push_back(std::move(p));
}

ParameterStore ParameterStore::clone() const {
  ParameterStore copy;
  for (const Parameter& p : m_params) copy.add(p.name, p.spec, p.value.clone());
  return copy;
}

int64_t ParameterStore::packedSize(const std::vector<std::string>& names) const {
  int64_t total = 0;
  for (const std::string& name : names) {
    const Parameter& p = at(name);
    if (p.grad.empty()) throw Error("parameter '" + name + "' has no gradient to pack");
    total += packedStride(p.grad.numel());
  }
  return total;
}

void ParameterStore::packGradients(const std::vector<std::string>& names, const Tensor& into) {
  const int64_t total = packedSize(names);
  const Tensor packed = into.empty() ? Tensor({total}, DType::f32) : into;
  if (packed.dtype() != DType::f32 || packed.numel() < total)
    throw Error("the buffer for the gradients holds " + std::to_string(packed.numel()) +
                " elements, and they need " + std::to_string(total) + " floats");
  int64_t offset = 0;
  for (const std::string& name : names) {
    Parameter& p = at(name);
    Tensor view = Tensor::view(packed, offset, p.grad.shape());
    std::memcpy(view.raw(), p.grad.raw(), p.grad.bytes());
    p.grad = view;
    offset += packedStride(p.grad.numel());
  }
}

Parameter* ParameterStore::find(const std::string& name) {
  auto it = m_index.find(name);
  return it == m_index.end() ? nullptr : &m_params[it->second];
}

const Parameter* ParameterStore::find(const std::string& name) const {
  auto it = m_index.find(name);
  return it == m_index.end() ? nullptr : &m_params[it->second];
}

Parameter& ParameterStore::at(const std::string& name) {
  return const_cast<Parameter&>(std::as_const(*this).at(name));
}

const Parameter& ParameterStore::at(const std::string& name) const {
  if (const Parameter* p = find(name)) return *p;
  throw Error("no parameter named '" + name + "'");
}

}  // namespace twb
