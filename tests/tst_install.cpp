// Installed, not run from the build tree: `cmake --install` lays out the FHS tree (programs, man
// pages, desktop entry, AppStream metadata, icon, user service, licence), the installed workbench
// finds the installed engine on its own and trains headless, and CPack makes the two Debian
// packages with dpkg-shlibdeps' runtime dependencies (the engine's without Qt, neither with a
// -dev package) that lintian passes, and that install into a bare Debian with apt.
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QtTest>

namespace {
struct Finished {
  int exitCode = -1;
  QString output;
};

Finished run(const QString& program, const QStringList& arguments, int timeoutMs,
             const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment()) {
  QProcess process;
  process.setProcessEnvironment(environment);
  process.setProcessChannelMode(QProcess::MergedChannels);
  process.start(program, arguments);
  if (!process.waitForFinished(timeoutMs)) {
    process.kill();
    process.waitForFinished();
    return {-1, program + " did not finish: " + process.readAll()};
  }
  return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
          QString::fromUtf8(process.readAll())};
}
}  // namespace

class InstallTest : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;

  QString prefix() const { return m_dir.filePath("root/usr"); }

 private slots:
  void installLaysOutTheTree() {
    const Finished install =
        run("cmake", {"--install", TWB_BINARY_DIR, "--prefix", prefix()}, 120000);
    QVERIFY2(install.exitCode == 0, qPrintable(install.output));
    for (const char* file :
         {"bin/twb-engine", "bin/tensor-workbench", "share/man/man1/twb-engine.1.gz",
          "share/man/man1/tensor-workbench.1.gz", "share/applications/tensor-workbench.desktop",
          "share/metainfo/org.tensorworkbench.TensorWorkbench.metainfo.xml",
          "share/icons/hicolor/scalable/apps/tensor-workbench.svg",
          "lib/systemd/user/twb-engine-node.service", "share/doc/twb-engine/copyright",
          "share/doc/twb-engine/changelog.gz", "share/doc/twb-engine/THIRD-PARTY-NOTICES.md",
          "share/doc/tensor-workbench/copyright", "share/doc/tensor-workbench/changelog.gz"})
      QVERIFY2(QFile::exists(prefix() + "/" + file), file);
    // The engine bundle the workbench deploys to remote nodes, made from this build's engine.
    QCOMPARE(QDir(prefix() + "/lib/tensor-workbench")
                 .entryList({"twb-engine-" TWB_VERSION "-*-linux-x86_64.tar.gz"}, QDir::Files)
                 .size(),
             1);
    const Finished desktop = run("desktop-file-validate",
                                 {prefix() + "/share/applications/tensor-workbench.desktop"}, 30000);
    QVERIFY2(desktop.exitCode == 0 && desktop.output.isEmpty(), qPrintable(desktop.output));
    const Finished appstream = run(
        "appstreamcli",
        {"validate", "--no-net",
         prefix() + "/share/metainfo/org.tensorworkbench.TensorWorkbench.metainfo.xml"},
        30000);
    QVERIFY2(appstream.exitCode == 0, qPrintable(appstream.output));
    const Finished man = run("man", {"--warnings", "-l", "-Tutf8", prefix() + "/share/man/man1/twb-engine.1.gz"}, 30000);
    QVERIFY2(man.exitCode == 0 && man.output.contains("node service"), qPrintable(man.output));
  }

  // No TWB_ENGINE, no --engine: the installed workbench runs the engine installed beside it.
  void theInstalledWorkbenchFindsItsEngine() {
    const QString job = m_dir.filePath("tiny.json");
    QFile file(job);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QJsonDocument(QJsonObject{{"name", "tiny"},
                                         {"model", QJsonObject{{"template", "mlp"}}},
                                         {"dataset", "fashion-mnist"},
                                         {"batch", 64},
                                         {"max_steps", 5},
                                         {"threads", 1}})
                   .toJson());
    file.close();
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "TWB_ENGINE"})
      environment.remove(name);
    environment.insert("XDG_DATA_HOME", m_dir.filePath("data"));
    const Finished headless = run(prefix() + "/bin/tensor-workbench", {job}, 180000, environment);
    QVERIFY2(headless.exitCode == 0, qPrintable(headless.output));
    QVERIFY2(headless.output.contains("headless with " + prefix() + "/bin/twb-engine"),
             qPrintable(headless.output));
    QVERIFY2(QRegularExpression("test accuracy: 0\\.\\d+").match(headless.output).hasMatch(),
             qPrintable(headless.output));
  }

  void cpackMakesTheTwoPackagesWithRuntimeDependenciesOnly() {
    const QString packages = m_dir.filePath("packages");
    const Finished cpack = run("cpack", {"--config", TWB_BINARY_DIR "/CPackConfig.cmake", "-B", packages}, 600000);
    QVERIFY2(cpack.exitCode == 0, qPrintable(cpack.output));
    const QStringList debs = QDir(packages).entryList({"*.deb"}, QDir::Files, QDir::Name);
    QCOMPARE(debs.size(), 2);
    QVERIFY2(debs[0].startsWith("tensor-workbench_") && debs[1].startsWith("twb-engine_"),
             qPrintable(debs.join(", ")));
    const auto field = [&](const QString& deb, const char* name) {
      return run("dpkg-deb", {"-f", packages + "/" + deb, name}, 30000).output.trimmed();
    };
    const QString workbench = field(debs[0], "Depends"), engine = field(debs[1], "Depends");
    QVERIFY2(workbench.contains("twb-engine (= " TWB_VERSION ")") && workbench.contains("libqt6widgets6"),
             qPrintable(workbench));
    QVERIFY2(engine.contains("libdnnl") && engine.contains("libgrpc++") && !engine.contains("qt6"),
             qPrintable(engine));
    QVERIFY2(!workbench.contains("-dev") && !engine.contains("-dev"), qPrintable(workbench + "\n" + engine));
    // Debian's own checker: no error, no warning (lintian refuses root's runs only with a note).
    const Finished lintian = run("lintian", {"--fail-on", "error,warning", packages + "/" + debs[0],
                                             packages + "/" + debs[1]}, 600000);
    QVERIFY2(lintian.exitCode == 0, qPrintable(lintian.output));
    const QString contents = run("dpkg-deb", {"-c", packages + "/" + debs[1]}, 30000).output;
    QVERIFY2(contents.contains("./usr/bin/twb-engine") && !contents.contains("tensor-workbench.desktop"),
             qPrintable(contents));
    m_packages = {packages + "/" + debs[1], packages + "/" + debs[0]};
  }

  // As a user installs them: `apt install ./*.deb` in a bare Debian 12 (debootstrap minbase)
  // resolves their dependencies from Debian's archive, pulling runtime packages only; the
  // workbench trains headless; the engine alone serves a node; `dpkg -r` leaves no file behind.
  void packagesInstallIntoABareDebianAndRemoveCleanly() {
    if (::geteuid() != 0) QSKIP("needs root for debootstrap and chroot (CI runs as root)");
    QVERIFY2(m_packages.size() == 2, "the packages of the test before");
    const QString root = m_dir.filePath("debian");
    QDir().mkpath(TWB_BINARY_DIR "/debootstrap-cache");  // .deb downloads, reused between runs
    const Finished bootstrap =
        run("debootstrap", {"--variant=minbase", "--cache-dir=" TWB_BINARY_DIR "/debootstrap-cache",
                            "bookworm", root, "http://deb.debian.org/debian"},
            600000);
    QVERIFY2(bootstrap.exitCode == 0, qPrintable(bootstrap.output.right(2000)));
    const auto inRoot = [&](const QStringList& command, int timeoutMs = 300000) {
      QProcessEnvironment environment;
      environment.insert("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
      environment.insert("HOME", "/root");
      environment.insert("DEBIAN_FRONTEND", "noninteractive");
      return run("chroot", QStringList{root} + command, timeoutMs, environment);
    };
    const auto installedPackages = [&] {
      return inRoot({"dpkg-query", "-W", "-f", "${Package}\n"}).output.split('\n', Qt::SkipEmptyParts);
    };
    const QStringList bare = installedPackages();
    QVERIFY(!bare.contains("libqt6core6") && !bare.contains("libdnnl2"));
    QFile::remove(root + "/etc/resolv.conf");  // the host's, so apt reaches Debian's archive
    QVERIFY(QFile::copy("/etc/resolv.conf", root + "/etc/resolv.conf"));
    QStringList debs;
    for (const QString& package : m_packages) {
      QVERIFY(QFile::copy(package, root + "/tmp/" + QFileInfo(package).fileName()));
      debs << "/tmp/" + QFileInfo(package).fileName();
    }
    QVERIFY(run("mount", {"-t", "proc", "proc", root + "/proc"}, 30000).exitCode == 0);
    const auto unmount = qScopeGuard([&] { run("umount", {"-l", root + "/proc"}, 30000); });

    const Finished update = inRoot({"apt-get", "update", "-q"});
    QVERIFY2(update.exitCode == 0, qPrintable(update.output.right(2000)));
    const Finished install = inRoot(QStringList{"apt-get", "install", "-y", "-q"} + debs, 900000);
    QVERIFY2(install.exitCode == 0, qPrintable(install.output.right(3000)));
    QStringList pulled = installedPackages();
    for (const QString& package : bare) pulled.removeAll(package);
    QVERIFY2(pulled.contains("twb-engine") && pulled.contains("tensor-workbench") &&
                 pulled.contains("dataset-fashion-mnist"),
             qPrintable(pulled.join(' ')));
    static const QRegularExpression buildOnly(
        "-dev$|^(gcc|g\\+\\+|cpp|cmake|ninja-build|make|protobuf-compiler|qt6-base-dev-tools)(-\\d+)?$");
    QVERIFY2(pulled.filter(buildOnly).isEmpty(), qPrintable(pulled.filter(buildOnly).join(' ')));
    QVERIFY2(QDir(root + "/usr/lib/tensor-workbench").entryList({"twb-engine-*.tar.gz"}).size() == 1,
             "the engine bundle for remote nodes");

    QFile job(root + "/tmp/tiny.json");
    QVERIFY(job.open(QIODevice::WriteOnly));
    job.write(R"({"name": "tiny", "model": {"template": "mlp"}, "dataset": "fashion-mnist",
                 "batch": 64, "max_steps": 5, "threads": 1})");
    job.close();
    const Finished headless = inRoot({"tensor-workbench", "/tmp/tiny.json"});
    QVERIFY2(headless.exitCode == 0 && headless.output.contains("headless with /usr/bin/twb-engine") &&
                 QRegularExpression("test accuracy: 0\\.\\d+").match(headless.output).hasMatch(),
             qPrintable(headless.output));

    const QStringList ours =
        inRoot({"dpkg", "-L", "twb-engine", "tensor-workbench"}).output.split('\n', Qt::SkipEmptyParts);
    QVERIFY(ours.contains("/usr/bin/twb-engine") && ours.contains("/usr/bin/tensor-workbench"));
    QCOMPARE(inRoot({"dpkg", "-r", "tensor-workbench"}).exitCode, 0);
    QVERIFY(!QFile::exists(root + "/usr/bin/tensor-workbench"));
    QProcess serve;
    serve.setProcessChannelMode(QProcess::MergedChannels);
    serve.start("chroot", {root, "twb-engine", "serve", "--listen", "unix:/tmp/node/node.sock"});
    QVERIFY(serve.waitForReadyRead(30000) || serve.state() == QProcess::NotRunning);
    const QString serving = QString::fromUtf8(serve.readAll());
    QVERIFY2(serving.contains("serving on unix:/tmp/node/node.sock"), qPrintable(serving));
    const Finished info = inRoot({"twb-engine", "client", "--node", "unix:/tmp/node/node.sock", "info"});
    serve.terminate();
    QVERIFY(serve.waitForFinished(10000));
    QVERIFY2(info.exitCode == 0 && info.output.contains("twb.node.v1"), qPrintable(info.output));

    QCOMPARE(inRoot({"dpkg", "-r", "twb-engine"}).exitCode, 0);
    QStringList left;
    for (const QString& path : ours)
      if (QFileInfo(root + path).isFile()) left << path;
    QVERIFY2(left.isEmpty(), qPrintable("left behind: " + left.join(' ')));
    QVERIFY(!QFileInfo::exists(root + "/usr/lib/tensor-workbench"));
  }

 private:
  QStringList m_packages;  // the engine's, then the workbench's .deb
};

QTEST_GUILESS_MAIN(InstallTest)
#include "tst_install.moc"
