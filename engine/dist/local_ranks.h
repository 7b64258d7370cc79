#pragma once

#include <atomic>
#include <string>
#include <vector>

namespace twb {

struct LocalRanksResult {
  int exitCode = 0;     // 0, 130 when the ranks stopped on request, 1 when one failed
  std::string failure;  // "rank 1 (pid 4242) was killed by signal 9 (Killed)"
};

// Runs `ranks` processes of this executable (twb-engine) on this machine: rank r with
// `commonArgs`, then `--rank r --rendezvous 127.0.0.1:PORT` and its own `perRankArgs[r]`. The
// job's rendezvous secret travels in the environment (TWB_RENDEZVOUS_SECRET), never on a
// command line. Standard output of ranks other than 0 goes to /dev/null.
//
// A stop request is passed on to every rank (they agree on it and checkpoint). When a rank dies
// or fails, the others get a grace period to fail on their own, then are killed: nothing is left
// running. Ranks also die with the launcher.
LocalRanksResult launchLocalRanks(int ranks, const std::vector<std::string>& commonArgs,
                                  const std::vector<std::vector<std::string>>& perRankArgs,
                                  const std::atomic<bool>* stop);

// The environment variable a rank reads its job's rendezvous secret from.
constexpr const char* kSecretVariable = "TWB_RENDEZVOUS_SECRET";

}  // namespace twb
