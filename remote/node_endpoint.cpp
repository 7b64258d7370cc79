#include "remote/node_endpoint.h"

namespace twb::remote {

NodeClient connectClient(NodeEndpoint& node) {
  const QString tokenFile = node.tokenFile();
  return NodeClient(NodeAddress::parse(node.connect().toStdString()),
                    tokenFile.isEmpty() ? AccessToken() : AccessToken::fromFile(tokenFile.toStdString()));
}

}  // namespace twb::remote
