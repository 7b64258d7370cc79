#include "remote/node_endpoint.h"

#include <google/protobuf/util/json_util.h>

#include <QJsonDocument>

namespace twb::remote {

NodeClient connectClient(NodeEndpoint& node) {
  const QString tokenFile = node.tokenFile();
  return NodeClient(NodeAddress::parse(node.connect().toStdString()),
                    tokenFile.isEmpty() ? AccessToken() : AccessToken::fromFile(tokenFile.toStdString()));
}

QJsonObject fetchNodeInfo(NodeEndpoint& node) {
  std::string json;
  google::protobuf::util::MessageToJsonString(connectClient(node).info(), &json);
  return QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
}

}  // namespace twb::remote
