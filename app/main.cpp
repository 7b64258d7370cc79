// tensor-workbench: the desktop application.
#include <signal.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QMessageBox>
#include <QSettings>
#include <QStandardPaths>
#include <QTranslator>
#include <memory>

#include "app/experiment_store.h"
#include "app/node_manager.h"
#include "app/workbench_controller.h"
#include "remote/local_node.h"
#include "ui/main_window.h"

namespace {
// The engine the local node runs: --engine, $TWB_ENGINE, or the one built next to this program.
QString findEngine(const QString& given) {
  if (!given.isEmpty()) return given;
  if (qEnvironmentVariableIsSet("TWB_ENGINE")) return qEnvironmentVariable("TWB_ENGINE");
  return QDir(QCoreApplication::applicationDirPath()).filePath("../engine/twb-engine");
}

// The engine bundle deployed to remote nodes: --bundle, $TWB_BUNDLE, or the newest one made by
// packaging/make-engine-bundle.sh next to this build.
QString findBundle(const QString& given) {
  if (!given.isEmpty()) return given;
  if (qEnvironmentVariableIsSet("TWB_BUNDLE")) return qEnvironmentVariable("TWB_BUNDLE");
  const QDir bundles(QDir(QCoreApplication::applicationDirPath()).filePath("../../bundle"));
  const QStringList found = bundles.entryList({"twb-engine-*-linux-x86_64.tar.gz"}, QDir::Files, QDir::Time);
  return found.isEmpty() ? QString() : bundles.filePath(found.front());
}
}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);  // a node that goes away is an error to report, not a signal
  QApplication application(argc, argv);
  QApplication::setOrganizationName("TensorWorkbench");
  QApplication::setApplicationName("tensor-workbench");
  QCommandLineParser parser;
  parser.setApplicationDescription(QObject::tr("Deep-learning experiments across precisions and machines"));
  parser.addHelpOption();
  const QCommandLineOption storeOption("store", QObject::tr("Experiment store (SQLite file)"), "file");
  const QCommandLineOption engineOption("engine", QObject::tr("twb-engine binary of the local node"), "file");
  const QCommandLineOption bundleOption("bundle", QObject::tr("Engine bundle for remote nodes"), "file");
  parser.addOption(storeOption);
  parser.addOption(engineOption);
  parser.addOption(bundleOption);
  parser.process(application);

  // The language chosen in View > Language, else the system's when a translation exists.
  QTranslator translator;
  const QString language = QSettings().value("language", QLocale::system().name()).toString();
  if (language != "en" && translator.load("twb_" + language, ":/i18n"))
    QApplication::installTranslator(&translator);

  const QString data = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
  QDir().mkpath(data);
  const QString storePath = parser.isSet(storeOption) ? parser.value(storeOption) : data + "/experiments.db";
  try {
    twb::app::ExperimentStore store(storePath);
    auto node = std::make_shared<twb::remote::LocalNode>(
        QFileInfo(findEngine(parser.value(engineOption))).absoluteFilePath(), data + "/local-node");
    twb::app::WorkbenchController controller(store, node);
    const QString config = QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation);
    twb::app::NodeManager nodes(config + "/nodes.json", config + "/known_hosts",
                                findBundle(parser.value(bundleOption)));
    twb::ui::MainWindow window(controller, &nodes);
    window.show();
    return application.exec();
  } catch (const std::exception& e) {
    QMessageBox::critical(nullptr, QObject::tr("Tensor Workbench"), QString::fromUtf8(e.what()));
    return 1;
  }
}
