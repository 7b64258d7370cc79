#include "dist/local_ranks.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
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

// A rank's standard error, read by the launcher: its lines pass through as they come, except its
// errors, which are held so that the job's failure says each once.
struct RankErrors {
  int fd = -1;  // the pipe's reading end; -1 once it is closed
  std::string partial;
  std::vector<std::string> errors;  // "error: " taken off

  RankErrors() = default;
  RankErrors(const RankErrors&) = delete;
  RankErrors& operator=(const RankErrors&) = delete;
  ~RankErrors() {
    if (fd >= 0) ::close(fd);
  }

  // Reads what the rank wrote; until its end when `toTheEnd` (the rank has exited).
  void pump(bool toTheEnd) {
    char buffer[4096];
    while (fd >= 0) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n > 0) {
        partial.append(buffer, static_cast<size_t>(n));
        passLines();
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN && !toTheEnd) return;
      // Its end, or all an exited rank wrote (a process it started may hold the pipe still).
      if (!partial.empty()) partial += '\n', passLines();
      ::close(fd);
      fd = -1;
    }
  }

 private:
  void passLines() {
    static const std::string kError = "error: ";
    for (size_t end; (end = partial.find('\n')) != std::string::npos;) {
      const std::string line = partial.substr(0, end);
      partial.erase(0, end + 1);
      if (line.compare(0, kError.size(), kError) == 0)
        errors.push_back(line.substr(kError.size()));
      else
        std::fprintf(stderr, "%s\n", line.c_str());
    }
  }
};

pid_t spawn(const std::vector<std::string>& args, bool quiet, pid_t launcher,
            const std::vector<int>& cores, RankErrors& errors) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int pipe[2];
  if (::pipe2(pipe, O_CLOEXEC) != 0)
    throw Error(std::string("cannot start a rank: ") + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(pipe[0]);
    ::close(pipe[1]);
    throw Error(std::string("cannot start a rank: ") + std::strerror(error));
  }
  if (pid > 0) {
    ::close(pipe[1]);
    ::fcntl(pipe[0], F_SETFL, O_NONBLOCK);
    errors.fd = pipe[0];
    return pid;
  }
  ::dup2(pipe[1], STDERR_FILENO);
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

// An error with its numbers blanked: ranks that fail alike differ in little but figures (the
// memory each saw free).
std::string withoutNumbers(const std::string& error) {
  std::string shape;
  for (char c : error)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      shape += c;
    else if (shape.empty() || shape.back() != '#')
      shape += '#';
  return shape;
}

// The errors the ranks said, each once, to follow the failure that names `failedRank`: its own
// first (": ..."), then any other rank's that differ from those already said ("; rank 1: ...").
std::string errorsSaidOnce(const std::vector<RankErrors>& output, int failedRank, int firstRank) {
  std::string said;
  std::set<std::string> shapes;
  auto add = [&](size_t r, const std::string& error) {
    if (!shapes.insert(withoutNumbers(error)).second) return;
    const bool own = static_cast<int>(r) == failedRank && said.empty();
    said += own ? ": " + error
                : "; rank " + std::to_string(firstRank + static_cast<int>(r)) + ": " + error;
  };
  const size_t failed = static_cast<size_t>(failedRank);
  for (const std::string& e : output[failed].errors) add(failed, e);
  for (size_t r = 0; r < output.size(); ++r)
    for (const std::string& e : output[r].errors) add(r, e);
  return said;
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
  std::vector<RankErrors> output(static_cast<size_t>(ranks));
  for (int r = 0; r < ranks; ++r) {
    std::vector<std::string> args{"twb-engine"};
    args.insert(args.end(), commonArgs.begin(), commonArgs.end());
    args.insert(args.end(), {"--rank", std::to_string(group.firstRank + r), "--rendezvous",
                             group.rendezvous});
    const auto& own = perRankArgs[static_cast<size_t>(r)];
    args.insert(args.end(), own.begin(), own.end());
    if (!cores.empty())  // bound: one thread per core of its own (its share, or what was asked)
      args.insert(args.end(), {"--threads", std::to_string(cores[static_cast<size_t>(r)].size())});
    pids[static_cast<size_t>(r)] =
        spawn(args, r > 0, self, cores.empty() ? std::vector<int>{} : cores[static_cast<size_t>(r)],
              output[static_cast<size_t>(r)]);
  }
  ::unsetenv(kSecretVariable);

  int running = ranks;
  std::string failure, stoppedRanks;  // stoppedRanks: those killed for being stopped
  std::vector<bool> named(static_cast<size_t>(ranks), false);  // in stoppedRanks
  int failedRank = -1;
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
          output[static_cast<size_t>(r)].pump(true);
          const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
          const bool interrupted = WIFEXITED(status) && WEXITSTATUS(status) == 130;
          anyInterrupted = anyInterrupted || interrupted;
          if (!ok && !interrupted && failure.empty()) {
            failure = "rank " + std::to_string(group.firstRank + r) + " (pid " +
                      std::to_string(pid) + ") " + describe(status, oomKillsAtStart);
            failedRank = r;
            killAt = Clock::now() + kGrace;
          }
        }
      continue;
    }
    for (RankErrors& o : output) o.pump(false);
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
  for (RankErrors& o : output) o.pump(true);
  if (!failure.empty())
    return {1, failure + errorsSaidOnce(output, failedRank, group.firstRank) + stoppedRanks};
  for (size_t r = 0; r < output.size(); ++r)  // said by ranks that did not fail: kept all the same
    for (const std::string& e : output[r].errors)
      std::fprintf(stderr, "error: rank %d: %s\n", group.firstRank + static_cast<int>(r),
                   e.c_str());
  return {anyInterrupted ? 130 : 0, {}};
}

}  // namespace twb
