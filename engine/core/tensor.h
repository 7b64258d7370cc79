#pragma once

#include <cstddef>
#include <memory>

#include "core/dtype.h"
#include "core/shape.h"

namespace twb {

// A dense, row-major tensor owning a 64-byte aligned buffer. Copies share the buffer (like
// torch.Tensor); clone() makes a deep copy.
class Tensor {
 public:
  Tensor() = default;
  Tensor(Shape shape, DType dtype);  // zero-filled
  // A tensor in memory that `data`'s owner keeps alive (a shared-memory segment, say), 64-byte
  // aligned as every tensor's buffer is.
  Tensor(Shape shape, DType dtype, std::shared_ptr<std::byte> data);
  // Zero-filled too, from 64 KiB on on pages of its own that the kernel zeroes when each is first
  // touched: no pass over the memory first, and pages never written cost nothing. For tensors
  // that live long (gradients, a file's tensors): each large one is a mapping of its own.
  static Tensor onFreshPages(Shape shape, DType dtype);

  const Shape& shape() const { return m_shape; }
  DType dtype() const { return m_dtype; }
  int64_t numel() const { return twb::numel(m_shape); }
  size_t bytes() const { return static_cast<size_t>(numel()) * dtypeSize(m_dtype); }
  bool empty() const { return !m_data; }

  void* raw() const { return m_data.get(); }
  template <typename T>
  T* data() const { return static_cast<T*>(raw()); }

  Tensor clone() const;
  // A tensor of `shape` inside `base`'s buffer from element `offset` on, sharing (and keeping
  // alive) that buffer; throws twb::Error when it does not fit.
  static Tensor view(const Tensor& base, int64_t offset, Shape shape);
  void fill(float value);  // f32 only

 private:
  Shape m_shape;
  DType m_dtype = DType::f32;
  std::shared_ptr<std::byte> m_data;
};

}  // namespace twb
