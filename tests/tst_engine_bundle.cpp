// The engine bundle (packaging/make-engine-bundle.sh) in a bare Debian root made by debootstrap,
// with none of our dependencies installed: it must report itself, resolve every library but
// glibc's from the bundle, and train for an epoch.
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {
struct Run {
  int exitCode = -1;
  QString output;
};

Run run(const QString& program, const QStringList& args, int timeoutMs = 300000) {
  QProcess process;
  process.setProcessChannelMode(QProcess::MergedChannels);
  process.start(program, args);
  Run result;
  if (!process.waitForFinished(timeoutMs)) {
    process.kill();
    process.waitForFinished();
    result.output = "timed out: " + program + " " + args.join(' ');
    return result;
  }
  result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
  result.output = QString::fromUtf8(process.readAll());
  return result;
}

// /proc mounted in the root for as long as the test needs it (the engine reads /proc/cpuinfo).
struct ProcMount {
  QString path;
  bool mounted = false;
  explicit ProcMount(const QString& root) : path(root + "/proc") {
    mounted = run("mount", {"-t", "proc", "proc", path}).exitCode == 0;
  }
  ~ProcMount() {
    if (mounted) run("umount", {"-l", path});
  }
};
}  // namespace

class EngineBundleTest : public QObject {
  Q_OBJECT

 private slots:
  void bundleRunsInABareRoot() {
    if (::geteuid() != 0) QSKIP("needs root for debootstrap and chroot (CI runs as root)");
    QTemporaryDir work;
    const Run bundle = run(TWB_SOURCE_DIR "/packaging/make-engine-bundle.sh",
                           {TWB_ENGINE_BINARY, work.filePath("out")});
    QVERIFY2(bundle.exitCode == 0, qPrintable(bundle.output));
    const QString archive = bundle.output.trimmed().split('\n').last();
    const QString name = QFileInfo(archive).fileName().remove(".tar.gz");
    QVERIFY2(QRegularExpression("^twb-engine-[0-9.]+-[0-9a-f]{12}(-dirty-[0-9a-f]{8})?-linux-x86_64$")
                 .match(name).hasMatch(), qPrintable(name));

    const QString root = work.filePath("root");
    QDir().mkpath(TWB_BINARY_DIR "/debootstrap-cache");  // .deb downloads, reused between runs
    const Run bootstrap = run("debootstrap", {"--variant=minbase",
                                              "--cache-dir=" TWB_BINARY_DIR "/debootstrap-cache",
                                              "bookworm", root, "http://deb.debian.org/debian"},
                              600000);
    QVERIFY2(bootstrap.exitCode == 0, qPrintable(bootstrap.output.right(2000)));
    QVERIFY2(!QFile::exists(root + "/usr/lib/x86_64-linux-gnu/libdnnl.so.2"), "not a bare root");
    QVERIFY2(!QFile::exists(root + "/usr/lib/x86_64-linux-gnu/libgrpc++.so.1.51"), "not a bare root");

    QVERIFY(run("tar", {"-C", root + "/opt", "-xzf", archive}).exitCode == 0);
    QDir().mkpath(root + "/usr/share/datasets");
    QVERIFY(run("cp", {"-a", "/usr/share/datasets/fashion-mnist", root + "/usr/share/datasets/"})
                .exitCode == 0);
    QVERIFY(QFile::copy(TWB_SOURCE_DIR "/resources/examples/fmnist-mlp.json",
                        root + "/tmp/fmnist-mlp.json"));
    // Under the sanitizer presets the options name suppression files of the source tree.
    QVERIFY(QDir().mkpath(root + TWB_SOURCE_DIR "/tests"));
    QVERIFY(run("cp", {"-a", TWB_SOURCE_DIR "/tests/sanitizers", root + TWB_SOURCE_DIR "/tests/"})
                .exitCode == 0);
    ProcMount proc(root);
    QVERIFY(proc.mounted);
    const QString engine = "/opt/" + name + "/bin/twb-engine";

    const Run info = run("chroot", {root, engine, "info", "--json"});
    QVERIFY2(info.exitCode == 0, qPrintable(info.output));
    QVERIFY2(info.output.contains("\"build_hash\""), qPrintable(info.output));

    // Every library resolves inside the bundle, except glibc's own.
    const Run ldd = run("chroot", {root, "ldd", engine});
    QVERIFY2(ldd.exitCode == 0, qPrintable(ldd.output));
    const QStringList glibc = {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1"};
    int bundled = 0;
    for (const QString& line : ldd.output.split('\n', Qt::SkipEmptyParts)) {
      QVERIFY2(!line.contains("not found"), qPrintable(line));
      if (!line.contains("=>")) continue;  // the vDSO and the loader
      const QString soname = line.trimmed().section(' ', 0, 0);
      if (line.contains("/opt/" + name + "/")) ++bundled;
      else QVERIFY2(glibc.contains(soname), qPrintable("resolved outside the bundle: " + line));
    }
    QVERIFY(bundled > 10);

    const Run train = run("chroot", {root, engine, "train", "/tmp/fmnist-mlp.json", "--epochs",
                                     "1", "--out", "/tmp/run"});
    QVERIFY2(train.exitCode == 0, qPrintable(train.output.right(2000)));
    QVERIFY2(train.output.contains("after 468 steps"), qPrintable(train.output.right(500)));
    const double accuracy = train.output.section("test accuracy: ", 1).section(' ', 0, 0).toDouble();
    QVERIFY2(accuracy > 0.8, qPrintable(train.output.right(500)));
    QVERIFY(QFile::exists(root + "/tmp/run/model.twbm"));
  }
};

QTEST_GUILESS_MAIN(EngineBundleTest)
#include "tst_engine_bundle.moc"
