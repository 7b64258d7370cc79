#pragma once

#include <QString>
#include <functional>
#include <optional>

namespace twb::remote {

// Where a node is and who logs in.
struct SshTarget {
  QString host;
  int port = 22;
  QString user;
  QString keyPath;  // a private key file; empty: ssh-agent, then a password when offered

  QString display() const { return user + "@" + host + ":" + QString::number(port); }
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
};

}  // namespace twb::remote
