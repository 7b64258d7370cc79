#include "ssh_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QThread>

#include "dist/rendezvous.h"

namespace twb::test {

namespace {
bool canConnect(const QString& host, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.toUtf8().constData(), &address.sin_addr);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

QList<int> childrenOf(int parent) {
  QList<int> children;
  for (const QString& entry : QDir("/proc").entryList(QDir::Dirs)) {
    bool numeric = false;
    const int pid = entry.toInt(&numeric);
    if (!numeric) continue;
    QFile stat("/proc/" + entry + "/stat");
    if (!stat.open(QIODevice::ReadOnly)) continue;
    const QString text = QString::fromUtf8(stat.readAll());
    const QStringList fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    if (fields.size() > 1 && fields[1].toInt() == parent) children << pid;
  }
  return children;
}
}  // namespace

int runCommand(const QString& program, const QStringList& args, QString* output) {
  QProcess process;
  process.setProcessChannelMode(QProcess::MergedChannels);
  process.start(program, args);
  if (!process.waitForFinished(120000)) return -1;
  if (output) *output = QString::fromUtf8(process.readAll());
  return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
}

QString makeEngineBundle(const QString& dir, QString* output) {
  QString printed;
  const int code = runCommand(TWB_SOURCE_DIR "/packaging/make-engine-bundle.sh",
                              {TWB_ENGINE_BINARY, dir}, &printed);
  if (output) *output = printed;
  return code == 0 ? printed.trimmed().split('\n').last() : QString();
}

QString oneTimeCodePam(const QString& dir, const QString& code) {
  const QString check = dir + "/check-code.sh", pam = dir + "/pam-sshd";
  QFile script(check);
  script.open(QIODevice::WriteOnly | QIODevice::Truncate);
  script.write(QString("#!/bin/sh\nread -r code\n[ \"$code\" = %1 ]\n").arg(code).toUtf8());
  script.close();
  QFile::setPermissions(check, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
  // pam_exec asks the question (expose_authtok); pam_permit answers pam_setcred, which it ignores.
  QFile service(pam);
  service.open(QIODevice::WriteOnly | QIODevice::Truncate);
  service.write(("auth required pam_exec.so expose_authtok quiet " + check +
                 "\nauth optional pam_permit.so\naccount required pam_permit.so\n"
                 "session required pam_permit.so\n")
                    .toUtf8());
  return pam;
}

SshServer::SshServer(const QString& dir, const QString& address, const QString& netns)
    : m_dir(dir), m_address(address), m_netns(netns) {
  QDir().mkpath(m_dir);
  QDir().mkpath("/run/sshd");  // sshd's privilege separation folder
  if (m_netns.isEmpty()) m_port = freePort("127.0.0.1");
  runCommand("ssh-keygen", {"-q", "-t", "ed25519", "-N", "", "-f", m_dir + "/host_ed25519"});
  runCommand("ssh-keygen", {"-q", "-t", "ed25519", "-N", "", "-f", clientKey()});
  QFile::copy(clientKey() + ".pub", m_dir + "/authorized_keys");
  QFile config(m_dir + "/sshd_config");
  config.open(QIODevice::WriteOnly);
  config.write(QString("Port %1\nListenAddress %2\nHostKey %3/host_ed25519\nPidFile %3/sshd.pid\n"
                       "AuthorizedKeysFile %3/authorized_keys\nStrictModes no\nUsePAM no\n"
                       "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
                       "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"
                       "AllowStreamLocalForwarding yes\nSubsystem sftp internal-sftp\n"
                       "LogLevel ERROR\n")
                   .arg(m_port)
                   .arg(m_address, m_dir)
                   .toUtf8());
  // What a session starts (a node's daemon, its workers) runs under the test's sanitizer
  // options, as it would started locally: suppressions, and stopping at the first report.
  for (const char* name : {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS"})
    if (qEnvironmentVariableIsSet(name))
      config.write(QString("SetEnv %1=\"%2\"\n").arg(name, qEnvironmentVariable(name)).toUtf8());
}

SshServer::~SshServer() { stop(); }

void SshServer::prependConfig(const QString& lines) {
  QFile config(m_dir + "/sshd_config");
  config.open(QIODevice::ReadOnly);
  const QByteArray defaults = config.readAll();
  config.close();
  config.open(QIODevice::WriteOnly | QIODevice::Truncate);
  config.write(lines.toUtf8() + "\n" + defaults);
}

void SshServer::usePam(const QString& pamConfig) {
  m_pamConfig = pamConfig;
  prependConfig("UsePAM yes\nKbdInteractiveAuthentication yes\nPermitRootLogin yes");
}

// Inside a namespace the server may listen where only the namespace reaches (its loopback).
bool SshServer::listening() const {
  if (m_netns.isEmpty()) return canConnect(m_address, m_port);
  return runCommand("ip", {"netns", "exec", m_netns, "bash", "-c",
                           QString("exec 3<>/dev/tcp/%1/%2").arg(m_address).arg(m_port)}) == 0;
}

bool SshServer::start() {
  m_sshd = std::make_unique<QProcess>();
  m_sshd->setProcessChannelMode(QProcess::MergedChannels);
  QStringList sshd = {"/usr/sbin/sshd", "-D", "-e", "-f", m_dir + "/sshd_config"};
  if (!m_pamConfig.isEmpty())
    sshd = QStringList{"unshare", "--mount", "--propagation", "private", "sh", "-c",
                       "mount --bind \"$0\" /etc/pam.d/sshd && exec \"$@\"", m_pamConfig} +
           sshd;
  if (m_netns.isEmpty()) m_sshd->start(sshd[0], sshd.mid(1));
  else m_sshd->start("ip", QStringList{"netns", "exec", m_netns} + sshd);
  QElapsedTimer timer;
  timer.start();
  while (timer.elapsed() < 10000 && m_sshd->state() != QProcess::NotRunning) {
    if (listening()) return true;
    QThread::msleep(50);
  }
  m_error = "sshd did not start: " + QString::fromUtf8(m_sshd->readAll());
  return false;
}

void SshServer::stop() {
  if (!m_sshd || m_sshd->state() == QProcess::NotRunning) return;
  killSessions();
  m_sshd->terminate();
  if (!m_sshd->waitForFinished(5000)) m_sshd->kill();
  m_sshd->waitForFinished(5000);
}

QString SshServer::hostKeyFingerprint() const {
  QString output;
  runCommand("ssh-keygen", {"-l", "-f", m_dir + "/host_ed25519.pub"}, &output);
  return output.section(' ', 1, 1);
}

void SshServer::replaceHostKey() {
  QFile::remove(m_dir + "/host_ed25519");
  QFile::remove(m_dir + "/host_ed25519.pub");
  runCommand("ssh-keygen", {"-q", "-t", "ed25519", "-N", "", "-f", m_dir + "/host_ed25519"});
}

int SshServer::killSessions() {
  if (!m_sshd) return 0;
  const QList<int> sessions = childrenOf(static_cast<int>(m_sshd->processId()));
  for (int pid : sessions) ::kill(pid, SIGKILL);
  return static_cast<int>(sessions.size());
}

}  // namespace twb::test
