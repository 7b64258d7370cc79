// ~/.ssh/config as the workbench reads it (remote/ssh_config.h), against what ssh_config(5)
// says: first value wins, Host patterns with wildcards and negation, Include, tokens.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "remote/remote_error.h"
#include "remote/ssh_config.h"

using twb::remote::SshConfig;
using twb::remote::sshHostMatches;

class SshConfigTest : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  QString write(const QString& name, const QByteArray& text) {
    const QString path = m_dir.filePath(name);
    QFile file(path);
    file.open(QIODevice::WriteOnly | QIODevice::Truncate);
    file.write(text);
    return path;
  }

 private slots:
  void patterns() {
    QVERIFY(sshHostMatches("gpu7.lab", {"*.lab"}));
    QVERIFY(sshHostMatches("GPU7.LAB", {"gpu?.lab"}));
    QVERIFY(!sshHostMatches("gpu17.lab", {"gpu?.lab"}));
    QVERIFY(!sshHostMatches("gw.lab", {"*.lab", "!gw.lab"}));
    QVERIFY(!sshHostMatches("gw.lab", {"!gw.lab", "*.lab"}));
    QVERIFY(!sshHostMatches("other", {"!gw.lab"}));  // a negation alone matches nothing
    QVERIFY(sshHostMatches("a.b.c", {"a*c"}));
    QVERIFY(sshHostMatches("anything", {"*"}));
  }

  void firstValueWinsAndIdentityFilesAccumulate() {
    const QString path = write("config", R"(# a comment
Host gpu*  !gpu-old
    HostName %h.cluster.example
    User alice
    Port=2222
    IdentityFile ~/.ssh/id_gpu
    ProxyJump bastion,inner:2200
Host gpu1
    User bob
    Port 22
Host *
    User nobody
    IdentityFile "%d/.ssh/id %r of %u"
    IdentitiesOnly yes
    ServerAliveInterval 15
    ConnectTimeout 7
)");
    const SshConfig config = SshConfig::load(path);
    const auto gpu1 = config.resolve("gpu1", "me");
    QCOMPARE(gpu1.hostName, QString("gpu1.cluster.example"));
    QCOMPARE(gpu1.user, QString("alice"));  // the first block that sets it
    QCOMPARE(gpu1.port.value_or(0), 2222);
    QCOMPARE(gpu1.identityFiles, QStringList({QDir::homePath() + "/.ssh/id_gpu",
                                              QDir::homePath() + "/.ssh/id alice of me"}));
    QCOMPARE(gpu1.proxyJumps, QStringList({"bastion", "inner:2200"}));
    QVERIFY(gpu1.identitiesOnly);
    QCOMPARE(gpu1.serverAliveInterval.value_or(0), 15);
    QCOMPARE(gpu1.connectTimeout, 7);

    const auto old = config.resolve("gpu-old", "me");
    QCOMPARE(old.hostName, QString());
    QCOMPARE(old.user, QString("nobody"));
    QVERIFY(!old.port.has_value());
    QVERIFY(old.proxyJumps.isEmpty());
  }

  void includeAndProxyJumpNone() {
    QDir().mkpath(m_dir.filePath("conf.d"));
    write("conf.d/10-lab.conf", "Host lab\n  HostName 10.0.0.9\n  ProxyJump none\n");
    write("conf.d/20-all.conf", "ProxyJump gw\n");
    const QString path =
        write("with-include", ("Include " + m_dir.filePath("conf.d/*.conf") + "\n").toUtf8());
    const SshConfig config = SshConfig::load(path);
    QCOMPARE(config.resolve("lab").hostName, QString("10.0.0.9"));
    QVERIFY(config.resolve("lab").proxyJumps.isEmpty());  // "none" was the first value
    QCOMPARE(config.resolve("elsewhere").proxyJumps, QStringList{"gw"});
  }

  void missingFileIsAnEmptyConfig() {
    const auto nothing = SshConfig::load(m_dir.filePath("absent")).resolve("h");
    QVERIFY(nothing.hostName.isEmpty() && nothing.identityFiles.isEmpty());
  }

  void badLinesNameFileAndLine() {
    const QString path = write("bad", "Host a\n  Port 99999\n");
    try {
      SshConfig::load(path);
      QFAIL("a port over 65535 was read");
    } catch (const twb::remote::RemoteError& e) {
      QVERIFY2(QString(e.what()).contains(path + ":2: Port '99999'"), e.what());
    }
    const QString empty = write("empty-value", "Host a\n  HostName\n");
    try {
      SshConfig::load(empty);
      QFAIL("a keyword without a value was read");
    } catch (const twb::remote::RemoteError& e) {
      QVERIFY2(QString(e.what()).contains(empty + ":2:"), e.what());
    }
  }
};

QTEST_GUILESS_MAIN(SshConfigTest)
#include "tst_ssh_config.moc"
