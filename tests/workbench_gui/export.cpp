#include "workbench_gui_test.h"

void WorkbenchGuiTest::exportWritesACheckedOnnxFile() {
  m_window->tabs()->setCurrentWidget(m_window->exportPanel());
  auto* run = field<QComboBox>("exportRun");
  const int int8 = run->findText("int8", Qt::MatchContains);
  QVERIFY(int8 >= 0);
  run->setCurrentIndex(int8);
  QTRY_VERIFY(!field<QLabel>("quantizeReport")->text().isEmpty());  // read off the GUI thread
  const QString report = field<QLabel>("quantizeReport")->text();
  QVERIFY2(report.contains("int8") && report.contains("samples/s") && report.contains("faster"),
           qPrintable(report));
  {  // and the class int8 costs most, as the stored report names it
    const QJsonObject stored =
        QJsonDocument::fromJson(m_store->lastEvent(run->currentData().toLongLong(), "quantize"))
            .object()
            .value("report")["hardest_hit_class"]
            .toObject();
    QVERIFY(!stored.isEmpty());
    QVERIFY2(report.contains(QString("The class int8 costs most: %1, %2 % → %3 %")
                                 .arg(stored["name"].toString())
                                 .arg(stored["fp32"].toDouble() * 100, 0, 'f', 2)
                                 .arg(stored["int8"].toDouble() * 100, 0, 'f', 2)),
             qPrintable(report));
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
}
