#include "remote/engine_deployer.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>

#include "remote/remote_error.h"

namespace twb::remote {

QString shellQuote(const QString& text) {
  QString quoted = text;
  quoted.replace("'", "'\\''");
  return "'" + quoted + "'";
}

EngineDeployer::EngineDeployer(SshSession& ssh, EngineBundle bundle, QString remoteBase)
    : m_ssh(ssh), m_bundle(std::move(bundle)), m_base(std::move(remoteBase)) {}

DeployedEngine EngineDeployer::deploy(const std::function<bool(qint64, qint64)>& progress) {
  checkPlatform();
  const QString dir = m_base + "/engine/" + m_bundle.name;
  DeployedEngine engine;
  engine.binary = dir + "/bin/twb-engine";
  engine.socket = m_base + "/run/node.sock";
  engine.dataDir = m_base + "/node";
  if (!bundleInstalled(dir)) {
    upload(dir, progress);
    engine.uploaded = true;
  }
  engine.daemonStarted = startDaemon(engine);
  return engine;
}

void EngineDeployer::checkPlatform() {
  // One round trip: the system, and $HOME for the default base folder.
  const QString answer = m_ssh.check("uname -sm; printf %s \"$HOME\"", "detecting the node's system");
  const QString platform = answer.section('\n', 0, 0);
  if (m_base.isEmpty()) m_base = answer.section('\n', 1) + "/.cache/twb";
  if (platform != "Linux x86_64")
    throw RemoteError((m_ssh.target().display() + ": the node runs " + platform +
                       "; the engine bundle is built for Linux x86_64")
                          .toStdString(),
                      false);
}

bool EngineDeployer::bundleInstalled(const QString& dir) {
  // The folder only ever appears by a rename after its files were checked against SHA256SUMS
  // (upload()), so its presence means a complete engine.
  const QString q = shellQuote(dir);
  return m_ssh.run("test -x " + q + "/bin/twb-engine -a -f " + q + "/SHA256SUMS").exitStatus == 0;
}

void EngineDeployer::upload(const QString& dir, const std::function<bool(qint64, qint64)>& progress) {
  const QString engines = m_base + "/engine";
  const QString tag = QString::number(QRandomGenerator::global()->generate(), 16);
  const QString part = engines + "/" + m_bundle.name + ".tar.gz.part-" + tag;
  const QString unpack = engines + "/." + m_bundle.name + ".unpack-" + tag;
  // Leftovers of a cut attempt go first; they were never usable (nothing is at `dir` until the
  // final rename).
  m_ssh.check("mkdir -p " + shellQuote(engines) + " && rm -rf " + shellQuote(engines) + "/" +
                  shellQuote(m_bundle.name) + ".tar.gz.part-* " + shellQuote(engines) + "/." +
                  shellQuote(m_bundle.name) + ".unpack-*",
              "preparing " + engines);
  m_ssh.upload(m_bundle.path, part, progress);
  const QString sum = m_ssh.check("sha256sum " + shellQuote(part), "checking the upload")
                          .section(' ', 0, 0);
  if (sum != m_bundle.sha256) {
    m_ssh.run("rm -f " + shellQuote(part));
    throw RemoteError((m_ssh.target().display() + ": the uploaded bundle is damaged (SHA-256 " +
                       sum + ", expected " + m_bundle.sha256 + "); try again")
                          .toStdString(),
                      true);
  }
  m_ssh.check("mkdir " + shellQuote(unpack) + " && tar -xzf " + shellQuote(part) + " -C " +
                  shellQuote(unpack) + " && cd " + shellQuote(unpack + "/" + m_bundle.name) +
                  " && sha256sum --quiet -c SHA256SUMS && cd / && rm -rf " + shellQuote(dir) +
                  " && mv -T " + shellQuote(unpack + "/" + m_bundle.name) + " " +
                  shellQuote(dir) + " && rm -rf " + shellQuote(unpack) + " " + shellQuote(part),
              "unpacking the engine");
}

bool EngineDeployer::startDaemon(const DeployedEngine& engine) {
  const QString daemonFile = shellQuote(engine.dataDir + "/daemon.json");
  const auto running = QJsonDocument::fromJson(m_ssh.run("cat " + daemonFile).out).object();
  const QString pid = QString::number(running.value("pid").toInt());
  const bool alive = running.contains("pid") &&
                     m_ssh.run("kill -0 " + pid + " 2>/dev/null").exitStatus == 0;
  if (alive && running.value("build_hash").toString() == m_bundle.buildHash) return false;
  if (alive)  // another build: it stops, its jobs run on and our daemon reattaches them
    m_ssh.run("kill " + pid + "; for i in $(seq 50); do kill -0 " + pid +
              " 2>/dev/null || break; sleep 0.1; done");
  const QString run = shellQuote(m_base + "/run");
  const QString log = shellQuote(engine.dataDir + "/serve.log");
  // setsid -f: the daemon leaves this command's session at once, holding none of its pipes, so
  // the command returns as soon as the daemon has written daemon.json (it listens by then).
  m_ssh.check("mkdir -p " + run + " " + shellQuote(engine.dataDir) + " && chmod 700 " + run +
                  " && rm -f " + daemonFile + " || exit 1; cd / && setsid -f " +
                  shellQuote(engine.binary) + " serve --listen " +
                  shellQuote("unix:" + engine.socket) + " --data-dir " +
                  shellQuote(engine.dataDir) + " >" + log + " 2>&1 </dev/null; " +
                  "for i in $(seq 100); do test -s " + daemonFile +
                  " && exit 0; sleep 0.1; done; tail -5 " + log + " >&2; exit 1",
              "starting the engine daemon");
  return true;
}

}  // namespace twb::remote
