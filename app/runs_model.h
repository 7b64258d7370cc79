#pragma once

#include <QAbstractItemModel>
#include <QHash>
#include <QList>
#include <functional>

#include "app/experiment_store.h"

namespace twb::app {

class StoreReader;

// The runs browser's tree: every project, and under it its runs, oldest first, with their state,
// precision, node(s), test accuracy and tags. The store is read once, off the GUI thread (a
// store of thousands of runs opens without a pause); after that the model follows what the
// workbench tells it (a run added, its state, progress, connection, summary, notes), and reads
// only what those do not carry (the nodes of a run across nodes).
class RunsModel : public QAbstractItemModel {
  Q_OBJECT

 public:
  enum Column { kName, kState, kPrecision, kNode, kAccuracy, kTags, kColumns };
  enum Role {
    RunIdRole = Qt::UserRole + 1,  // a run row's id, 0 on a project row
    ProjectIdRole,                 // the project's id, on its row and its runs' rows
    SearchRole,                    // what the browser's filter looks in (the notes too)
  };

  explicit RunsModel(StoreReader& reader, QObject* parent = nullptr);

  // Reads every project and its runs; loaded() when they are in.
  void load();
  bool isLoaded() const { return m_loaded; }
  void addProject(qint64 projectId, const QString& name);
  void addRun(const Run& run);  // as the controller stored it
  void removeRun(qint64 runId);
  // The project whose runs the other tabs show: its row is bold.
  void setShownProject(qint64 projectId);

  // What the workbench learns while a run goes on; the row shows it until the next state.
  void setRunState(qint64 runId, RunState state, const QString& reason = {});
  // `stage`: the part under way of a run made of stages (quantization: "calibrating", ...).
  void setProgress(qint64 runId, int percent, const QString& stage = {});
  void setConnectionLost(qint64 runId, int attempt, const QString& reason);
  void setReconnected(qint64 runId);
  void setSummary(qint64 runId, const QJsonObject& summary);
  void setNotes(qint64 runId, const QString& notes, const QStringList& tags);

  QModelIndex projectIndex(qint64 projectId) const;
  QModelIndex runIndex(qint64 runId, int column = kName) const;
  const Run* run(qint64 runId) const;  // as last known; null when not (yet) in the model
  QString projectName(qint64 projectId) const;

  QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
  QModelIndex parent(const QModelIndex& child) const override;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 signals:
  void loaded();

 private:
  struct RunRow {
    Run run;
    QStringList nodes;  // a run across nodes: all of them, rank 0's first
    QString liveState;  // progress or reconnecting, until the next state
    bool warning = false;
  };
  struct ProjectRow {
    Project project;
    QList<RunRow> runs;
  };
  void insertRun(RunRow row);
  void readNodes(qint64 runId);
  // The run's row, or null; `changed` (columns) is announced to the views.
  RunRow* rowOf(qint64 runId);
  void changed(qint64 runId, int first, int last);
  QString runText(const RunRow& row, int column) const;

  StoreReader& m_reader;
  bool m_loaded = false;
  qint64 m_shownProject = 0;
  QList<ProjectRow> m_projects;
  QList<std::function<void()>> m_afterLoad;  // what the model was told before the load arrived
};

}  // namespace twb::app
