#pragma once

#include <cudnn.h>

#include <functional>
#include <string>

namespace twb::gpu {

// What one pass of a convolution runs: cuDNN's algorithm (of that pass' enum) and its math.
struct ConvAlgorithm {
  int algo = 0;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
};

// The algorithm remembered for `key` (a pass, its shapes and options on one GPU and cuDNN), or
// the one `time` picks, then remembered: in this process and, unless `file` is empty, in that
// file, shared by every process of the node. cuDNN's timings differ from run to run, so a
// choice is timed once and kept: a resumed run, in another process, then computes the same bits
// as the run it continues. The file is locked while a choice is read or timed and added, so that
// runs that start together agree too; an unreadable file is timed again, one that cannot be
// written leaves the choice to this process.
ConvAlgorithm rememberedChoice(const std::string& file, const std::string& key,
                               const std::function<ConvAlgorithm()>& time);

// "NVIDIA H200, driver 13000, cuDNN 91400": the GPU, driver and library a remembered choice
// holds for.
std::string timingPlatform(int device);

}  // namespace twb::gpu
