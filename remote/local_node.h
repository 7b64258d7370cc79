#pragma once

#include <QString>
#include <mutex>

#include "remote/node_endpoint.h"

namespace twb::remote {

// This machine as a node, the default: `twb-engine serve` started as a child process on a unix
// socket in a private 0700 folder, restarted by connect() if it has died; a daemon an earlier
// session left serving the same data folder (with its jobs) is reused. No SSH, no setup.
class LocalNode final : public NodeEndpoint {
 public:
  // `engine`: the twb-engine binary; `dataDir`: where its jobs live (kept across restarts).
  LocalNode(QString engine, QString dataDir);
  ~LocalNode() override;  // stops the daemon; running jobs keep running

  QString connect() override;
  QString describe() const override { return "local"; }

 private:
  bool daemonRunning();

  QString m_engine, m_dataDir, m_folder;
  std::mutex m_mutex;
  int m_pid = 0;  // the daemon, a child of this process
};

}  // namespace twb::remote
