#pragma once

#include <atomic>
#include <string>
#include <vector>

namespace twb {

// Runs `ranks` processes of this executable on this machine, rank r with `commonArgs`, then
// `--rank r --rendezvous 127.0.0.1:PORT` and its own `perRankArgs[r]`; the job's rendezvous
// secret travels in the environment (TWB_RENDEZVOUS_SECRET), never on a command line. Rank
// output other than rank 0's standard output is kept; theirs goes to /dev/null.
//
// A stop request is passed on to every rank (they agree on it and checkpoint). When a rank dies
// or fails, the others get a grace period to fail on their own, then are killed: nothing is left
// running. Ranks also die with the launcher. Returns 0, or 1 after printing which rank failed.
int launchLocalRanks(int ranks, const std::vector<std::string>& commonArgs,
                     const std::vector<std::vector<std::string>>& perRankArgs,
                     const std::atomic<bool>* stop);

// The environment variable a rank reads its job's rendezvous secret from.
constexpr const char* kSecretVariable = "TWB_RENDEZVOUS_SECRET";

}  // namespace twb
