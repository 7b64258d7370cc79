#pragma once

#include <cstdint>

namespace twb {

// Inference pooling over f32 in oneDNN's nChw8c layout (blocks of 8 channels innermost), the
// layout oneDNN's convolutions chain in on AVX2: each window position is one 8-lane load. oneDNN
// 2.6's own pooling takes 2.5x as long on the same buffers (cnn-small's 2x2 max pool at batch
// 64: 0.84 ms against 0.33 on a 2-core AVX2 EPYC), and pooling follows most convolutions.
struct BlockedPlanes {
  int64_t batch = 0, channels = 0, height = 0, width = 0;  // channels: a multiple of 8
};

struct PoolWindow {
  int64_t kernel[2] = {1, 1}, stride[2] = {1, 1}, padding[2] = {0, 0};
  int64_t outHeight = 0, outWidth = 0;
};

// dst (batch, channels/8, outHeight, outWidth, 8) = the largest value of each window; padding
// never wins (it is -infinity, as in PyTorch).
void maxPoolBlocked(const float* src, const BlockedPlanes& planes, const PoolWindow& window,
                    float* dst);

// dst (batch, channels), plain = the mean of each channel's plane.
void globalAvgPoolBlocked(const float* src, const BlockedPlanes& planes, float* dst);

}  // namespace twb
