#pragma once

#include <QProcess>
#include <QString>
#include <memory>

namespace twb::test {

// A real OpenSSH server for a test: its own host key, a client key in its authorized_keys and its
// own config, all in `dir`; listening on `address` (a free port on loopback, or port 22 inside a
// network namespace). Runs as root, as CI does; stopped when destroyed.
class SshServer {
 public:
  SshServer(const QString& dir, const QString& address = "127.0.0.1", const QString& netns = {});
  ~SshServer();

  bool start();           // false: see error()
  void stop();
  QString error() const { return m_error; }
  QString host() const { return m_address; }
  int port() const { return m_port; }
  QString clientKey() const { return m_dir + "/client_ed25519"; }
  QString hostKeyFingerprint() const;  // "SHA256:..." as ssh-keygen -l prints it
  void replaceHostKey();               // a new host key; restart to use it
  int killSessions();                  // SIGKILL to the sshd children serving connections

 private:
  QString m_dir, m_address, m_netns, m_error;
  int m_port = 22;
  std::unique_ptr<QProcess> m_sshd;
};

// Runs a command to its end; returns its exit code (-1: did not start or crashed).
int runCommand(const QString& program, const QStringList& args, QString* output = nullptr);

}  // namespace twb::test
