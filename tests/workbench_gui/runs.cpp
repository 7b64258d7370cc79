#include "workbench_gui_test.h"

// Notes and tags of a run: written in a dialog, kept in the store, shown in the browser and
// found by the filter; a cancelled dialog changes nothing.
void WorkbenchGuiTest::runNotesAndTagsAreKeptAndSearched() {
  const OwnProject own(*m_window, *m_controller, "Notes");
  const qint64 project = own.id;
  field<QSpinBox>("maxSteps")->setValue(5);
  QPersistentModelIndex first;
  runToSuccess(project, first);
  if (!first.isValid()) return;
  QTest::mouseClick(field<QPushButton>("run"), Qt::LeftButton);
  const QPersistentModelIndex projectRow = m_window->projectIndex(project);
  QTRY_COMPARE_WITH_TIMEOUT(runCount(projectRow), 2, twb::test::timeScaled(10000));
  const QPersistentModelIndex second = browser()->index(first.row() == 0 ? 1 : 0, 0, projectRow);
  QTRY_COMPARE_WITH_TIMEOUT(text(second, 1), QString("succeeded"), twb::test::timeScaled(120000));
  const qint64 runId = runIdOf(first);
  const auto answer = [this](const QString& notes, const QString& tags, bool save) {
    QTimer::singleShot(200, this, [=] {
      auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
      QVERIFY(dialog && dialog->objectName() == "runNotesDialog");
      dialog->findChild<QPlainTextEdit*>("runNotes")->setPlainText(notes);
      dialog->findChild<QLineEdit*>("runTags")->setText(tags);
      if (save) {
        QDir().mkpath(TWB_BINARY_DIR "/screenshots");
        QVERIFY(dialog->grab().save(TWB_BINARY_DIR "/screenshots/run-notes-dialog.png"));
      }
      if (save)
        dialog->accept();
      else
        dialog->reject();
    });
  };
  answer("lr from the paper; compare with the bf16 run", " baseline, lr-0.05,, baseline ", true);
  m_window->editRunNotes(runId);
  const app::Run run = m_store->run(runId);
  QCOMPARE(run.notes, QString("lr from the paper; compare with the bf16 run"));
  QCOMPARE(run.tags, QStringList({"baseline", "lr-0.05"}));
  QCOMPARE(text(first, 5), QString("baseline, lr-0.05"));
  answer("changed my mind", "nothing", false);
  m_window->editRunNotes(runId);
  QCOMPARE(m_store->run(runId).tags, QStringList({"baseline", "lr-0.05"}));
  auto* filter = field<QLineEdit>("runFilter");
  const qint64 secondId = runIdOf(second);  // the filter takes the row out of the view's model
  filter->setText("lr-0.05");               // a tag
  QVERIFY(m_window->runIndex(runId).isValid() && !m_window->runIndex(secondId).isValid());
  filter->setText("PAPER");  // a word of the notes
  QVERIFY(m_window->runIndex(runId).isValid() && !m_window->runIndex(secondId).isValid());
  m_window->runsBrowser()->setCurrentIndex(first);
  auto* scroll = m_window->runsBrowser()->horizontalScrollBar();
  scroll->setValue(scroll->maximum());  // the Tags column, last in the narrow browser
  screenshot("runs-tags");
  scroll->setValue(0);
  filter->clear();
  QVERIFY(m_window->runIndex(secondId).isValid());
}
