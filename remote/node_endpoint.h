#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

namespace twb {
class NodeClient;  // rpc/node_client.h: plugins implement endpoints without the gRPC headers
}  // namespace twb

namespace twb::remote {

// A node as the dispatcher sees it: something that, when asked, makes its node service reachable
// and says at which address ("unix:PATH" or "tcp:HOST:PORT", as twb::NodeAddress reads them).
// connect() is blocking and is called on a worker thread, first and again after every drop; it
// throws RemoteError.
class NodeEndpoint {
 public:
  virtual ~NodeEndpoint() = default;
  virtual QString connect() = 0;
  virtual QString tokenFile() const { return {}; }
  virtual QString describe() const = 0;  // for messages: "local", "root@10.0.0.2:22"
  // The address other machines reach this node at (its SSH host); empty when none is known (the
  // local node). A job across nodes meets at its first node's.
  virtual QString networkHost() const { return {}; }
};

// A client of `node`'s service, connecting (or reconnecting) first, with its token when it has
// one. Blocking: for worker threads.
NodeClient connectClient(NodeEndpoint& node);

// `node`'s GetNodeInfo answer in protobuf's JSON form (cpuModel, bf16, gpus, ...); blocking,
// throws what the connection or the call throws.
QJsonObject fetchNodeInfo(NodeEndpoint& node);

// `node`'s GetOpCatalog answer as the engine writes its catalogue (`twb-engine ops --json`: name,
// doc, min_inputs, max_inputs, attrs with name, type, required, default, doc); blocking.
QJsonArray fetchOpCatalog(NodeEndpoint& node);

}  // namespace twb::remote
