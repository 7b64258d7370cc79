#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QStatusBar>
#include <QTabWidget>

#include "app/job_paths.h"
#include "app/run_summary.h"
#include "app/workbench_controller.h"
#include "ui/job_form.h"
#include "ui/job_json_editor.h"
#include "ui/main_window.h"
#include "ui/recent_jobs_menu.h"

// The window's job file: new, opened, saved, cloned from a run; never put aside with changes
// unsaved.
namespace twb {
namespace ui {

void MainWindow::openJob() {
  if (!mayPutJobAside()) return;
  const QString path =
      QFileDialog::getOpenFileName(this, tr("Open job"), {}, tr("Job files (*.json)"));
  if (!path.isEmpty()) openJobFile(path);
}

bool MainWindow::openJobFile(const QString& path) {
  QFile file(path);
  QJsonParseError error{};
  const QJsonDocument document = QJsonDocument::fromJson(
      file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray(), &error);
  if (!document.isObject()) {
    QMessageBox::warning(this, tr("Open job"),
                         file.error() != QFile::NoError
                             ? tr("Cannot read %1: %2").arg(path, file.errorString())
                             : tr("%1 is not a job file: %2").arg(path, error.errorString()));
    return false;
  }
  m_jobForm->setJob(document.object());
  useJobFile(path);
  m_tabs->setCurrentWidget(m_jobForm);
  statusBar()->showMessage(tr("Opened %1").arg(path), 5000);
  return true;
}

void MainWindow::useJobFile(const QString& path) {
  m_jobPath = path;
  m_recentJobs->add(path);
  useJobFolder(QFileInfo(path).absolutePath());  // its relative paths, as the CLI reads them
  m_jobForm->markSaved();
}

void MainWindow::useJobFolder(const QString& folder) {
  m_controller.setJobFolder(folder);
  m_jobForm->setJobFolder(folder);
}

void MainWindow::showUntitledJob(const QJsonObject& job, const QString& folder) {
  m_jobForm->setJob(job);
  m_jobPath.clear();  // saved, it becomes a file of its own
  useJobFolder(folder);
  m_jobForm->markSaved();  // nothing to lose: a new job, or one a run keeps
  m_tabs->setCurrentWidget(m_jobForm);
}

bool MainWindow::cloneJobOf(qint64 runId) {
  const app::Run run = m_controller.store().run(runId);
  if (app::runKind(run) == "quantize") {
    statusBar()->showMessage(
        tr("%1 quantized another run's model: clone that run's job instead.").arg(run.name), 8000);
    return false;
  }
  if (!mayPutJobAside()) return false;
  showUntitledJob(QJsonDocument::fromJson(run.jobJson.toUtf8()).object(), run.jobFolder);
  m_jobForm->chooseNode(run.node);  // a node removed since: the one chosen stays
  statusBar()->showMessage(tr("The job of %1: change it and run it again.").arg(run.name), 8000);
  return true;
}

bool MainWindow::saveJob() { return m_jobPath.isEmpty() ? saveJobAs() : saveJobTo(m_jobPath); }

bool MainWindow::saveJobAs() {
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Save job"), m_jobPath, tr("Job files (*.json)"));
  return !path.isEmpty() && saveJobTo(path);
}

bool MainWindow::saveJobTo(const QString& path) {
  if (!m_jobForm->readTyping()) {  // else the file would miss what was typed last
    m_tabs->setCurrentWidget(m_jobForm);
    QMessageBox refused(QMessageBox::Warning, tr("Save job"),
                        tr("The Advanced editor's text is not a job file yet: correct it, then "
                           "save."),
                        QMessageBox::Ok, this);
    refused.setInformativeText(m_jobForm->advancedEditor()->problem()->text());
    refused.exec();
    return false;
  }
  if (!settleRelativePaths(QFileInfo(path).absolutePath())) return false;
  QSaveFile file(path);  // the file it replaces stays whole until the new one is
  if (!file.open(QIODevice::WriteOnly) ||
      file.write(QJsonDocument(m_jobForm->job()).toJson()) < 0 || !file.commit()) {
    QMessageBox::warning(this, tr("Save job"),
                         tr("Cannot write %1: %2").arg(path, file.errorString()));
    return false;
  }
  // Saved elsewhere, the job is that file: its relative paths are read from there, as the CLI
  // reads them (the node's check says at once if what they name is not there).
  useJobFile(path);
  statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
  return true;
}

bool MainWindow::settleRelativePaths(const QString& folder) {
  const QString from = m_controller.jobFolder();
  const app::PathsMoved moved = app::pathsMovedBetween(m_jobForm->job(), from, folder);
  if (moved.isEmpty()) return true;
  QMessageBox ask(QMessageBox::Question, tr("Save job"),
                  tr("The job names files relative to its folder, %1. Saved in %2, these paths "
                     "would name other files.")
                      .arg(from, folder),
                  QMessageBox::Yes | QMessageBox::No | QMessageBox::Cancel, this);
  ask.setObjectName("movedPaths");
  QStringList lines;
  for (const app::MovedPath& path : moved.paths)
    lines << tr("%1: %2 → %3").arg(path.field, path.given, path.moved);
  ask.setInformativeText(lines.join('\n'));
  ask.button(QMessageBox::Yes)->setText(tr("Keep naming the same files"));
  ask.button(QMessageBox::No)->setText(tr("Keep the paths as written"));
  ask.setDefaultButton(QMessageBox::Yes);
  switch (ask.exec()) {
    case QMessageBox::Yes:
      m_jobForm->setValues(moved.edits);
      return true;
    case QMessageBox::No:
      return true;
    default:
      return false;
  }
}

bool MainWindow::mayPutJobAside() {
  if (!m_jobForm->hasUnsavedChanges()) return true;
  QMessageBox ask(QMessageBox::Question, tr("Unsaved job"),
                  m_jobPath.isEmpty()
                      ? tr("The job has changes that are not saved in a file.")
                      : tr("The job has changes that are not saved in %1.").arg(m_jobPath),
                  QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
  ask.setObjectName("unsavedJob");
  ask.setDefaultButton(QMessageBox::Save);
  switch (ask.exec()) {
    case QMessageBox::Save:
      return saveJob();
    case QMessageBox::Discard:
      return true;
    default:
      m_tabs->setCurrentWidget(m_jobForm);
      return false;
  }
}

void MainWindow::showJobInTitle() {
  const QString job = m_jobPath.isEmpty() ? tr("Untitled job") : QFileInfo(m_jobPath).fileName();
  setWindowTitle(tr("%1[*] — Tensor Workbench").arg(job));
  setWindowModified(m_jobForm->hasUnsavedChanges());
}

}  // namespace ui
}  // namespace twb
