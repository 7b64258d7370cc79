#include "node_daemon.h"

#include <QElapsedTimer>

namespace twb::test {

NodeDaemon::NodeDaemon(const QString& listen, const QString& dataDir, const QStringList& extra,
                       const QString& engine)
    : m_process(std::make_unique<QProcess>()), m_dataDir(dataDir) {
  m_process->setProcessChannelMode(QProcess::MergedChannels);
  m_process->start(engine,
                   QStringList{"serve", "--listen", listen, "--data-dir", dataDir} + extra);
  QElapsedTimer timer;
  timer.start();
  while (timer.elapsed() < 30000 && m_process->state() != QProcess::NotRunning) {
    m_process->waitForReadyRead(100);
    m_output += QString::fromUtf8(m_process->readAll());
    const qsizetype at = m_output.indexOf("serving on ");
    const qsizetype end = m_output.indexOf('\n', at);
    if (at >= 0 && end > at) {
      m_address = m_output.mid(at + 11, end - at - 11).trimmed();
      return;
    }
  }
  m_output += QString::fromUtf8(m_process->readAll());
}

NodeDaemon::~NodeDaemon() {
  if (m_process->state() != QProcess::NotRunning) {
    m_process->terminate();
    if (!m_process->waitForFinished(5000)) kill();
  }
}

void NodeDaemon::kill() {
  m_process->kill();
  m_process->waitForFinished(5000);
}

}  // namespace twb::test
