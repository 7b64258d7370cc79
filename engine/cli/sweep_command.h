#pragma once

#include <string>
#include <vector>

#include "cli/job_across_nodes.h"
#include "rpc/node_client.h"

namespace twb {

// `twb-engine client --node ... sweep JOB [--csv FILE]`: runs the job file's sweep on the nodes,
// a line per trial as it ends, then every trial with its values and results, the best first.
// Returns the exit code: 0 when at least one trial succeeded.
int runSweepCommand(const std::string& jobPath, std::vector<NodeTarget> nodes, NodeAccess access,
                    const std::string& csvPath);

}  // namespace twb
