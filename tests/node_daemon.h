#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>
#include <memory>

namespace twb::test {

// A real `twb-engine serve` started by a test: it waits for the "serving on ADDRESS" line, and
// kills the daemon (never its workers) when destroyed.
class NodeDaemon {
 public:
  // `listen`: unix:PATH or tcp:HOST:PORT; `extra`: more serve options (--token-file, --max-jobs);
  // `engine`: the binary to serve with.
  NodeDaemon(const QString& listen, const QString& dataDir, const QStringList& extra = {},
             const QString& engine = TWB_ENGINE_BINARY);
  ~NodeDaemon();

  bool started() const { return !m_address.isEmpty(); }
  QString address() const { return m_address; }  // as printed: tcp with the port it bound
  QString dataDir() const { return m_dataDir; }
  QString output() const { return m_output; }    // what it printed before it was ready or died
  qint64 pid() const { return m_process->processId(); }
  void kill();  // SIGKILL, as a crash would

 private:
  std::unique_ptr<QProcess> m_process;
  QString m_dataDir, m_address, m_output;
};

}  // namespace twb::test
