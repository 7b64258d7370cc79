#pragma once

#include <QString>
#include <QStringList>
#include <cstdint>

namespace twb::test {

// A memory control group of a test's own, with a limit, as a container or a Slurm job puts a
// user's processes in one: made at the top of the memory hierarchy (cgroup v1's memory mount, or
// v2 with the memory controller), removed when it goes. Needs root.
class MemoryCgroup {
 public:
  explicit MemoryCgroup(int64_t limitBytes);
  ~MemoryCgroup();
  MemoryCgroup(const MemoryCgroup&) = delete;
  MemoryCgroup& operator=(const MemoryCgroup&) = delete;

  // Empty when it was made; otherwise why not (for QSKIP).
  const QString& error() const { return m_error; }
  // Its path as /proc/self/cgroup names it: "/twb-test-1234".
  QString path() const { return m_path; }
  // The arguments of /bin/bash that run `program args` inside it.
  QStringList bashArguments(const QString& program, const QStringList& args) const;

 private:
  QString m_directory, m_path, m_error;
};

}  // namespace twb::test
