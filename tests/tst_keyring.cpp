// A key's passphrase kept in the desktop keyring when the user asks (a real GNOME Keyring on a
// D-Bus session of the test's own: tests/with_keyring.sh), used for the next logins without
// asking, asked again when it no longer opens the key, and never written to the workbench's files.
#include <signal.h>
#include <unistd.h>

#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "app/keyring.h"
#include "app/node_manager.h"
#include "app/plugin_catalog.h"
#include "ssh_server.h"

using twb::app::Keyring;
using twb::app::NodeManager;
using twb::app::PluginCatalog;
using twb::test::makeEngineBundle;
using twb::test::runCommand;

namespace {
constexpr const char* kPassphrase = "correct horse battery";
}

class KeyringTest : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  QString m_bundle;

 private slots:
  void initTestCase() {
    if (::geteuid() != 0) QSKIP("needs root to start sshd (CI runs as root)");
    QVERIFY2(qEnvironmentVariableIsSet("DBUS_SESSION_BUS_ADDRESS"),
             "run through tests/with_keyring.sh (a session bus and an unlocked keyring)");
    QString output;
    m_bundle = makeEngineBundle(m_dir.filePath("bundle"), &output);
    QVERIFY2(!m_bundle.isEmpty(), qPrintable(output));
  }

  void keepForgetAndLookUp() {
    const QString key = m_dir.filePath("some_key");
    QVERIFY(!Keyring::passphrase(key));
    QString why;
    QVERIFY2(Keyring::keepPassphrase(key, "s3cret", &why), qPrintable(why));
    QCOMPARE(Keyring::passphrase(key).value_or(""), QString("s3cret"));
    QVERIFY(!Keyring::passphrase(m_dir.filePath("another_key")));
    Keyring::forgetPassphrase(key);
    QVERIFY(!Keyring::passphrase(key));
  }

  void passphraseKeptOnRequestIsNotAskedAgain() {
    twb::test::SshServer server(m_dir.filePath("sshd"));
    const QString key = m_dir.filePath("encrypted_ed25519");
    QCOMPARE(runCommand("ssh-keygen", {"-q", "-t", "ed25519", "-N", kPassphrase, "-f", key}), 0);
    {
      QFile authorized(m_dir.filePath("sshd/authorized_keys"));
      QVERIFY(authorized.open(QIODevice::Append));
      QFile pub(key + ".pub");
      QVERIFY(pub.open(QIODevice::ReadOnly));
      authorized.write(pub.readAll());
    }
    QVERIFY2(server.start(), qPrintable(server.error()));
    const QString config = m_dir.filePath("config");
    const PluginCatalog plugins(PluginCatalog::defaultFolders());
    NodeManager nodes(config + "/nodes.json", {TWB_ENGINE_BINARY, m_bundle, config + "/known_hosts", {}},
                      plugins);
    connect(&nodes, &NodeManager::hostKeyQuestion, this,
            [](const QString&, const QString&, const QString&, bool* accept) { *accept = true; });
    int asked = 0;
    QString answer = kPassphrase;
    bool keep = true;
    connect(&nodes, &NodeManager::loginQuestion, this,
            [&](const QString&, const QString& instruction, const QList<twb::remote::SshQuestion>&,
                std::optional<QStringList>* answers, bool* keepIt) {
              ++asked;
              QVERIFY(instruction.contains(key));
              QVERIFY2(keepIt, "a key's passphrase may be kept");
              *answers = QStringList{answer};
              *keepIt = keep;
            });
    twb::remote::NodeEntry entry;
    entry.name = "encrypted";
    entry.target = {server.host(), server.port(), "root", key};
    entry.folder = m_dir.filePath("node");
    nodes.save(entry);
    QSignalSpy checked(&nodes, &NodeManager::checked);
    const auto test = [&] {
      nodes.test("encrypted");
      if (!checked.wait(120000)) return QString("no answer");
      return checked.takeFirst().at(1).toString();
    };

    QCOMPARE(test(), QString("ok"));
    QCOMPARE(asked, 1);
    QCOMPARE(Keyring::passphrase(key).value_or(""), QString(kPassphrase));
    QCOMPARE(test(), QString("ok"));
    QCOMPARE(asked, 1);  // the keyring answered

    // Never in the workbench's files (nodes.json, known_hosts) nor the node's folder.
    QDirIterator files(m_dir.path(), QDir::Files, QDirIterator::Subdirectories);
    while (files.hasNext()) {
      QFile file(files.next());
      QVERIFY(file.open(QIODevice::ReadOnly));
      QVERIFY2(!file.readAll().contains(kPassphrase), qPrintable(file.fileName()));
    }

    // A kept passphrase that no longer opens the key is dropped and asked again.
    QString why;
    QVERIFY(Keyring::keepPassphrase(key, "an old passphrase", &why));
    keep = false;
    QCOMPARE(test(), QString("ok"));
    QCOMPARE(asked, 2);
    QVERIFY(!Keyring::passphrase(key));

    QFile daemon(entry.folder + "/node/daemon.json");
    if (daemon.open(QIODevice::ReadOnly))
      ::kill(QJsonDocument::fromJson(daemon.readAll()).object().value("pid").toInt(), SIGTERM);
  }
};

QTEST_GUILESS_MAIN(KeyringTest)
#include "tst_keyring.moc"
