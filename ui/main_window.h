#pragma once

#include <QMainWindow>

#include <memory>

#include "app/experiment_store.h"
#include "app/plugin_catalog.h"

class QLineEdit;
class QTabWidget;
class QModelIndex;
class QSortFilterProxyModel;
class QTreeView;
class QLabel;
class QTimer;

namespace twb {
namespace app {
class ProjectHistory;
class NodeManager;
class RunsModel;
class StoreReader;
class SweepController;
class WorkbenchController;
}  // namespace app

namespace ui {

class ComparePanel;
class ExportPanel;
class ModelDesigner;
class PluginsDialog;
class JobForm;
class MonitorPanel;
class NodeList;
class ProfilePanel;
class RecentJobsMenu;

// The workbench's window: on the left the runs browser (projects -> runs, with a filter box) and
// the nodes with their status; Job, Monitor, Profile, Compare and Export tabs in the middle,
// showing the current project (the one chosen in the browser; new runs go into it). It remembers
// its layout between sessions.
class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  // `nodes`: the remote nodes behind Nodes > Manage nodes (none: the menu is disabled);
  // `plugins`: the loaded plugins (none: the window loads them from the default folders).
  explicit MainWindow(app::WorkbenchController& controller, app::NodeManager* nodes = nullptr,
                      const app::PluginCatalog* plugins = nullptr, QWidget* parent = nullptr);
  ~MainWindow() override;

  JobForm* jobForm() const { return m_jobForm; }
  MonitorPanel* monitor() const { return m_monitor; }
  ComparePanel* comparePanel() const { return m_compare; }
  ProfilePanel* profilePanel() const { return m_profile; }
  ExportPanel* exportPanel() const { return m_export; }
  ModelDesigner* designer() const { return m_designer; }
  // Help > Plugins, shown (not modal); the dialog lives until the window closes it.
  PluginsDialog* showPlugins();
  const app::PluginCatalog& plugins() const { return *m_plugins; }
  QTabWidget* tabs() const { return m_tabs; }
  QTreeView* runsBrowser() const { return m_runs; }
  app::RunsModel* runsModel() const { return m_runsModel; }
  QLabel* connectionStatus() const { return m_connectionStatus; }
  QLabel* storeStatus() const { return m_storeStatus; }
  NodeList* nodeList() const { return m_nodeList; }
  // The browser's row of a run, or of a project (an index of the view's model); invalid when
  // there is none, or the filter hides it.
  QModelIndex runIndex(qint64 runId, int column = 0) const;
  QModelIndex projectIndex(qint64 projectId) const;

  // Makes a project and shows it; 0 (and a message box) when the name is taken or empty.
  qint64 newProject(const QString& name);
  // Shows `projectId`'s runs in the tabs; new runs go into it.
  void showProject(qint64 projectId);
  // Stops the run chosen in the browser (Run > Cancel run).
  void cancelSelectedRun();
  // The run's notes and tags, in a dialog; saved in the store and shown in the browser.
  void editRunNotes(qint64 runId);
  // Continues the chosen run from its latest checkpoint as a new run (Run > Resume run).
  void resumeSelectedRun();
  // Puts a run's job into the Job tab (Run > Clone job), its relative paths read from the folder
  // they were read from then, on the node it ran on; false (said in the status bar) for a
  // quantization's run, or when the user keeps the job there was.
  bool cloneJobOf(qint64 runId);
  // Shows a job file in the Job tab, every field as the file has it; false (and a message) when
  // it cannot be read or is not a JSON object.
  bool openJobFile(const QString& path);
  // Chooses the Job tab's node (tensor-workbench --node); false and a message naming the nodes
  // there are when `name` is none of them.
  bool chooseNode(const QString& name);
  // Starts the Job tab's job as soon as the node has checked it, once (tensor-workbench --run).
  void runWhenChecked();
  // Removes a finished run and all that is stored of it; false (and a message) while it runs.
  bool deleteRun(qint64 runId);

  // A run's link to its node: dropped (the row and the status bar say so), and back.
  void showConnectionLost(qint64 runId, const QString& node, const QString& reason, int attempt,
                          int retryInMs);
  void showReconnected(qint64 runId, const QString& node);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildMenus();
  void buildRunsBrowser();
  void showRunsInMonitor();  // the current project's training runs, from the store
  void setRunState(qint64 runId, app::RunState state);
  qint64 selectedRun() const;  // the run chosen in the browser, 0 when none
  // "running 45 %" (a step event), or "calibrating 45 %" (a quantization's progress) in the browser
  void showProgress(qint64 runId, const QString& type, const QByteArray& json);
  bool startRun(const QJsonObject& job, const QString& node);  // false, said, when it did not start
  void comparePrecisions(const QJsonObject& job, const QString& node);
  // The job's scaling study (app/scaling_study.h) as a sweep in a new project of its own.
  void measureScaling(const QJsonObject& job, const QString& node);
  void offerNodes();
  void openJob();
  // File > Save job: to the file the job was opened from or saved to, else as saveJobAs();
  // false when it was not saved (refused, said, or the dialog cancelled).
  bool saveJob();
  bool saveJobAs();
  bool saveJobTo(const QString& path);
  // Before the job is saved in `folder`, another than its own: asks whether its relative paths
  // should keep naming the same files; false when the user cancels the save.
  bool settleRelativePaths(const QString& folder);
  // The job file the Job tab's job now is: its relative paths are read from its folder.
  void useJobFile(const QString& path);
  void useJobFolder(const QString& folder);  // where the job's relative paths are read from
  // `job` in the Job tab as a job of no file yet, its relative paths read from `folder`.
  void showUntitledJob(const QJsonObject& job, const QString& folder);
  // Before the job is put aside (another opened, the window closed): true when it has no unsaved
  // changes or the user saved or discarded them; false when they chose to keep working.
  bool mayPutJobAside();
  void showJobInTitle();  // "job.json — Tensor Workbench", marked while it has unsaved changes

  app::WorkbenchController& m_controller;
  app::SweepController* m_sweeps;
  app::NodeManager* m_nodes;
  JobForm* m_jobForm;
  QString m_jobPath;  // the file the job was opened from or last saved to; empty: none
  RecentJobsMenu* m_recentJobs;
  MonitorPanel* m_monitor;
  app::ProjectHistory* m_history;  // what the Monitor draws
  ComparePanel* m_compare;
  ProfilePanel* m_profile;
  ExportPanel* m_export;
  ModelDesigner* m_designer;
  std::unique_ptr<app::PluginCatalog> m_ownPlugins;  // when none was given
  const app::PluginCatalog* m_plugins;
  QTabWidget* m_tabs;
  app::StoreReader* m_reader;  // the views' reads of the store
  app::RunsModel* m_runsModel;
  QSortFilterProxyModel* m_runsFilter;
  QTreeView* m_runs;
  QLineEdit* m_filter;
  NodeList* m_nodeList;
  QLabel *m_nodeStatus, *m_projectStatus, *m_connectionStatus, *m_storeStatus;
  QTimer* m_connectionTimer;
  qint64 m_shownProject = 0;
};

}  // namespace ui
}  // namespace twb
