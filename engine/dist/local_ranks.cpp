#include "dist/local_ranks.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "core/cpu_info.h"
#include "core/error.h"
#include "core/oom_kills.h"
#include "dist/core_binding.h"
#include "dist/rendezvous.h"

namespace twb {

namespace {
using Clock = std::chrono::steady_clock;
// How long the other ranks may take to notice a failed rank before they are killed.
constexpr auto kGrace = std::chrono::seconds(3);

pid_t spawn(const std::vector<std::string>& args, bool quiet, pid_t launcher,
            const std::vector<int>& cores) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(std::string("cannot start a rank: ") + std::strerror(errno));
  if (pid > 0) return pid;
  // The child: dies with the launcher, takes signals normally again, and runs the engine.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != launcher) ::_exit(1);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (!cores.empty()) bindToCores(cores);
  if (quiet) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
  }
  ::execv("/proc/self/exe", argv.data());
  std::fprintf(stderr, "cannot run the engine for a rank: %s\n", std::strerror(errno));
  ::_exit(127);
}

// Stopped (SIGSTOP, or held by a debugger): such a rank cannot stop by itself.
bool isStopped(pid_t pid) {
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  FILE* file = std::fopen(path, "r");
  if (!file) return false;
  char stat[512] = {};
  const size_t read = std::fread(stat, 1, sizeof stat - 1, file);
  std::fclose(file);
  const char* nameEnd = std::strrchr(stat, ')');  // the command name may hold spaces
  return read > 0 && nameEnd && nameEnd[1] == ' ' && (nameEnd[2] == 'T' || nameEnd[2] == 't');
}

// `oomKillsAtStart`: the kernel's out-of-memory kills when the ranks started.
std::string describe(int status, int64_t oomKillsAtStart) {
  if (WIFSIGNALED(status))
    return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
           ::strsignal(WTERMSIG(status)) + ")" + outOfMemoryNote(WTERMSIG(status), oomKillsAtStart);
  return "exited with code " + std::to_string(WEXITSTATUS(status));
}
}  // namespace

LocalRanksResult launchLocalRanks(RankGroup group, const std::vector<std::string>& commonArgs,
                                  const std::vector<std::vector<std::string>>& perRankArgs,
                                  const std::atomic<bool>* stop) {
  if (group.rendezvous.empty()) {
    group.rendezvous = "127.0.0.1:" + std::to_string(freePort("127.0.0.1"));
    group.secret = makeRendezvousSecret();
  }
  const int ranks = group.count;
  ::setenv(kSecretVariable, group.secret.c_str(), 1);
  std::vector<pid_t> pids(static_cast<size_t>(ranks), -1);
  const pid_t self = ::getpid();
  const int64_t oomKillsAtStart = outOfMemoryKills();
  const auto cores = coresForRanks(ranks, group.threadsPerRank, allowedCores());
  for (int r = 0; r < ranks; ++r) {
    std::vector<std::string> args{"twb-engine"};
    args.insert(args.end(), commonArgs.begin(), commonArgs.end());
    args.insert(args.end(), {"--rank", std::to_string(group.firstRank + r), "--rendezvous",
                             group.rendezvous});
    const auto& own = perRankArgs[static_cast<size_t>(r)];
    args.insert(args.end(), own.begin(), own.end());
    if (!cores.empty())  // bound: one thread per core of its own (its share, or what was asked)
      args.insert(args.end(), {"--threads", std::to_string(cores[static_cast<size_t>(r)].size())});
    pids[static_cast<size_t>(r)] = spawn(
        args, r > 0, self, cores.empty() ? std::vector<int>{} : cores[static_cast<size_t>(r)]);
  }
  ::unsetenv(kSecretVariable);

  int running = ranks;
  std::string failure, stoppedRanks;  // stoppedRanks: those killed for being stopped
  std::vector<bool> named(static_cast<size_t>(ranks), false);  // in stoppedRanks
  bool stopSent = false, anyInterrupted = false;
  Clock::time_point killAt = Clock::time_point::max();
  while (running > 0) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      --running;
      for (int r = 0; r < ranks; ++r)
        if (pids[static_cast<size_t>(r)] == pid) {
          pids[static_cast<size_t>(r)] = -1;
          const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
          const bool interrupted = WIFEXITED(status) && WEXITSTATUS(status) == 130;
          anyInterrupted = anyInterrupted || interrupted;
          if (!ok && !interrupted && failure.empty()) {
            failure = "rank " + std::to_string(group.firstRank + r) + " (pid " +
                      std::to_string(pid) + ") " + describe(status, oomKillsAtStart);
            killAt = Clock::now() + kGrace;
          }
        }
      continue;
    }
    if (stop && stop->load() && !stopSent) {
      for (pid_t p : pids)
        if (p > 0) ::kill(p, SIGTERM);
      stopSent = true;
    }
    for (int r = 0; r < ranks; ++r) {  // after a failure, at once where a rank is stopped
      const pid_t p = pids[static_cast<size_t>(r)];
      if (p <= 0 || failure.empty()) continue;
      const bool stopped = isStopped(p);
      if (!stopped && Clock::now() < killAt) continue;
      // A stopped rank is most likely why the others failed: the last line names it too.
      if (stopped && !named[static_cast<size_t>(r)]) {
        named[static_cast<size_t>(r)] = true;
        stoppedRanks += "; rank " + std::to_string(group.firstRank + r) + " (pid " +
                        std::to_string(p) + ") was stopped (SIGSTOP, a debugger) and was killed";
      }
      ::kill(p, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!failure.empty()) return {1, failure + stoppedRanks};
  return {anyInterrupted ? 130 : 0, {}};
}

}  // namespace twb
