#include "test_support.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace twb::test {

int64_t residentBytes() {
  QFile status("/proc/self/status");
  if (!status.open(QIODevice::ReadOnly)) return -1;
  const QRegularExpressionMatch match =
      QRegularExpression(R"(VmRSS:\s+(\d+) kB)").match(QString::fromLatin1(status.readAll()));
  return match.hasMatch() ? match.captured(1).toLongLong() * 1024 : -1;
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

double relativeError(const float* ours, const float* reference, int64_t n, int64_t* worst) {
  double maxDiff = 0, maxRef = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = std::abs(double(ours[i]) - reference[i]);
    if (d > maxDiff) {
      maxDiff = d;
      if (worst) *worst = i;
    }
    maxRef = std::max(maxRef, std::abs(double(reference[i])));
  }
  return maxDiff == 0 ? 0 : maxDiff / std::max(maxRef, 1e-30);
}

QJsonObject readJsonObject(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll()).object()
                                        : QJsonObject();
}

int lineCount(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? static_cast<int>(file.readAll().count('\n')) : -1;
}

int timeScaled(int ms) {
  return ms * std::max(1, qEnvironmentVariableIntValue("TWB_TEST_TIME_SCALE"));
}

ProgramRun runProgram(const QString& program, const QStringList& args, int timeoutMs) {
  QProcess process;
  process.setProcessChannelMode(QProcess::MergedChannels);
  process.start(program, args);
  ProgramRun run;
  run.finished = process.waitForFinished(timeScaled(timeoutMs));
  if (!run.finished) process.kill();
  process.waitForFinished();
  run.crashed = process.exitStatus() != QProcess::NormalExit;
  run.exitCode = process.exitCode();
  run.output = QString::fromUtf8(process.readAll());
  return run;
}

EngineRun runEngine(const QStringList& args, int timeoutMs) {
  return runProgram(TWB_ENGINE_BINARY, args, timeoutMs);
}

ProgramRun runPython(const QStringList& args, int timeoutMs) {
  return runProgram("/usr/bin/python3", args, timeoutMs);
}

QString engineOfAnotherBuild(const QString& dir) {
  const QRegularExpression buildPattern("build (\\S+) ");
  const auto match = buildPattern.match(runEngine({"info"}).output);
  QFile original(TWB_ENGINE_BINARY);
  if (!match.hasMatch() || !original.open(QIODevice::ReadOnly)) return {};
  const QByteArray hash = match.captured(1).toUtf8();
  QByteArray bytes = original.readAll();
  if (!bytes.contains(hash)) return {};
  bytes.replace(hash, QByteArray(hash.size(), 'z'));
  QFile copy(QDir(dir).filePath("twb-engine"));
  if (!copy.open(QIODevice::WriteOnly) || copy.write(bytes) != bytes.size()) return {};
  copy.setPermissions(copy.permissions() | QFile::ExeOwner);
  return copy.fileName();
}

SmallDisk::SmallDisk(const QString& path, const QString& size) : m_path(path) {
  m_mounted = QDir().mkpath(path) &&
              QProcess::execute("mount", {"-t", "tmpfs", "-o", "size=" + size, "tmpfs", path}) == 0;
}

SmallDisk::~SmallDisk() {
  if (m_mounted) QProcess::execute("umount", {"-l", m_path});
}

void SmallDisk::fillUp(QFile& file) const {
  if (!file.open(QIODevice::WriteOnly | QIODevice::Unbuffered)) return;
  for (const qint64 size : {16 * 1024, 1}) {  // unbuffered, so that the last bytes go too
    const QByteArray chunk(size, 'f');
    while (file.write(chunk) == size) {
    }
  }
  file.close();
}

}  // namespace twb::test
