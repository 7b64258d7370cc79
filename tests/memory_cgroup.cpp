#include "memory_cgroup.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QThread>

namespace twb::test {
namespace {

bool writeTo(const QString& path, const QByteArray& text) {
  QFile file(path);
  return file.open(QIODevice::WriteOnly) && file.write(text) == text.size();
}

}  // namespace

MemoryCgroup::MemoryCgroup(int64_t limitBytes) : m_limit(limitBytes) {
  m_path = "/twb-test-" + QString::number(QCoreApplication::applicationPid());
  // v1 names the limit memory.limit_in_bytes; v2 memory.max, where the root hands the
  // controller down (cgroup.subtree_control).
  QString limitFile;
  if (QDir("/sys/fs/cgroup/memory").exists()) {
    m_directory = "/sys/fs/cgroup/memory" + m_path;
    limitFile = "memory.limit_in_bytes";
  } else {
    m_directory = "/sys/fs/cgroup" + m_path;
    limitFile = "memory.max";
    writeTo("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
  }
  if (!QDir().mkdir(m_directory)) {
    m_error = "cannot make the memory cgroup " + m_directory +
              " (root and a cgroup filesystem "
              "with the memory controller are needed)";
    m_directory.clear();
    return;
  }
  if (!writeTo(m_directory + "/" + limitFile, QByteArray::number(qlonglong(limitBytes))))
    m_error = "cannot set " + m_directory + "/" + limitFile;
}

MemoryCgroup::~MemoryCgroup() {
  if (m_directory.isEmpty()) return;
  // The processes run inside have ended; the kernel lets the group go a moment later.
  for (int attempt = 0; attempt < 50 && !QDir().rmdir(m_directory); ++attempt) QThread::msleep(100);
}

void MemoryCgroup::fillToTheLimit() const {
  QProcess taker;
  taker.start("/bin/bash", bashArguments("/usr/bin/python3",
                                         {"-c", "taken = b'\\1' * " + QString::number(m_limit)}));
  taker.waitForFinished(60000);
}

QString MemoryCgroup::entering(int oomScoreAdjustment) const {
  const QString adjust = oomScoreAdjustment == 0 ? QString()
                                                 : "echo " + QString::number(oomScoreAdjustment) +
                                                       " > /proc/self/oom_score_adj && ";
  return "echo $$ > '" + m_directory + "/cgroup.procs' && " + adjust;
}

QStringList MemoryCgroup::bashArguments(const QString& program, const QStringList& args,
                                        int oomScoreAdjustment) const {
  return QStringList{"-c", entering(oomScoreAdjustment) + "exec \"$0\" \"$@\"", program} + args;
}

bool MemoryCgroup::writeLauncher(const QString& path, const QString& program) const {
  QFile script(path);
  if (!script.open(QIODevice::WriteOnly)) return false;
  script.write(("#!/bin/bash\n" + entering(0) + "exec '" + program + "' \"$@\"\n").toUtf8());
  return script.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
}

}  // namespace twb::test
