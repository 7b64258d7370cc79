// A stand-in for the workbench process in the store's crash test: it follows one job of a node
// into the experiment store, as the application does, and prints "committed SEQ" after every
// commit, so the test knows what was committed before it kills this process with SIGKILL.
// Usage: store_follower DB NODE_ADDRESS JOB_ID RUN_ID
#include <QCoreApplication>
#include <cstdio>
#include <memory>

#include "app/experiment_store.h"
#include "app/run_recorder.h"
#include "remote/direct_node.h"

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s DB NODE_ADDRESS JOB_ID RUN_ID\n", argv[0]);
    return 2;
  }
  twb::app::ExperimentStore store(argv[1]);
  store.setCommitListener([](qint64, qint64 seq) {
    std::printf("committed %lld\n", static_cast<long long>(seq));
    std::fflush(stdout);
  });
  twb::remote::JobDispatcher dispatcher(std::make_shared<twb::remote::DirectNode>(argv[2]));
  twb::app::RunRecorder recorder(store, dispatcher, QByteArray(argv[4]).toLongLong());
  QObject::connect(&dispatcher, &twb::remote::JobDispatcher::jobFinished, &app, &QCoreApplication::quit);
  dispatcher.follow(argv[3], store.lastSeq(recorder.runId()));
  return app.exec();
}
