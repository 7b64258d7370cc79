#include <signal.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/option_checks.h"
#include "rpc/node_server.h"

namespace twb {

void addServeCommand(CLI::App& app, int& exitCode) {
  auto* cmd = app.add_subcommand("serve", "Run the node service (gRPC) that runs jobs for clients");
  struct Args {
    std::string listen, tokenFile, dataDir;
    int maxJobs = 1;
  };
  static Args args;
  cmd->add_option("--listen", args.listen, "unix:PATH or tcp:HOST:PORT (TCP needs --token-file)")
      ->required();
  cmd->add_option("--token-file", args.tokenFile, "File holding the token callers must present");
  cmd->add_option("--data-dir", args.dataDir, "Jobs and their artifacts (default " +
                                                  defaultDataDir() + ")");
  cmd->add_option("--max-jobs", args.maxJobs, "Jobs run at once; more wait queued")
      ->check(countAtLeast(1));
  cmd->callback([&exitCode] {
    // SIGINT / SIGTERM are taken by this thread alone (sigwait), so the gRPC threads started
    // below never see them. Workers run in sessions of their own and keep running.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    ServeOptions options;
    options.address = NodeAddress::parse(args.listen);
    options.tokenFile = args.tokenFile;
    options.dataDir = args.dataDir;
    options.maxJobs = args.maxJobs;
    NodeServer server(options);
    if (!server.certificateFingerprint().empty())
      std::printf("TLS certificate %s (clients pin it on first use)\n",
                  server.certificateFingerprint().c_str());
    std::printf("twb-engine %s serving on %s\n", TWB_VERSION, server.listening().c_str());
    std::fflush(stdout);
    int received = 0;
    sigwait(&stopSignals, &received);
    std::fprintf(stderr, "twb-engine serve: %s, shutting down (jobs keep running)\n",
                 sigabbrev_np(received));
    server.shutdown();
    exitCode = kExitOk;
  });
}

}  // namespace twb
