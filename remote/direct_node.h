#pragma once

#include "remote/node_endpoint.h"

namespace twb::remote {

// A node whose daemon is already reachable: a unix socket on this machine, or tcp:HOST:PORT on a
// trusted network with its token file. Nothing is started or deployed.
class DirectNode final : public NodeEndpoint {
 public:
  explicit DirectNode(QString address, QString tokenFile = {})
      : m_address(std::move(address)), m_tokenFile(std::move(tokenFile)) {}

  QString connect() override { return m_address; }
  QString tokenFile() const override { return m_tokenFile; }
  QString describe() const override { return m_address; }

 private:
  QString m_address, m_tokenFile;
};

}  // namespace twb::remote
