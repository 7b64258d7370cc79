#pragma once

#include <libssh/libssh.h>

#include <QByteArray>
#include <QString>
#include <functional>

#include "remote/ssh_target.h"

namespace twb::remote {

// One SSH connection (libssh): the host key checked against the workbench's known_hosts file
// and the user's, a login by ssh-agent, key file or password, then commands and SFTP uploads.
// Not thread-safe: one thread uses it at a time. Failures throw RemoteError.
class SshSession {
 public:
  struct Options {
    QString knownHostsFile;      // the workbench's own: read, and written when a host is accepted
    QString userKnownHostsFile;  // read only; default ~/.ssh/known_hosts
    int timeoutSeconds = 10;     // to connect, and for each reply
  };

  SshSession(SshTarget target, Options options, SshPrompts prompts);
  ~SshSession();
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;

  void connect();

  struct CommandResult {
    int exitStatus = -1;
    QByteArray out, err;
  };
  // Runs `command` through the login shell and waits for it.
  CommandResult run(const QString& command);
  // `command` must succeed (exit 0); returns its trimmed output, otherwise throws with its stderr.
  QString check(const QString& command, const QString& what);
  // Writes `localPath` to `remotePath` (mode 0600) by SFTP. `progress(done, total)` returning
  // false stops the upload (RemoteError), leaving what was written.
  void upload(const QString& localPath, const QString& remotePath,
              const std::function<bool(qint64, qint64)>& progress = {});

  ssh_session handle() const { return m_session; }
  const SshTarget& target() const { return m_target; }
  QString hostKeyFingerprint() const { return m_fingerprint; }  // "SHA256:..."
  bool isConnected() const;

 private:
  void verifyHostKey();
  void authenticate();
  [[noreturn]] void fail(const QString& what, bool retryable) const;

  SshTarget m_target;
  Options m_options;
  SshPrompts m_prompts;
  ssh_session m_session = nullptr;
  QString m_fingerprint;
};

}  // namespace twb::remote
