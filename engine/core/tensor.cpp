#include "core/tensor.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/error.h"

namespace twb {

namespace {
constexpr size_t kAlignment = 64;  // one cache line; what AVX-512 loads want

// `written`: the bytes the caller writes next, which are not zeroed first (a pass over a large
// tensor's memory costs as much as the copy that follows it); the rest up to the rounded size are.
std::shared_ptr<std::byte> allocate(size_t bytes, size_t written = 0) {
  const size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded ? rounded : kAlignment);
  if (!p) throw Error("out of memory allocating " + std::to_string(bytes) + " bytes");
  std::memset(static_cast<std::byte*>(p) + written, 0, (rounded ? rounded : kAlignment) - written);
  return std::shared_ptr<std::byte>(static_cast<std::byte*>(p), [](std::byte* q) { std::free(q); });
}

void checkDimensions(const Shape& shape) {
  for (int64_t d : shape)
    if (d < 0) throw Error("negative dimension in shape " + toString(shape));
}
}  // namespace

Tensor Tensor::onFreshPages(Shape shape, DType dtype) {
  checkDimensions(shape);
  const size_t bytes = static_cast<size_t>(twb::numel(shape)) * dtypeSize(dtype);
  constexpr size_t kMappedFrom = 64 << 10;  // smaller ones share the heap's pages
  if (bytes < kMappedFrom) return Tensor(std::move(shape), dtype);
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw Error("out of memory mapping " + std::to_string(bytes) + " bytes");
  return Tensor(std::move(shape), dtype,
                std::shared_ptr<std::byte>(static_cast<std::byte*>(p),
                                           [bytes](std::byte* q) { munmap(q, bytes); }));
}

Tensor::Tensor(Shape shape, DType dtype) : m_shape(std::move(shape)), m_dtype(dtype) {
  checkDimensions(m_shape);
  m_data = allocate(bytes());
}

Tensor::Tensor(Shape shape, DType dtype, std::shared_ptr<std::byte> data)
    : m_shape(std::move(shape)), m_dtype(dtype), m_data(std::move(data)) {
  if (reinterpret_cast<uintptr_t>(m_data.get()) % 64 != 0)
    throw Error("a tensor of " + toString(m_shape) + " given memory that is not 64-byte aligned");
}

Tensor Tensor::clone() const {
  Tensor copy;
  copy.m_shape = m_shape;
  copy.m_dtype = m_dtype;
  copy.m_data = allocate(bytes(), m_data ? bytes() : 0);
  if (m_data) std::memcpy(copy.raw(), raw(), bytes());
  return copy;
}

Tensor Tensor::view(const Tensor& base, int64_t offset, Shape shape) {
  Tensor t;
  t.m_shape = std::move(shape);
  t.m_dtype = base.m_dtype;
  if (offset < 0 || offset + t.numel() > base.numel())
    throw Error("a view of " + toString(t.m_shape) + " at element " + std::to_string(offset) +
                " does not fit in " + toString(base.m_shape));
  const size_t at = static_cast<size_t>(offset) * dtypeSize(base.m_dtype);
  t.m_data = std::shared_ptr<std::byte>(base.m_data, base.m_data.get() + at);
  return t;
}

void Tensor::fill(float value) {
  if (m_dtype != DType::f32) throw Error("Tensor::fill supports f32 only");
  float* p = data<float>();
  for (int64_t i = 0; i < numel(); ++i) p[i] = value;
}

}  // namespace twb
