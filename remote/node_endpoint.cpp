#include "remote/node_endpoint.h"

#include <google/protobuf/util/json_util.h>

#include <QJsonDocument>

#include "rpc/node_client.h"

namespace twb::remote {

NodeClient connectClient(NodeEndpoint& node) {
  const QString tokenFile = node.tokenFile();
  return NodeClient(
      NodeAddress::parse(node.connect().toStdString()),
      tokenFile.isEmpty() ? AccessToken() : AccessToken::fromFile(tokenFile.toStdString()));
}

QJsonObject fetchNodeInfo(NodeEndpoint& node) {
  std::string json;
  google::protobuf::util::MessageToJsonString(connectClient(node).info(), &json);
  return QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
}

QJsonArray fetchOpCatalog(NodeEndpoint& node) {
  QJsonArray ops;
  const node::v1::OpCatalog catalog = connectClient(node).opCatalog();
  for (const auto& op : catalog.ops()) {
    QJsonArray attrs;
    for (const auto& a : op.attributes()) {
      QJsonObject attr{{"name", QString::fromStdString(a.name())},
                       {"type", QString::fromStdString(a.type())},
                       {"required", a.required()},
                       // A JSON value, wrapped to parse: "null", 3, [2, 2], "same".
                       {"default", QJsonDocument::fromJson(
                                       "[" + QByteArray::fromStdString(a.default_json()) + "]")
                                       .array()
                                       .at(0)},
                       {"doc", QString::fromStdString(a.doc())}};
      if (a.has_min()) attr["min"] = a.min();
      if (a.has_max()) attr["max"] = a.max();
      attrs.append(attr);
    }
    ops.append(QJsonObject{{"name", QString::fromStdString(op.name())},
                           {"doc", QString::fromStdString(op.doc())},
                           {"min_inputs", op.min_inputs()},
                           {"max_inputs", op.max_inputs()},
                           {"attrs", attrs}});
  }
  return ops;
}

}  // namespace twb::remote
