// The Simplified Chinese translation covers every user-visible string of app/, ui/ and plugins/:
// lupdate run on today's sources finds nothing new, nothing is left unfinished or empty, and the
// compiled translation built into the workbench translates its strings.
#include <QApplication>
#include <QDomDocument>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTranslator>
#include <QtTest>

class TranslationsTest : public QObject {
  Q_OBJECT

 private slots:
  void everyStringIsTranslated() {
    QTemporaryDir dir;
    const QString ts = dir.filePath("twb_zh_CN.ts");
    QVERIFY(QFile::copy(TWB_SOURCE_DIR "/translations/twb_zh_CN.ts", ts));
    QFile::setPermissions(ts, QFile::ReadOwner | QFile::WriteOwner);
    QProcess update;
    update.setProcessChannelMode(QProcess::MergedChannels);
    update.start("bash", {TWB_SOURCE_DIR "/translations/update.sh", ts});
    QVERIFY(update.waitForFinished(120000));
    const QString said = QString::fromUtf8(update.readAll());
    QVERIFY2(update.exitCode() == 0, qPrintable(said));
    QVERIFY2(said.contains("(0 new and"), qPrintable("strings missing from the translation: " + said));

    QFile file(ts);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QDomDocument document;
    QVERIFY(document.setContent(&file));
    const QDomNodeList messages = document.elementsByTagName("message");
    QVERIFY(messages.size() > 100);
    for (int i = 0; i < messages.size(); ++i) {
      const QDomElement message = messages.at(i).toElement();
      const QString source = message.firstChildElement("source").text();
      const QDomElement translation = message.firstChildElement("translation");
      QVERIFY2(!translation.hasAttribute("type"),
               qPrintable(source + ": " + translation.attribute("type")));
      QVERIFY2(!translation.text().isEmpty(), qPrintable(source + ": empty translation"));
    }
  }

  void workbenchCarriesTheCompiledTranslation() {
    QTranslator translator;
    QVERIFY(translator.load("twb_zh_CN", ":/i18n"));
    QCOMPARE(translator.translate("twb::ui::JobForm", "Learning rate"), QString("学习率"));
    QCOMPARE(translator.translate("twb::ui::MainWindow", "Monitor"), QString("监控"));
  }
};

QTEST_MAIN(TranslationsTest)
#include "tst_translations.moc"
