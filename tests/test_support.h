#pragma once

// Small helpers shared by the test suites.

#include <QFile>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <functional>
#include <string>

#include "backend/cpu/cpu_kernel.h"

// In a test: skips it, saying why, where this CPU cannot run bf16 (oneDNN needs AVX-512), as a
// GPU test skips without a GPU; elsewhere the test runs.
#define TWB_SKIP_WITHOUT_BF16()                                                              \
  do {                                                                                     \
    if (!twb::bf16Unavailable().empty())                                                   \
      QSKIP(qPrintable(QString::fromStdString("bf16 on this CPU: " + twb::bf16Unavailable()))); \
  } while (false)

namespace twb::test {

// The message of the twb::Error that `f` throws, or "no error".
std::string errorOf(const std::function<void()>& f);

// This process's resident memory now (VmRSS), in bytes.
int64_t residentBytes();

// max |ours - reference| / max |reference| over n values (0 when both are all zero).
double relativeError(const float* ours, const float* reference, int64_t n, int64_t* worst = nullptr);

// A finished run of a program: the twb-engine binary under test, or Python.
struct ProgramRun {
  bool finished = false;  // false: killed after the timeout (a hang)
  bool crashed = false;   // ended by a signal
  int exitCode = -1;
  QString output;         // stdout and stderr together
};
using EngineRun = ProgramRun;

ProgramRun runProgram(const QString& program, const QStringList& args, int timeoutMs = 600000);
EngineRun runEngine(const QStringList& args, int timeoutMs = 600000);
// Debian's python3, which has PyTorch and onnx (the references and the files they write).
ProgramRun runPython(const QStringList& args, int timeoutMs = 600000);

// The JSON object in a file ({} when it cannot be read or is not one), and the number of lines of
// a file (-1 when it cannot be read): a node's status.json and events.jsonl.
QJsonObject readJsonObject(const QString& path);
int lineCount(const QString& path);

// A test's wait of `ms`, longer in instrumented builds: times TWB_TEST_TIME_SCALE (the asan and
// tsan test presets set it; 1 when unset).
int timeScaled(int ms);

// A copy of the engine under test, written into `dir`, that reports another build: the build
// hash `twb-engine info` prints is overwritten in the binary, as a node running an older bundle
// would report its own. Returns the copy's path, or "" when the hash was not found.
QString engineOfAnotherBuild(const QString& dir);

// A disk that fills up: a tmpfs of `size` ("1m") mounted at `path` (made when missing) while this
// lives, unmounted after. Mounting needs root (CI runs as root): mounted() says whether it is.
class SmallDisk {
 public:
  SmallDisk(const QString& path, const QString& size);
  ~SmallDisk();
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool mounted() const { return m_mounted; }
  // Writes `file` on it until the filesystem has not a byte left.
  void fillUp(QFile& file) const;

 private:
  QString m_path;
  bool m_mounted = false;
};

}  // namespace twb::test
