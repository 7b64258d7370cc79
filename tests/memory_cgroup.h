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
  // Starts a process inside that asks for the whole limit at once, and waits for its end: the
  // kernel's out-of-memory killer ends processes in the group, those with the highest
  // oom_score_adj first, then the largest (this one).
  void fillToTheLimit() const;
  // The arguments of /bin/bash that run `program args` inside it; `oomScoreAdjustment` (-1000 to
  // 1000, /proc/PID/oom_score_adj) makes the kernel's out-of-memory killer choose it (and the
  // processes it starts) before the others, or after.
  QStringList bashArguments(const QString& program, const QStringList& args,
                            int oomScoreAdjustment = 0) const;
  // The same as an executable script at `path` that runs `program` with its own arguments, for
  // what takes a program's path (the daemon a test starts); false when it cannot be written.
  bool writeLauncher(const QString& path, const QString& program) const;

 private:
  // The shell commands that move the shell into it (and adjust its score), ending in "&& ".
  QString entering(int oomScoreAdjustment) const;

  QString m_directory, m_path, m_error;
  int64_t m_limit = 0;
};

}  // namespace twb::test
