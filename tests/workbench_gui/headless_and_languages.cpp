#include "workbench_gui_test.h"

void WorkbenchGuiTest::withoutADisplayTheExampleTrainsHeadless() {
  QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
  for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
    environment.remove(name);
  environment.insert("XDG_DATA_HOME", m_dir.filePath("headless"));
  environment.insert("TWB_ENGINE", TWB_ENGINE_BINARY);
  QProcess workbench;
  workbench.setProcessEnvironment(environment);
  workbench.start(TWB_APP_BINARY, QStringList());
  QVERIFY(workbench.waitForFinished(300000));
  const QString output = workbench.readAllStandardError() + workbench.readAllStandardOutput();
  QVERIFY2(workbench.exitStatus() == QProcess::NormalExit && workbench.exitCode() == 0,
           qPrintable(output));
  QVERIFY2(output.contains("no display (DISPLAY and WAYLAND_DISPLAY are unset)"),
           qPrintable(output));
  const QRegularExpressionMatch accuracy =
      QRegularExpression("test accuracy: (0\\.\\d+)").match(output);
  QVERIFY2(accuracy.hasMatch() && accuracy.captured(1).toDouble() > 0.8,
           qPrintable(output));  // 5 epochs of the mlp

  // Headless training runs here only: a remote node asked for is refused, not replaced.
  workbench.start(TWB_APP_BINARY,
                  {TWB_SOURCE_DIR "/resources/examples/fmnist-mlp.json", "--node", "lab-a"});
  QVERIFY(workbench.waitForFinished(30000));
  QCOMPARE(workbench.exitCode(), 2);
  QVERIFY(QString(workbench.readAllStandardError()).contains("--node lab-a needs the window"));
}

void WorkbenchGuiTest::chineseTranslationShowsEveryScreen() {
  {
    ChineseWindow zh(*m_controller);
    QVERIFY(zh.window && QTest::qWaitForWindowExposed(zh.window.get()));
    ui::MainWindow& chinese = *zh.window;
    QCOMPARE(chinese.windowTitle(), QString("未命名任务[*] — Tensor Workbench 张量工作台"));
    QCOMPARE(chinese.tabs()->tabText(1), QString("监控"));
    const char* names[] = {"job-zh",     "monitor-zh", "profile-zh",
                           "compare-zh", "export-zh",  "model-zh"};
    for (int tab = 0; tab < 6; ++tab) {
      chinese.tabs()->setCurrentIndex(tab);
      QTest::qWait(50);
      QVERIFY(chinese.grab().save(QString(TWB_BINARY_DIR "/screenshots/") + names[tab] + ".png"));
    }
    // The designer with an error, and the plugins list.
    chinese.tabs()->setCurrentWidget(chinese.designer());
    QVERIFY(chinese.designer()->openModelOf(
        QJsonObject{{"model", QJsonObject{{"template", "lenet5"}}}}));
    chinese.designer()->document().setAttribute("conv2", "out_channels",
                                                QJsonValue(QJsonValue::Undefined));
    chinese.designer()->canvas()->selectBoxes({"conv2"});
    QTest::qWait(50);
    QVERIFY(chinese.grab().save(TWB_BINARY_DIR "/screenshots/designer-error-zh.png"));
    QVERIFY(chinese.showPlugins()->grab().save(TWB_BINARY_DIR "/screenshots/plugins-zh.png"));
    // The Advanced editor's problem at its line, and the reconnect indicator.
    chinese.tabs()->setCurrentIndex(0);
    ui::JobJsonEditor* editor = chinese.jobForm()->advancedEditor();
    editor->text()->setPlainText("{\n  \"name\": \"typo\",\n  \"batch\": 12 8\n}\n");
    QTRY_VERIFY(editor->problem()->isVisible());
    QVERIFY2(editor->problem()->text().startsWith("第 3 行"),
             qPrintable(editor->problem()->text()));
    QVERIFY(chinese.grab().save(TWB_BINARY_DIR "/screenshots/job-advanced-error-zh.png"));
    // Any stored run will do (run alone, this test has none of the earlier tests' runs).
    qint64 runId = 0;
    for (const app::Project& p : m_store->projects())
      for (const app::Run& run : m_store->runs(p.id)) runId = runId ? runId : run.id;
    if (!runId) runId = m_controller->startRun("reconnect", everyFieldJob());
    QTRY_VERIFY(chinese.runIndex(runId).isValid());
    chinese.showConnectionLost(runId, "local", "UNAVAILABLE: failed to connect", 2, 400);
    QVERIFY(chinese.connectionStatus()->text().contains("重新连接"));
    QVERIFY(chinese.grab().save(TWB_BINARY_DIR "/screenshots/reconnecting-zh.png"));
  }
}
