// tensor-workbench: the desktop application.
#include <signal.h>

#include <QApplication>
#include <QFile>
#include <QProcess>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QMessageBox>
#include <QSettings>
#include <QStandardPaths>
#include <QTranslator>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "app/experiment_store.h"
#include "app/node_manager.h"
#include "app/workbench_controller.h"
#include "app/plugin_catalog.h"
#include "ui/main_window.h"

namespace {
// The engine the local node runs: --engine, $TWB_ENGINE, the one installed beside this program
// (bin/), or the one built next to it in the build tree.
QString findEngine(const QString& given) {
  if (!given.isEmpty()) return given;
  if (qEnvironmentVariableIsSet("TWB_ENGINE")) return qEnvironmentVariable("TWB_ENGINE");
  const QDir here(QCoreApplication::applicationDirPath());
  return QFileInfo::exists(here.filePath("twb-engine")) ? here.filePath("twb-engine")
                                                        : here.filePath("../engine/twb-engine");
}

// The engine bundle deployed to remote nodes: --bundle, $TWB_BUNDLE, the one installed with
// this program (lib/tensor-workbench), or the newest one packaging/make-engine-bundle.sh made
// next to this build.
QString findBundle(const QString& given) {
  if (!given.isEmpty()) return given;
  if (qEnvironmentVariableIsSet("TWB_BUNDLE")) return qEnvironmentVariable("TWB_BUNDLE");
  const QDir here(QCoreApplication::applicationDirPath());
  for (const char* folder : {"../lib/tensor-workbench", "../../bundle"}) {
    const QDir bundles(here.filePath(folder));
    const QStringList found =
        bundles.entryList({"twb-engine-*-linux-x86_64.tar.gz"}, QDir::Files, QDir::Time);
    if (!found.isEmpty()) return bundles.filePath(found.front());
  }
  return {};
}

struct Options {
  QString store, engine, bundle;
  QString job;       // a job file to open in the Job tab
  bool run = false;  // and to start once the node has checked it
  QString node;      // where it runs: "local" or a saved node's name
};

Options parseOptions(const QCoreApplication& application) {
  QCommandLineParser parser;
  parser.setApplicationDescription(QObject::tr("Deep-learning experiments across precisions and machines"));
  parser.addHelpOption();
  const QCommandLineOption storeOption("store", QObject::tr("Experiment store (SQLite file)"), "file");
  const QCommandLineOption engineOption("engine", QObject::tr("twb-engine binary of the local node"), "file");
  const QCommandLineOption bundleOption("bundle", QObject::tr("Engine bundle for remote nodes"), "file");
  parser.addOption(storeOption);
  parser.addOption(engineOption);
  parser.addOption(bundleOption);
  const QCommandLineOption runOption("run", QObject::tr("Start the job file once the node has checked it"));
  parser.addOption(runOption);
  const QCommandLineOption nodeOption("node", QObject::tr("Node the job runs on: local or a saved node's name"), "name");
  parser.addOption(nodeOption);
  parser.addPositionalArgument("job", QObject::tr("A job file to open in the Job tab"), "[job.json]");
  parser.process(application);
  if (parser.positionalArguments().size() > 1) parser.showHelp(2);
  if (parser.isSet(runOption) && parser.positionalArguments().isEmpty()) {
    std::fprintf(stderr, "tensor-workbench: --run needs a job file\n");
    std::exit(2);
  }
  return {parser.value(storeOption), QFileInfo(findEngine(parser.value(engineOption))).absoluteFilePath(),
          findBundle(parser.value(bundleOption)), parser.positionalArguments().value(0),
          parser.isSet(runOption), parser.value(nodeOption)};
}

// Qt aborts when a window cannot reach a display; a platform chosen by QT_QPA_PLATFORM (offscreen,
// vnc, ...) needs none.
bool displayAvailable() {
  return qEnvironmentVariableIsSet("QT_QPA_PLATFORM") || qEnvironmentVariableIsSet("DISPLAY") ||
         qEnvironmentVariableIsSet("WAYLAND_DISPLAY");
}

// Without a display: says so, then trains the job file given, or else the Fashion-MNIST example
// (the job the Job tab opens with), on the local engine, its progress bar on this terminal.
// Returns the engine's exit code.
int trainHeadless(const Options& options, const QString& data) {
  if (!options.node.isEmpty() && options.node != "local") {
    std::fprintf(stderr, "tensor-workbench: --node %s needs the window (no display here); headless "
                         "training runs on this machine only\n", qPrintable(options.node));
    return 2;
  }
  const QString folder = data + "/headless";
  QString job = options.job;
  QDir().mkpath(folder);
  if (job.isEmpty()) {
    job = folder + "/fmnist-mlp.json";
    QFile::remove(job);
    if (!QFile::copy(":/examples/fmnist-mlp.json", job)) {
      std::fprintf(stderr, "tensor-workbench: cannot write %s\n", qPrintable(job));
      return 1;
    }
  }
  std::fprintf(stderr,
               "tensor-workbench: no display (DISPLAY and WAYLAND_DISPLAY are unset), so the window "
               "cannot open; training %s headless with %s instead.\n",
               options.job.isEmpty() ? "the Fashion-MNIST example" : qPrintable(options.job),
               qPrintable(options.engine));
  QProcess engine;
  engine.setProcessChannelMode(QProcess::ForwardedChannels);
  engine.start(options.engine, {"train", job, "--out", folder + "/" + QFileInfo(job).completeBaseName()});
  if (!engine.waitForStarted()) {
    std::fprintf(stderr, "tensor-workbench: cannot start the engine %s: %s\n", qPrintable(options.engine),
                 qPrintable(engine.errorString()));
    return 1;
  }
  engine.waitForFinished(-1);
  return engine.exitStatus() == QProcess::NormalExit ? engine.exitCode() : 1;
}
}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);  // a node that goes away is an error to report, not a signal
  QCoreApplication::setOrganizationName("TensorWorkbench");
  QCoreApplication::setApplicationName("tensor-workbench");
  if (!displayAvailable()) {
    QCoreApplication application(argc, argv);
    const Options options = parseOptions(application);
    const QString data = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    return trainHeadless(options, data);
  }
  QApplication application(argc, argv);
  const Options options = parseOptions(application);

  // The language chosen in View > Language, else the system's when a translation exists.
  QTranslator translator;
  const QString language = QSettings().value("language", QLocale::system().name()).toString();
  if (language != "en" && translator.load("twb_" + language, ":/i18n"))
    QApplication::installTranslator(&translator);

  const QString data = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
  QDir().mkpath(data);
  const QString storePath = options.store.isEmpty() ? data + "/experiments.db" : options.store;
  try {
    twb::app::ExperimentStore store(storePath);
    const twb::app::PluginCatalog plugins(twb::app::PluginCatalog::defaultFolders());
    const QString config = QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation);
    const twb::plugins::NodeContext context{options.engine, options.bundle, config + "/known_hosts", {}};
    twb::remote::NodeEntry local;
    local.name = "local";
    local.kind = "local";
    local.folder = data + "/local-node";
    twb::app::WorkbenchController controller(store, plugins.nodeKind("local")->endpoint(local, context));
    twb::app::NodeManager nodes(config + "/nodes.json", context, plugins);
    twb::ui::MainWindow window(controller, &nodes, &plugins);
    window.show();
    // A node that does not exist is said and nothing runs: never another node than the one asked.
    if (!options.job.isEmpty() && window.openJobFile(options.job) &&
        (options.node.isEmpty() || window.chooseNode(options.node)) && options.run)
      window.runWhenChecked();
    return application.exec();
  } catch (const std::exception& e) {
    QMessageBox::critical(nullptr, QObject::tr("Tensor Workbench"), QString::fromUtf8(e.what()));
    return 1;
  }
}
