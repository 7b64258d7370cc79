#include "app/runs_model.h"

#include <QColor>
#include <QFont>

#include "app/run_state_text.h"
#include "app/store_reader.h"

namespace twb::app {

namespace {
// internalId of a run row: its project's row + 1; a project row's is 0.
constexpr quintptr kProjectRow = 0;

QString accuracyText(const QJsonObject& summary) {
  return summary.contains("test_accuracy")
             ? QString::number(summary.value("test_accuracy").toDouble() * 100, 'f', 2) + " %"
             : QString();
}
}  // namespace

RunsModel::RunsModel(StoreReader& reader, QObject* parent)
    : QAbstractItemModel(parent), m_reader(reader) {}

void RunsModel::load() {
  m_reader.read<QList<ProjectRow>>(
      this,
      [](const ExperimentStore& store) {
        QList<ProjectRow> projects;
        for (const Project& project : store.projects()) {
          ProjectRow row{project, {}};
          for (const Run& run : store.runs(project.id)) {
            QStringList nodes;
            for (const RunShare& share : store.runShares(run.id)) nodes << share.node;
            row.runs.push_back({run, nodes, {}, false});
          }
          projects << row;
        }
        return projects;
      },
      [this](QList<ProjectRow> projects) {
        beginResetModel();
        m_projects = std::move(projects);
        m_loaded = true;
        endResetModel();
        for (const auto& apply : std::exchange(m_afterLoad, {})) apply();
        emit loaded();
      });
}

void RunsModel::addProject(qint64 projectId, const QString& name) {
  if (!m_loaded) {
    m_afterLoad << [=, this] { addProject(projectId, name); };
    return;
  }
  if (projectIndex(projectId).isValid()) return;
  const int row = static_cast<int>(m_projects.size());
  beginInsertRows({}, row, row);
  m_projects.push_back({{projectId, name}, {}});
  endInsertRows();
}

void RunsModel::addRun(const Run& run) {
  if (!m_loaded) {
    m_afterLoad << [=, this] { addRun(run); };
    return;
  }
  if (RunRow* known = rowOf(run.id)) {  // read by the load already
    known->run = run;
    changed(run.id, 0, kColumns - 1);
    return;
  }
  const QModelIndex project = projectIndex(run.projectId);
  if (!project.isValid()) return;
  QList<RunRow>& runs = m_projects[project.row()].runs;
  beginInsertRows(project, static_cast<int>(runs.size()), static_cast<int>(runs.size()));
  runs.push_back({run, {}, {}, false});
  endInsertRows();
  readNodes(run.id);
}

void RunsModel::readNodes(qint64 runId) {
  m_reader.read<QStringList>(
      this,
      [runId](const ExperimentStore& store) {
        QStringList nodes;
        for (const RunShare& share : store.runShares(runId)) nodes << share.node;
        return nodes;
      },
      [this, runId](QStringList nodes) {
        if (RunRow* row = rowOf(runId); row && !nodes.isEmpty()) {
          row->nodes = nodes;
          changed(runId, kNode, kNode);
        }
      });
}

void RunsModel::removeRun(qint64 runId) {
  const QModelIndex index = runIndex(runId);
  if (!index.isValid()) return;
  beginRemoveRows(index.parent(), index.row(), index.row());
  m_projects[index.parent().row()].runs.removeAt(index.row());
  endRemoveRows();
}

void RunsModel::setShownProject(qint64 projectId) {
  const qint64 was = std::exchange(m_shownProject, projectId);
  for (const qint64 id : {was, projectId})
    if (const QModelIndex index = projectIndex(id); index.isValid())
      emit dataChanged(index, index, {Qt::FontRole});
}

void RunsModel::setRunState(qint64 runId, RunState state, const QString& reason) {
  if (!m_loaded) {
    m_afterLoad << [=, this] { setRunState(runId, state, reason); };
    return;
  }
  if (RunRow* row = rowOf(runId)) {
    row->run.state = state;
    if (!reason.isEmpty()) row->run.reason = reason;
    row->liveState.clear();
    row->warning = false;
    changed(runId, kState, kState);
  }
}

void RunsModel::setProgress(qint64 runId, int percent, const QString& stage) {
  RunRow* row = rowOf(runId);
  const QString text =
      tr("%1 %2 %").arg(stage.isEmpty() ? runStateText(RunState::Running) : stage).arg(percent);
  if (!row || row->liveState == text) return;  // thousands of steps a second: a change is rarer
  row->liveState = text;
  row->warning = false;
  changed(runId, kState, kState);
}

void RunsModel::setConnectionLost(qint64 runId, int attempt, const QString& reason) {
  if (RunRow* row = rowOf(runId)) {
    row->liveState = tr("reconnecting (attempt %1)").arg(attempt);
    row->warning = true;
    row->run.reason = reason;
    changed(runId, kState, kState);
  }
}

void RunsModel::setReconnected(qint64 runId) {
  if (RunRow* row = rowOf(runId)) {
    row->run.state = RunState::Running;
    row->run.reason.clear();
    row->liveState.clear();
    row->warning = false;
    changed(runId, kState, kState);
  }
}

void RunsModel::setSummary(qint64 runId, const QJsonObject& summary) {
  if (!m_loaded) {
    m_afterLoad << [=, this] { setSummary(runId, summary); };
    return;
  }
  if (RunRow* row = rowOf(runId)) {
    row->run.summary = summary;
    changed(runId, kAccuracy, kAccuracy);
  }
}

void RunsModel::setNotes(qint64 runId, const QString& notes, const QStringList& tags) {
  if (!m_loaded) {
    m_afterLoad << [=, this] { setNotes(runId, notes, tags); };
    return;
  }
  if (RunRow* row = rowOf(runId)) {
    row->run.notes = notes;
    row->run.tags = tags;
    changed(runId, kName, kTags);
  }
}

RunsModel::RunRow* RunsModel::rowOf(qint64 runId) {
  for (ProjectRow& project : m_projects)
    for (RunRow& row : project.runs)
      if (row.run.id == runId) return &row;
  return nullptr;
}

const Run* RunsModel::run(qint64 runId) const {
  for (const ProjectRow& project : m_projects)
    for (const RunRow& row : project.runs)
      if (row.run.id == runId) return &row.run;
  return nullptr;
}

QString RunsModel::projectName(qint64 projectId) const {
  const QModelIndex index = projectIndex(projectId);
  return index.isValid() ? m_projects[index.row()].project.name : QString();
}

void RunsModel::changed(qint64 runId, int first, int last) {
  const QModelIndex from = runIndex(runId, first);
  emit dataChanged(from, from.siblingAtColumn(last));
}

QModelIndex RunsModel::projectIndex(qint64 projectId) const {
  for (int row = 0; row < m_projects.size(); ++row)
    if (m_projects[row].project.id == projectId) return createIndex(row, 0, kProjectRow);
  return {};
}

QModelIndex RunsModel::runIndex(qint64 runId, int column) const {
  for (int p = 0; p < m_projects.size(); ++p)
    for (int r = 0; r < m_projects[p].runs.size(); ++r)
      if (m_projects[p].runs[r].run.id == runId) return createIndex(r, column, quintptr(p + 1));
  return {};
}

QModelIndex RunsModel::index(int row, int column, const QModelIndex& parent) const {
  if (!hasIndex(row, column, parent)) return {};
  return parent.isValid() ? createIndex(row, column, quintptr(parent.row() + 1))
                          : createIndex(row, column, kProjectRow);
}

QModelIndex RunsModel::parent(const QModelIndex& child) const {
  if (!child.isValid() || child.internalId() == kProjectRow) return {};
  return createIndex(static_cast<int>(child.internalId() - 1), 0, kProjectRow);
}

int RunsModel::rowCount(const QModelIndex& parent) const {
  if (!parent.isValid()) return static_cast<int>(m_projects.size());
  if (parent.internalId() != kProjectRow || parent.column() != 0) return 0;
  return static_cast<int>(m_projects[parent.row()].runs.size());
}

int RunsModel::columnCount(const QModelIndex&) const { return kColumns; }

QString RunsModel::runText(const RunRow& row, int column) const {
  switch (column) {
    case kName:
      return row.run.name;
    case kState:
      return row.liveState.isEmpty() ? runStateText(row.run.state) : row.liveState;
    case kPrecision:
      return row.run.precision;
    case kNode:
      return row.nodes.isEmpty() ? row.run.node : row.nodes.join(", ");
    case kAccuracy:
      return accuracyText(row.run.summary);
    case kTags:
      return row.run.tags.join(", ");
  }
  return {};
}

QVariant RunsModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  if (index.internalId() == kProjectRow) {
    const Project& project = m_projects[index.row()].project;
    if (index.column() != kName) return {};
    switch (role) {
      case Qt::DisplayRole:
      case SearchRole:
        return project.name;
      case ProjectIdRole:
        return project.id;
      case RunIdRole:
        return qint64{0};
      case Qt::FontRole: {
        QFont font;
        font.setBold(project.id == m_shownProject);
        return font;
      }
    }
    return {};
  }
  const RunRow& row = m_projects[index.internalId() - 1].runs[index.row()];
  switch (role) {
    case Qt::DisplayRole:
      return runText(row, index.column());
    case SearchRole:  // the notes are found through the name
      return index.column() == kName ? row.run.name + '\n' + row.run.notes
                                     : runText(row, index.column());
    case Qt::ToolTipRole:
      if (index.column() == kName) return row.run.notes;
      if (index.column() == kState) return row.run.reason;
      return {};
    case Qt::ForegroundRole:
      if (index.column() == kState && row.warning) return QColor(0xc0, 0x6c, 0x00);
      return {};
    case RunIdRole:
      return row.run.id;
    case ProjectIdRole:
      return row.run.projectId;
  }
  return {};
}

QVariant RunsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case kName:
      return tr("Run");
    case kState:
      return tr("State");
    case kPrecision:
      return tr("Precision");
    case kNode:
      return tr("Node");
    case kAccuracy:
      return tr("Test accuracy");
    case kTags:
      return tr("Tags");
  }
  return {};
}

}  // namespace twb::app
