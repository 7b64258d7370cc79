#pragma once

#include <QHash>
#include <QMainWindow>

class QLineEdit;
class QTabWidget;
class QTreeWidget;
class QTreeWidgetItem;
class QLabel;

namespace twb {
namespace app {
class NodeManager;
class WorkbenchController;
}  // namespace app

namespace ui {

class ComparePanel;
class ExportPanel;
class JobForm;
class MonitorPanel;
class ProfilePanel;

// The workbench's window: the runs browser (with a filter box) on the left; Job, Monitor,
// Profile, Compare and Export tabs in the middle; the node in the status bar. It remembers its layout
// between sessions.
class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  // `nodes`: the remote nodes behind Nodes > Manage nodes (none: the menu is disabled).
  explicit MainWindow(app::WorkbenchController& controller, app::NodeManager* nodes = nullptr,
                      QWidget* parent = nullptr);

  JobForm* jobForm() const { return m_jobForm; }
  MonitorPanel* monitor() const { return m_monitor; }
  ComparePanel* comparePanel() const { return m_compare; }
  ProfilePanel* profilePanel() const { return m_profile; }
  ExportPanel* exportPanel() const { return m_export; }
  QTabWidget* tabs() const { return m_tabs; }
  QTreeWidget* runsBrowser() const { return m_runs; }

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildMenus();
  void loadRuns();
  void addRunItem(qint64 runId);
  void setRunState(qint64 runId, const QString& state);
  void startRun(const QJsonObject& job, const QString& node);
  void comparePrecisions(const QJsonObject& job, const QString& node);
  void offerNodes();
  void openJob();
  void saveJob();

  app::WorkbenchController& m_controller;
  app::NodeManager* m_nodes;
  JobForm* m_jobForm;
  MonitorPanel* m_monitor;
  ComparePanel* m_compare;
  ProfilePanel* m_profile;
  ExportPanel* m_export;
  QTabWidget* m_tabs;
  QTreeWidget* m_runs;
  QLineEdit* m_filter;
  QLabel* m_nodeStatus;
  QHash<qint64, QTreeWidgetItem*> m_items;
};

}  // namespace ui
}  // namespace twb
