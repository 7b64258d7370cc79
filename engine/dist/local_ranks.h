#pragma once

#include <atomic>
#include <string>
#include <vector>

namespace twb {

struct LocalRanksResult {
  int exitCode = 0;     // 0, 130 when the ranks stopped on request, 1 when one failed
  // "rank 1 (pid 4242) was killed by signal 9 (Killed)", then "; rank 2 (pid 4243) was stopped
  // (SIGSTOP, a debugger) and was killed" for each rank found stopped once another had failed.
  std::string failure;
};

// This machine's share of a job's ranks. A job on this machine alone leaves `rendezvous` empty:
// the ranks then meet on a free port of 127.0.0.1 with a fresh secret. A node's share of a job
// across nodes gets both from the dispatcher.
struct RankGroup {
  int firstRank = 0;       // the global rank of the first process started here
  int count = 1;           // processes started here
  std::string rendezvous;  // rank 0's HOST:PORT
  std::string secret;
  int threadsPerRank = 0;  // the job's threads (0: the ranks share the machine's cores)
};

// Runs `group.count` processes of this executable (twb-engine): local rank i (global rank
// firstRank + i) with `commonArgs`, then `--rank R --rendezvous HOST:PORT` and its own
// `perRankArgs[i]` (and `--threads N`, the number of its cores, when it is bound to cores of its
// own).
// The job's rendezvous secret travels in the environment
// (TWB_RENDEZVOUS_SECRET), never on a command line. Standard output of every process but the
// first goes to /dev/null. Failures name the global rank. When the ranks' threads fit on the cores
// this process may use, each rank is bound to cores of its own (dist/core_binding.h).
//
// A stop request is passed on to every rank (they agree on it and checkpoint). When a rank dies
// or fails, the others get a grace period to fail on their own, then are killed: nothing is left
// running. Ranks also die with the launcher.
LocalRanksResult launchLocalRanks(RankGroup group, const std::vector<std::string>& commonArgs,
                                  const std::vector<std::vector<std::string>>& perRankArgs,
                                  const std::atomic<bool>* stop);

// The environment variable a rank reads its job's rendezvous secret from.
constexpr const char* kSecretVariable = "TWB_RENDEZVOUS_SECRET";

}  // namespace twb
