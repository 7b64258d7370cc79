#include "workbench_gui_test.h"

void WorkbenchGuiTest::exportWritesACheckedOnnxFile() {
  m_window->tabs()->setCurrentWidget(m_window->exportPanel());
  auto* run = field<QComboBox>("exportRun");
  const int int8 = run->findText("int8", Qt::MatchContains);
  QVERIFY(int8 >= 0);
  run->setCurrentIndex(int8);
  QTRY_VERIFY(!field<QLabel>("quantizeReport")->text().isEmpty());  // read off the GUI thread
  const QString report = field<QLabel>("quantizeReport")->text();
  {  // int8's speed against fp32's, in the words that fit the stored measurements
    const QJsonObject stored =
        QJsonDocument::fromJson(m_store->lastEvent(run->currentData().toLongLong(), "quantize"))
            .object()
            .value("report")
            .toObject();
    const double ratio = stored["int8"]["samples_per_s_b64"].toDouble() /
                         stored["fp32"]["samples_per_s_b64"].toDouble();
    QVERIFY(ratio > 0);
    const QString said =
        ratio >= 1 ? QString("× faster)") : QString("× as fast: slower than fp32 on this node)");
    QVERIFY2(report.contains("samples/s (" + QString::number(ratio, 'f', 2) + said),
             qPrintable(report));
  }
  // The data it was calibrated and evaluated on: the run's own.
  QVERIFY2(report.contains("Calibrated on 512 samples of fashion-mnist (percentile "
                           "observer, per-channel weights); evaluated on " +
                           QLocale().toString(10000) + " samples of fashion-mnist (test)"),
           qPrintable(report));
  {  // and the class int8 costs most, as the stored report names it (or that none loses)
    const QJsonObject stored =
        QJsonDocument::fromJson(m_store->lastEvent(run->currentData().toLongLong(), "quantize"))
            .object()
            .value("report")["hardest_hit_class"]
            .toObject();
    QVERIFY(!stored.isEmpty());
    const QString said = stored["points"].toDouble() >= 0
                             ? QString("No class loses accuracy in int8.")
                             : QString("The class int8 costs most: %1, %2 % → %3 %")
                                   .arg(stored["name"].toString())
                                   .arg(stored["fp32"].toDouble() * 100, 0, 'f', 2)
                                   .arg(stored["int8"].toDouble() * 100, 0, 'f', 2);
    QVERIFY2(report.contains(said), qPrintable(report));
  }
  const QString onnx = m_dir.filePath("mlp-int8.onnx");
  field<QLineEdit>("exportDestination")->setText(onnx);
  QTest::mouseClick(field<QPushButton>("export"), Qt::LeftButton);
  QTRY_VERIFY_WITH_TIMEOUT(field<QLabel>("exportStatus")->text().startsWith("Saved"),
                           twb::test::timeScaled(60000));
  screenshot("export");
  QProcess checker;
  checker.start("/usr/bin/python3",
                {"-c",
                 "import onnx, sys; m = onnx.load(sys.argv[1]); "
                 "onnx.checker.check_model(m, full_check=True); "
                 "print(sum(n.op_type == 'QuantizeLinear' for n in m.graph.node))",
                 onnx});
  QVERIFY(checker.waitForFinished(60000));
  QVERIFY2(checker.exitCode() == 0, checker.readAllStandardError().constData());
  QVERIFY(checker.readAllStandardOutput().trimmed().toInt() > 0);  // QDQ form
  // The store knows the run's files on the node and where the export was saved.
  const qint64 int8Run = run->currentData().toLongLong();
  bool exportedRecorded = false;
  for (const app::Artifact& a : m_store->artifacts(int8Run))
    exportedRecorded |=
        a.localPath == onnx && a.bytes == QFileInfo(onnx).size() && a.name.endsWith(".onnx");
  QVERIFY(exportedRecorded);
  QVERIFY(!m_store->artifacts(runIdOf(runRow(0))).isEmpty());  // the fp32 run's files

  // Where the model cannot go is said before the node does any work, and a file that is there is
  // replaced only when the user says so.
  const auto exportTo = [&](const QString& path) {
    field<QLineEdit>("exportDestination")->setText(path);
    QTest::mouseClick(field<QPushButton>("export"), Qt::LeftButton);
    QVERIFY(field<QPushButton>("export")->isEnabled());  // nothing started
  };
  exportTo(m_dir.path());
  QCOMPARE(field<QLabel>("exportStatus")->text(),
           QString("%1 is a folder: add the file's name, e.g. %1/%2.onnx")
               .arg(m_dir.path(), run->currentText().section(" (", 0, -2)));
  exportTo(m_dir.filePath("no-such-folder/model.onnx"));
  QCOMPARE(field<QLabel>("exportStatus")->text(),
           QString("The folder %1 does not exist.").arg(m_dir.filePath("no-such-folder")));
  const QDateTime written = QFileInfo(onnx).lastModified();
  QString asked;
  answerTheQuestion(QMessageBox::No, &asked);
  exportTo(onnx);
  QCOMPARE(asked, QString("%1 already exists. Replace it?").arg(onnx));
  QCOMPARE(field<QLabel>("exportStatus")->text(),
           QString("Not exported: %1 is kept as it was.").arg(onnx));
  QCOMPARE(QFileInfo(onnx).lastModified(), written);
  answerTheQuestion(QMessageBox::Yes, &asked);
  field<QLineEdit>("exportDestination")->setText(onnx);
  QTest::mouseClick(field<QPushButton>("export"), Qt::LeftButton);
  QTRY_VERIFY_WITH_TIMEOUT(field<QLabel>("exportStatus")->text() == "Saved " + onnx,
                           twb::test::timeScaled(60000));
  QVERIFY(QFileInfo(onnx).lastModified() > written);
  QVERIFY(!QFile::exists(onnx + ".tmp"));
}

// The Profile and Export tabs follow the runs browser, but a run the user then picks on the tab
// itself stays chosen when the tab reads its runs again (as it does whenever a run ends).
void WorkbenchGuiTest::aRunChosenOnATabIsKeptWhenRunsAreReadAgain() {
  m_window->runsBrowser()->setCurrentIndex(runRow(1));  // chosen afresh, so both tabs follow
  m_window->runsBrowser()->setCurrentIndex(runRow(0));
  const qint64 browsed = runIdOf(runRow(0));
  const auto pickAnotherThenReadAgain = [&](auto* panel, QComboBox* box) {
    m_window->tabs()->setCurrentWidget(panel);
    QCOMPARE(box->currentData().toLongLong(), browsed);
    QSignalSpy shown(panel,
                     &std::remove_pointer_t<decltype(panel)>::shown);  // read off the GUI thread
    box->setFocus();
    QTest::keyClick(box, box->currentIndex() > 0 ? Qt::Key_Up : Qt::Key_Down);
    const qint64 picked = box->currentData().toLongLong();
    QVERIFY(picked != browsed);
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, twb::test::timeScaled(15000));
    panel->refresh();
    QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 2, twb::test::timeScaled(15000));
    QCOMPARE(box->currentData().toLongLong(), picked);
  };
  pickAnotherThenReadAgain(m_window->exportPanel(), field<QComboBox>("exportRun"));
  pickAnotherThenReadAgain(m_window->profilePanel(), m_window->profilePanel()->runChooser());
}
