#pragma once

#include <vector>

namespace twb {

// Where the ranks of one machine run. Bound to cores of their own, cnn-small's two one-thread
// ranks on two cores ran 4-19 % faster than left to the scheduler (docs/benchmarks.md).

// Disjoint cores for each of `ranks` processes of `threadsPerRank` threads (0: an equal share of
// `allowed`), taken in order from `allowed`, when together they fill `allowed` exactly; empty
// otherwise, and the scheduler places them: a job that leaves cores free may share the machine
// with other jobs or other namespace hosts, which a binding of its own would crowd onto the
// same first cores.
std::vector<std::vector<int>> coresForRanks(int ranks, int threadsPerRank,
                                            const std::vector<int>& allowed);

// Binds the calling thread, and what it starts or executes from then on, to `cores`. A refusal
// is ignored: an unbound rank still runs, only slower.
void bindToCores(const std::vector<int>& cores);

}  // namespace twb
