#pragma once

#include <libssh/libssh.h>

#include <QByteArray>
#include <QString>
#include <functional>
#include <memory>
#include <optional>

#include "remote/ssh_config.h"
#include "remote/ssh_jump.h"
#include "remote/ssh_target.h"

namespace twb::remote {

// One SSH connection (libssh): the target completed from the user's ~/.ssh/config (Host aliases,
// HostName, User, Port, IdentityFile, IdentitiesOnly, ProxyJump through one or more jump hosts,
// each host key checked; ServerAliveInterval, ConnectTimeout), the host key checked against the
// workbench's known_hosts file and the user's, a login by key file, ssh-agent, password or
// keyboard-interactive prompts, then commands and SFTP uploads. Not thread-safe: one thread uses
// it at a time. Failures throw RemoteError.
class SshSession {
 public:
  struct Options {
    QString knownHostsFile;      // the workbench's own: read, and written when a host is accepted
    QString userKnownHostsFile;  // read only; default ~/.ssh/known_hosts
    int timeoutSeconds = 10;     // to connect, and for each reply (the config's ConnectTimeout wins)
    QString sshConfigFile;       // the user's OpenSSH config; empty: ~/.ssh/config; "none": none
  };

  SshSession(SshTarget target, Options options, SshPrompts prompts);
  // A jump host's session, reached through `jumps` (the hops before it), not its config's.
  SshSession(SshTarget target, Options options, SshPrompts prompts, QStringList jumps);
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
  // As the user gave it, and as connected: HostName, User, Port and keys from the config.
  const SshTarget& target() const { return m_target; }
  const SshTarget& resolved() const { return m_resolved; }
  QString hostKeyFingerprint() const { return m_fingerprint; }  // "SHA256:..."
  bool isConnected() const;

 private:
  void resolveTarget();
  void connectThroughJumps();
  void keepAlive();
  void verifyHostKey();
  void authenticate();
  int authenticateWithKey(const QString& keyPath, QStringList& tried);  // SSH_AUTH_*
  int authenticateInteractively(QStringList& tried);
  [[noreturn]] void fail(const QString& what, bool retryable) const;

  SshTarget m_target, m_resolved;
  Options m_options;
  SshPrompts m_prompts;
  SshHostConfig m_config;
  // Jump hosts this session goes through, as the config or the session that made it says.
  std::optional<QStringList> m_jumps;
  std::unique_ptr<SshJump> m_jump;  // the last hop, carrying this connection
  ssh_session m_session = nullptr;
  QString m_fingerprint;
};

// Whether `passphrase` opens the private key file `keyPath` (a kept passphrase is checked before
// it is used, so a changed one is asked again instead of failing every login).
bool sshKeyOpens(const QString& keyPath, const QString& passphrase);

}  // namespace twb::remote
