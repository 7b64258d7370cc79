#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "dist/communicator.h"
#include "dist/rendezvous.h"

namespace twb {

struct GlooOptions {
  int rank = 0;
  int size = 1;
  RendezvousAddress rendezvous;  // rank 0 serves it while the ranks connect
  std::string secret;            // the job's, from the dispatcher or the launcher
  // The network interface the collectives use ("eth1", like GLOO_SOCKET_IFNAME); empty: the
  // one this host reaches the rendezvous through.
  std::string interface;
  int streams = 1;  // parallel connections per peer; large reductions are split across them
  // Hierarchical all-reduce (HierarchicalCommunicator): ranks r with the same r / ranksPerNode
  // share a machine and reduce through shared memory first. Unset: hierarchical when every
  // machine's /dev/shm has room for it (the ranks agree), the flat ring otherwise.
  std::optional<bool> hierarchical = false;
  int ranksPerNode = 1;
  // Told what connecting chose where the options left it open (why shared memory is not used).
  std::function<void(const std::string&)> note;
  std::chrono::milliseconds connectTimeout{60000};
  std::chrono::milliseconds timeout{10000};
  // Every rank exchanges a heartbeat with every other each period; one a peer has not answered
  // within `heartbeatSilence` fails the collectives at once, naming it (PeerWatch).
  std::chrono::milliseconds heartbeatPeriod{500};
  std::chrono::milliseconds heartbeatSilence{3000};
};

// Connects the ranks of a job over Gloo's TCP transport: a full mesh per stream, agreed through
// the job's rendezvous, which rank 0 closes as soon as every rank is connected. Reductions run as
// a ring on Gloo's pairs, so they can put bf16 / fp16 on the wire while accumulating in f32.
// With `statistics`, also connects what synchronized BatchNorm's small gathers run on from the
// compute thread while gradient buckets use the others: a shared-memory segment of their own
// when every rank is on this machine and the job is hierarchical, one more mesh otherwise.
std::unique_ptr<Communicator> connectGloo(const GlooOptions& options,
                                          std::unique_ptr<RankCollective>* statistics = nullptr);

// Throws, naming the interface and those that exist, when this host has no interface `name`.
void checkNetworkInterface(const std::string& name);

}  // namespace twb
