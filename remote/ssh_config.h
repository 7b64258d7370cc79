#pragma once

#include <QString>
#include <QStringList>
#include <optional>

namespace twb::remote {

// What an OpenSSH client config (ssh_config(5), normally ~/.ssh/config) says about one host: the
// keywords the workbench honours, each the first value found in the Host blocks that match, as
// ssh reads them.
struct SshHostConfig {
  QString hostName;             // HostName, with %h replaced; empty: the name given
  QString user;                 // User
  std::optional<int> port;      // Port
  QStringList identityFiles;    // IdentityFile, every one, ~ and %d %h %r %u expanded
  bool identitiesOnly = false;  // IdentitiesOnly: only these keys, not the agent's others
  QStringList proxyJumps;       // ProxyJump: [user@]host[:port] hops, the first reached first
  std::optional<int> serverAliveInterval;  // ServerAliveInterval, seconds; 0: off
  int connectTimeout = 0;       // ConnectTimeout, seconds; 0: unset
};

// An ssh_config file with its Include files. Unknown keywords are ignored, as ssh ignores the
// ones it does not need; Match blocks are skipped (they are not read by this subset).
class SshConfig {
 public:
  // Reads `path`; a file that does not exist is an empty config. A line that cannot be read
  // throws RemoteError naming the file, the line and the keyword.
  static SshConfig load(const QString& path);
  static QString defaultPath();  // ~/.ssh/config

  // `host`: the name the user gave (an alias or a host name); `localUser`: for %u.
  SshHostConfig resolve(const QString& host, const QString& localUser = {}) const;

 private:
  struct Line {
    QString keyword;  // lower case
    QString value;
    QStringList hostPatterns;  // of the Host block it is in; empty: before any Host (all hosts)
    bool inMatch = false;
  };
  void read(const QString& path, int depth);

  QList<Line> m_lines;
};

// Whether `host` matches an ssh_config Host pattern list ("*.lab !gw.lab web?"): one pattern
// matches and no negated one does.
bool sshHostMatches(const QString& host, const QStringList& patterns);

}  // namespace twb::remote
