#pragma once

#include <cstdint>

namespace twb {

// Inference pooling over f32 in oneDNN's nChw8c layout (blocks of 8 channels innermost), the
// layout oneDNN's convolutions chain in on AVX2: each window position is one 8-lane load.
// Against oneDNN 2.6's own pooling in the engine on a 2-core AVX2 EPYC: cnn-small's first 2x2
// max pool at batch 64 0.65-0.69 ms against 0.92-1.09, ResNet-50's global average 0.22-0.28
// against 0.63; ResNet-50's 3x3 stem pool 1.1x, cnn-small's second max pool no faster.
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
