#include "remote/local_node.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QByteArray>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>

#include "remote/remote_error.h"

extern char** environ;

namespace twb::remote {

namespace {
constexpr int kStartTimeoutMs = 15000;
}

LocalNode::LocalNode(QString engine, QString dataDir)
    : m_engine(std::move(engine)), m_dataDir(std::move(dataDir)) {
  QByteArray pattern = (qEnvironmentVariableIsSet("XDG_RUNTIME_DIR") ? qgetenv("XDG_RUNTIME_DIR")
                                                                     : QByteArray("/tmp")) +
                       "/twb-local-XXXXXX";
  if (!::mkdtemp(pattern.data()))  // 0700: only this user reaches the socket
    throw RemoteError("cannot create the local node's socket folder " + pattern.toStdString(),
                      false);
  m_folder = QString::fromUtf8(pattern);
}

LocalNode::~LocalNode() {
  if (daemonRunning()) {
    ::kill(m_pid, SIGTERM);
    ::waitpid(m_pid, nullptr, 0);
  }
  QDir(m_folder).removeRecursively();
}

bool LocalNode::daemonRunning() {
  return m_pid > 0 && ::waitpid(m_pid, nullptr, WNOHANG) == 0;
}

QString LocalNode::connect() {
  std::lock_guard lock(m_mutex);
  const QString target = "unix:" + m_folder + "/node.sock";
  if (daemonRunning()) return target;
  const QString ready = m_dataDir + "/daemon.json";  // written once the daemon listens
  // A daemon left running by an earlier session (its jobs may still run) is used as it is.
  QFile existing(ready);
  if (existing.open(QIODevice::ReadOnly)) {
    const QJsonObject daemon = QJsonDocument::fromJson(existing.readAll()).object();
    const QString listen = daemon.value("listen").toString();
    if (daemon.contains("pid") && ::kill(daemon.value("pid").toInt(), 0) == 0 &&
        listen.startsWith("unix:") && QFileInfo(listen.mid(5)).exists())
      return listen;
  }
  QDir().mkpath(m_dataDir);
  const QString log = m_dataDir + "/serve.log";
  QFile::remove(ready);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, log.toUtf8().constData(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  QByteArray engine = m_engine.toUtf8(), listen = target.toUtf8(), data = m_dataDir.toUtf8();
  QByteArray serve = "serve", listenFlag = "--listen", dataFlag = "--data-dir";
  char* argv[] = {engine.data(), serve.data(), listenFlag.data(), listen.data(),
                  dataFlag.data(), data.data(), nullptr};
  const int failed = posix_spawn(&m_pid, engine.constData(), &files, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&files);
  QElapsedTimer waited;
  waited.start();
  while (!failed && daemonRunning() && waited.elapsed() < kStartTimeoutMs) {
    if (QFile::exists(ready)) return target;
    QThread::msleep(20);
  }
  if (!failed && daemonRunning()) ::kill(m_pid, SIGKILL);
  if (!failed) ::waitpid(m_pid, nullptr, 0);
  m_pid = 0;
  QFile said(log);
  said.open(QIODevice::ReadOnly);
  throw RemoteError(("the local engine did not start (" + m_engine + "): " +
                     QString::fromUtf8(said.readAll().right(2000)).trimmed())
                        .toStdString(),
                    true);
}

}  // namespace twb::remote
