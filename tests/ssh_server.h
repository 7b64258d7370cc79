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

  // Lines that win over the server's defaults (sshd takes the first value of a keyword).
  void prependConfig(const QString& lines);
  // Logins through PAM with `pamConfig` as sshd's PAM service (bound over /etc/pam.d/sshd in a
  // mount namespace of the server's own), for keyboard-interactive tests. Before start().
  void usePam(const QString& pamConfig);
  bool start();           // false: see error()
  void stop();
  QString error() const { return m_error; }
  QString host() const { return m_address; }
  int port() const { return m_port; }
  int processId() const { return m_sshd ? static_cast<int>(m_sshd->processId()) : 0; }  // the listener
  QString clientKey() const { return m_dir + "/client_ed25519"; }
  QString hostKeyFingerprint() const;  // "SHA256:..." as ssh-keygen -l prints it
  void replaceHostKey();               // a new host key; restart to use it
  int killSessions();                  // SIGKILL to the sshd children serving connections

 private:
  bool listening() const;

  QString m_dir, m_address, m_netns, m_error, m_pamConfig;
  int m_port = 22;
  std::unique_ptr<QProcess> m_sshd;
};

// A PAM service file (written in `dir`) whose login asks one question, "Password: ", accepting
// only `code`: a one-time code's second factor, for SshServer::usePam().
QString oneTimeCodePam(const QString& dir, const QString& code);

// Runs a command to its end; returns its exit code (-1: did not start or crashed).
int runCommand(const QString& program, const QStringList& args, QString* output = nullptr);

// The engine bundle packaging/make-engine-bundle.sh writes into `dir`: its path (the script's
// last line), or "" when the script failed; `output` gets all it printed.
QString makeEngineBundle(const QString& dir, QString* output = nullptr);

}  // namespace twb::test
