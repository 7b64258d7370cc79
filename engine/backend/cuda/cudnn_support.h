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

// A packed tensor of shape (N, C, H, W), laid out NCHW or, with `channelsLast`, NHWC.
class TensorDescriptor {
 public:
  TensorDescriptor(const Shape& nchw, bool bf16, bool channelsLast) : TensorDescriptor() {
    if (nchw.size() != 4)
      throw Error("cuDNN is given a tensor of rank " + std::to_string(nchw.size()) +
                  ", not (N, C, H, W)");
    TWB_CUDNN(cudnnSetTensor4dDescriptor(m_desc, cudnnLayout(channelsLast), cudnnType(bf16),
                                         static_cast<int>(nchw[0]), static_cast<int>(nchw[1]),
                                         static_cast<int>(nchw[2]), static_cast<int>(nchw[3])));
  }
  // The (1, C, 1, 1) f32 scale, shift and statistics of batch norm over `x`.
  static TensorDescriptor batchNormStatistics(const TensorDescriptor& x) {
    TensorDescriptor stats;
    TWB_CUDNN(cudnnDeriveBNTensorDescriptor(stats.m_desc, x.m_desc, CUDNN_BATCHNORM_SPATIAL));
    return stats;
  }
  ~TensorDescriptor() {
    if (m_desc) cudnnDestroyTensorDescriptor(m_desc);
  }
  TensorDescriptor(TensorDescriptor&& other) noexcept : m_desc(other.m_desc) {
    other.m_desc = nullptr;
  }
  TensorDescriptor(const TensorDescriptor&) = delete;
  TensorDescriptor& operator=(const TensorDescriptor&) = delete;
  operator cudnnTensorDescriptor_t() const { return m_desc; }

 private:
  TensorDescriptor() { TWB_CUDNN(cudnnCreateTensorDescriptor(&m_desc)); }
  cudnnTensorDescriptor_t m_desc = nullptr;
};

// A convolution's weights of shape (out, in / groups, kh, kw): as the engine stores them, or
// with `channelsLast` as cuDNN's NHWC kernels read them, (out, kh, kw, in / groups).
class FilterDescriptor {
 public:
  FilterDescriptor(const Shape& oihw, bool bf16, bool channelsLast) {
    TWB_CUDNN(cudnnCreateFilterDescriptor(&m_desc));
    TWB_CUDNN(cudnnSetFilter4dDescriptor(m_desc, cudnnType(bf16), cudnnLayout(channelsLast),
                                         static_cast<int>(oihw[0]), static_cast<int>(oihw[1]),
                                         static_cast<int>(oihw[2]), static_cast<int>(oihw[3])));
  }
  ~FilterDescriptor() { cudnnDestroyFilterDescriptor(m_desc); }
  FilterDescriptor(const FilterDescriptor&) = delete;
  FilterDescriptor& operator=(const FilterDescriptor&) = delete;
  operator cudnnFilterDescriptor_t() const { return m_desc; }

 private:
  cudnnFilterDescriptor_t m_desc = nullptr;
};

class ConvolutionDescriptor {
 public:
  ConvolutionDescriptor() { TWB_CUDNN(cudnnCreateConvolutionDescriptor(&m_desc)); }
  ~ConvolutionDescriptor() { cudnnDestroyConvolutionDescriptor(m_desc); }
  ConvolutionDescriptor(const ConvolutionDescriptor&) = delete;
  ConvolutionDescriptor& operator=(const ConvolutionDescriptor&) = delete;
  operator cudnnConvolutionDescriptor_t() const { return m_desc; }

 private:
  cudnnConvolutionDescriptor_t m_desc = nullptr;
};

class PoolingDescriptor {
 public:
  PoolingDescriptor() { TWB_CUDNN(cudnnCreatePoolingDescriptor(&m_desc)); }
  ~PoolingDescriptor() { cudnnDestroyPoolingDescriptor(m_desc); }
  PoolingDescriptor(const PoolingDescriptor&) = delete;
  PoolingDescriptor& operator=(const PoolingDescriptor&) = delete;
  operator cudnnPoolingDescriptor_t() const { return m_desc; }

 private:
  cudnnPoolingDescriptor_t m_desc = nullptr;
};

}  // namespace twb::gpu
