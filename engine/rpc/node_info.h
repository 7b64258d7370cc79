#pragma once

#include "rpc/proto/node_service.pb.h"

namespace twb {

// This machine and this engine as GetNodeInfo reports them: host, OS, CPU and its ISA, memory,
// GPUs (from nvidia-smi where the NVIDIA driver is installed), version and build hash.
node::v1::NodeInfo readNodeInfo(int maxJobs);

}  // namespace twb
