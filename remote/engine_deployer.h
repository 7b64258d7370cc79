#pragma once

#include <QString>
#include <functional>

#include "remote/engine_bundle.h"
#include "remote/ssh_session.h"

namespace twb::remote {

// Where the engine runs on a node once deployed.
struct DeployedEngine {
  QString binary;     // BASE/engine/NAME/bin/twb-engine
  QString socket;     // BASE/run/node.sock, in a 0700 folder
  QString dataDir;    // BASE/node
  bool uploaded = false;       // false: that bundle was already there
  bool daemonStarted = false;  // false: a daemon of the same build was running and is reused
};

// Puts the engine on a node over an SSH session and starts its daemon:
//   1. the node must be Linux x86-64 (uname);
//   2. BASE/engine/NAME is used as it is when every file matches its SHA256SUMS; otherwise the
//      bundle is uploaded by SFTP to a temporary name, its checksum verified on the node,
//      unpacked into a temporary folder, checked again and renamed into place, so an upload cut
//      half-way never leaves a usable partial engine (and the next attempt clears its leftovers);
//   3. a daemon of the same build already serving is reused, one of another build is stopped
//      (its jobs keep running and the new daemon reattaches them), and `twb-engine serve` is
//      started detached on BASE/run/node.sock.
// BASE is ~/.cache/twb unless given.
class EngineDeployer {
 public:
  EngineDeployer(SshSession& ssh, EngineBundle bundle, QString remoteBase = {});
  // `progress(done, total)` sees the upload; returning false cancels it (RemoteError).
  DeployedEngine deploy(const std::function<bool(qint64, qint64)>& progress = {});

 private:
  void checkPlatform();
  bool bundleInstalled(const QString& dir);
  void upload(const QString& dir, const std::function<bool(qint64, qint64)>& progress);
  bool startDaemon(const DeployedEngine& engine);

  SshSession& m_ssh;
  EngineBundle m_bundle;
  QString m_base;
};

// 'text' for a POSIX shell.
QString shellQuote(const QString& text);

}  // namespace twb::remote
