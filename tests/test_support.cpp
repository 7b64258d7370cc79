#include "test_support.h"

#include <QProcess>

#include "core/error.h"

namespace twb::test {

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

EngineRun runEngine(const QStringList& args, int timeoutMs) {
  QProcess engine;
  engine.setProcessChannelMode(QProcess::MergedChannels);
  engine.start(TWB_ENGINE_BINARY, args);
  EngineRun run;
  run.finished = engine.waitForFinished(timeoutMs);
  if (!run.finished) engine.kill();
  engine.waitForFinished();
  run.crashed = engine.exitStatus() != QProcess::NormalExit;
  run.exitCode = engine.exitCode();
  run.output = QString::fromUtf8(engine.readAll());
  return run;
}

}  // namespace twb::test
