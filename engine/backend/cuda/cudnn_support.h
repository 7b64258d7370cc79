#pragma once

#include <cudnn.h>

#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/shape.h"

// cuDNN's descriptors as owning objects, and its status checked like every CUDA call
// (cuda_check.h): a failure names the call and cuDNN's words.
namespace twb::gpu {

inline void checkCudnn(cudnnStatus_t status, const char* call) {
  if (status != CUDNN_STATUS_SUCCESS)
    throw Error(std::string("cuDNN: ") + call + ": " + cudnnGetErrorString(status));
}

}  // namespace twb::gpu

#define TWB_CUDNN(call) ::twb::gpu::checkCudnn((call), #call)

namespace twb::gpu {

inline cudnnDataType_t cudnnType(bool bf16) {
  return bf16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_FLOAT;
}

inline cudnnTensorFormat_t cudnnLayout(bool channelsLast) {
  return channelsLast ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
}

// Owns one cuDNN descriptor: made by Create, freed by Destroy, movable, used where cuDNN takes
// the plain handle.
template <typename Handle, cudnnStatus_t (*Create)(Handle*), cudnnStatus_t (*Destroy)(Handle)>
class Descriptor {
 public:
  Descriptor() { checkCudnn(Create(&m_desc), "creating a descriptor"); }
  ~Descriptor() {
    if (m_desc) Destroy(m_desc);
  }
  Descriptor(Descriptor&& other) noexcept : m_desc(other.m_desc) { other.m_desc = nullptr; }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  operator Handle() const { return m_desc; }

 private:
  Handle m_desc = nullptr;
};

using ConvolutionDescriptor =
    Descriptor<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor,
               cudnnDestroyConvolutionDescriptor>;
using PoolingDescriptor = Descriptor<cudnnPoolingDescriptor_t, cudnnCreatePoolingDescriptor,
                                     cudnnDestroyPoolingDescriptor>;

// A packed tensor of shape (N, C, H, W), laid out NCHW or, with `channelsLast`, NHWC.
class TensorDescriptor : public Descriptor<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor,
                                           cudnnDestroyTensorDescriptor> {
 public:
  TensorDescriptor(const Shape& nchw, bool bf16, bool channelsLast) {
    if (nchw.size() != 4)
      throw Error("cuDNN is given a tensor of rank " + std::to_string(nchw.size()) +
                  ", not (N, C, H, W)");
    TWB_CUDNN(cudnnSetTensor4dDescriptor(*this, cudnnLayout(channelsLast), cudnnType(bf16),
                                         static_cast<int>(nchw[0]), static_cast<int>(nchw[1]),
                                         static_cast<int>(nchw[2]), static_cast<int>(nchw[3])));
  }
  // The (1, C, 1, 1) f32 scale, shift and statistics of batch norm over `x`.
  static TensorDescriptor batchNormStatistics(const TensorDescriptor& x) {
    TensorDescriptor stats;
    TWB_CUDNN(cudnnDeriveBNTensorDescriptor(stats, x, CUDNN_BATCHNORM_SPATIAL));
    return stats;
  }

 private:
  TensorDescriptor() = default;
};

// A convolution's weights of shape (out, in / groups, kh, kw): as the engine stores them, or
// with `channelsLast` as cuDNN's NHWC kernels read them, (out, kh, kw, in / groups).
class FilterDescriptor : public Descriptor<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor,
                                           cudnnDestroyFilterDescriptor> {
 public:
  FilterDescriptor(const Shape& oihw, bool bf16, bool channelsLast) {
    TWB_CUDNN(cudnnSetFilter4dDescriptor(*this, cudnnType(bf16), cudnnLayout(channelsLast),
                                         static_cast<int>(oihw[0]), static_cast<int>(oihw[1]),
                                         static_cast<int>(oihw[2]), static_cast<int>(oihw[3])));
  }
};

}  // namespace twb::gpu
