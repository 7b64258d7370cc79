#pragma once

#include <QList>
#include <QString>
#include <QStringList>
#include <functional>
#include <optional>

namespace twb::remote {

// Where a node is and who logs in.
// `host` may be a Host alias of the user's ~/.ssh/config, which then supplies what the target
// leaves open: the user, the port when it is 22, the key files, jump hosts (remote/ssh_config.h).
struct SshTarget {
  QString host;
  int port = 22;
  QString user;
  QString keyPath;  // a private key file; empty: the config's, ssh-agent, then a password

  QString display() const { return user + "@" + host + ":" + QString::number(port); }
};

// One question of a keyboard-interactive login; `echo`: the answer may be shown as typed.
struct SshQuestion {
  QString text;
  bool echo = false;
};

// Questions the connection asks its user, answered by the GUI (dialogs) or a test. They are
// called on the connecting thread and may block it; nothing they return is ever stored.
struct SshPrompts {
  // The host's key is not in any known_hosts file: trust it? `fingerprint` is "SHA256:...".
  std::function<bool(const QString& host, const QString& keyType, const QString& fingerprint)>
      acceptUnknownHost;
  // The passphrase of an encrypted key file; nullopt: the user declined.
  std::function<std::optional<QString>(const QString& keyPath)> keyPassphrase;
  // The password of user@host; nullopt: the user declined.
  std::function<std::optional<QString>(const QString& userAtHost)> password;
  // A keyboard-interactive round (one-time codes, 2FA): the server's `instruction` and its
  // questions. The answers in order; nullopt: the user declined.
  std::function<std::optional<QStringList>(const QString& userAtHost, const QString& instruction,
                                           const QList<SshQuestion>& questions)>
      keyboardInteractive;
};

}  // namespace twb::remote
