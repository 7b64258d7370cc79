#include "ui/profile_panel.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QFile>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QSplitter>
#include <QTableWidget>
#include <QUrl>
#include <QVBoxLayout>
#include <algorithm>

#include "app/experiment_store.h"
#include "app/profile_trace.h"
#include "app/store_reader.h"
#include "ui/charts.h"

namespace twb {
namespace ui {

namespace {
enum Column { kLayer, kOp, kShape, kPrecision, kForward, kBackward, kShare, kGflops, kParameters, kSpeedup, kColumns };
constexpr int kBars = 15;

// A number cell that sorts as a number.
QTableWidgetItem* numberCell(double value, int decimals, const QString& suffix = {}) {
  auto* item = new QTableWidgetItem;
  item->setData(Qt::DisplayRole, decimals < 0 ? QVariant(value) : QVariant(QString::number(value, 'f', decimals) + suffix));
  if (decimals >= 0) item->setData(Qt::UserRole, value);
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return item;
}
}  // namespace

ProfilePanel::ProfilePanel(app::StoreReader& reader, qint64 projectId, QWidget* parent)
    : QWidget(parent), m_reader(reader), m_projectId(projectId) {
  m_run = new QComboBox(this);
  m_run->setObjectName("profileRun");
  m_other = new QComboBox(this);
  m_other->setObjectName("profileOther");
  m_filter = new QLineEdit(this);
  m_filter->setPlaceholderText(tr("Filter layers or ops"));
  m_filter->setClearButtonEnabled(true);
  m_step = new QLabel(this);
  m_step->setObjectName("profileStep");
  m_openTrace = new QPushButton(tr("Open &trace"), this);
  m_openTrace->setObjectName("openTrace");
  m_openTrace->setToolTip(tr("Every profiled step of the run as a Chrome trace (Perfetto, chrome://tracing)"));
  connect(m_openTrace, &QPushButton::clicked, this, &ProfilePanel::openTrace);
  m_traceStatus = new QLabel(this);
  m_traceStatus->setObjectName("traceStatus");
  m_traceStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_traceStatus->setWordWrap(true);
  m_table = new QTableWidget(0, kColumns, this);
  m_table->setObjectName("profileTable");
  m_table->setHorizontalHeaderLabels({tr("Layer"), tr("Op"), tr("Output shape"), tr("Precision"),
                                      tr("Forward ms"), tr("Backward ms"), tr("% of step"),
                                      tr("GFLOP/s"), tr("Parameters"), tr("Speedup vs other")});
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);  // execution order first
  m_bars = new QCustomPlot(this);
  m_bars->setMinimumHeight(180);
  m_bars->yAxis->setLabel(tr("forward + backward ms"));
  followPalette(m_bars);
  offerSaving(m_bars);

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Run"), this));
  top->addWidget(m_run, 1);
  top->addWidget(new QLabel(tr("Compare with"), this));
  top->addWidget(m_other, 1);
  top->addWidget(m_filter, 1);
  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->addWidget(m_table);
  splitter->addWidget(m_bars);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  auto* stepRow = new QHBoxLayout;
  stepRow->addWidget(m_step, 1);
  stepRow->addWidget(m_openTrace);
  layout->addLayout(stepRow);
  layout->addWidget(m_traceStatus);
  layout->addWidget(splitter, 1);

  for (QComboBox* box : {m_run, m_other}) connect(box, &QComboBox::currentIndexChanged, this, &ProfilePanel::show);
  connect(m_filter, &QLineEdit::textChanged, this, [this](const QString& text) {
    for (int row = 0; row < m_table->rowCount(); ++row)
      m_table->setRowHidden(row, !text.isEmpty() && !m_table->item(row, kLayer)->text().contains(text, Qt::CaseInsensitive) &&
                                     !m_table->item(row, kOp)->text().contains(text, Qt::CaseInsensitive));
  });
}

void ProfilePanel::setProjectId(qint64 projectId) {
  m_projectId = projectId;
  refresh();
}

void ProfilePanel::showRun(qint64 runId) {
  m_wanted = runId;
  if (const int index = m_run->findData(runId); index >= 0) m_run->setCurrentIndex(index);
}

void ProfilePanel::refresh() {
  const int read = ++m_listRead;
  m_reader.read<QList<app::Run>>(
      this,
      [projectId = m_projectId](const app::ExperimentStore& store) {
        const QSet<qint64> profiled = store.runsWithEvents(projectId, "profile");
        QList<app::Run> runs = store.runs(projectId);
        runs.removeIf([&](const app::Run& run) { return !profiled.contains(run.id); });
        return runs;
      },
      [this, read](QList<app::Run> runs) {
        if (read != m_listRead) return;
        const qint64 run = m_run->currentData().toLongLong(), other = m_other->currentData().toLongLong();
        const QSignalBlocker blockRun(m_run), blockOther(m_other);
        m_run->clear();
        m_other->clear();
        m_other->addItem(tr("(none)"), 0);
        for (const app::Run& r : runs) {
          m_run->addItem(r.name, r.id);
          m_other->addItem(r.name, r.id);
        }
        const int wanted = m_run->findData(m_wanted);
        m_run->setCurrentIndex(wanted >= 0 ? wanted : std::max(0, m_run->findData(run)));
        m_other->setCurrentIndex(std::max(0, m_other->findData(other)));
        show();
      });
}

void ProfilePanel::show() {
  const qint64 runId = m_run->currentData().toLongLong(), otherId = m_other->currentData().toLongLong();
  const int read = ++m_profileRead;
  m_reader.read<std::pair<QList<QByteArray>, QJsonArray>>(
      this,
      [runId, otherId](const app::ExperimentStore& store) {
        const QList<QByteArray> profiles = runId ? store.events(runId, "profile") : QList<QByteArray>();
        const QList<QByteArray> other = otherId ? store.events(otherId, "profile") : QList<QByteArray>();
        return std::pair{profiles, other.isEmpty() ? QJsonArray()
                                                   : QJsonDocument::fromJson(other.back()).object().value("layers").toArray()};
      },
      [this, read](std::pair<QList<QByteArray>, QJsonArray> answer) {
        if (read == m_profileRead) fill(answer.first, answer.second);
      });
}

void ProfilePanel::fill(const QList<QByteArray>& profiles, const QJsonArray& otherLayers) {
  m_profiles = profiles;
  m_table->setSortingEnabled(false);
  m_table->setRowCount(0);
  m_bars->clearPlottables();
  m_openTrace->setEnabled(!profiles.isEmpty());
  m_traceStatus->clear();
  if (profiles.isEmpty()) {
    m_step->setText(tr("No profile yet: set “Profile every (steps)” in the job."));
    m_bars->replot();
    emit shown();
    return;
  }
  const QJsonObject profile = QJsonDocument::fromJson(profiles.back()).object();
  QString header = tr("Step %1: %2 ms, of which data %3 ms and optimizer %4 ms")
                       .arg(profile.value("step").toInt())
                       .arg(profile.value("step_ms").toDouble(), 0, 'f', 2)
                       .arg(profile.value("data_ms").toDouble(), 0, 'f', 2)
                       .arg(profile.value("optimizer_ms").toDouble(), 0, 'f', 2);
  // Data parallel: each rank's all-reduce time (the trace shows when each bucket ran).
  QMap<int, double> commMs;
  for (const QJsonValue& c : profile.value("comm").toArray())
    commMs[c.toObject().value("rank").toInt()] += c.toObject().value("ms").toDouble();
  QStringList ranks;
  for (auto it = commMs.begin(); it != commMs.end(); ++it)
    ranks << tr("rank %1: %2 ms").arg(it.key()).arg(it.value(), 0, 'f', 2);
  if (!ranks.isEmpty()) header += tr("; all-reduce %1").arg(ranks.join(", "));
  m_step->setText(header);
  const QJsonArray layers = profile.value("layers").toArray();
  QHash<QString, double> otherMs;
  for (const QJsonValue& v : otherLayers) {
    const QJsonObject l = v.toObject();
    otherMs[l.value("name").toString()] = l.value("forward_ms").toDouble() + l.value("backward_ms").toDouble();
  }
  m_table->setRowCount(static_cast<int>(layers.size()));
  QVector<std::pair<double, QString>> costs;
  for (int row = 0; row < layers.size(); ++row) {
    const QJsonObject l = layers[row].toObject();
    const double ms = l.value("forward_ms").toDouble() + l.value("backward_ms").toDouble();
    QStringList shape;
    for (const QJsonValue& d : l.value("output_shape").toArray()) shape << QString::number(d.toInteger());
    m_table->setItem(row, kLayer, new QTableWidgetItem(l.value("name").toString()));
    m_table->setItem(row, kOp, new QTableWidgetItem(l.value("op").toString()));
    m_table->setItem(row, kShape, new QTableWidgetItem(shape.join("×")));
    m_table->setItem(row, kPrecision, new QTableWidgetItem(l.value("precision").toString()));
    m_table->setItem(row, kForward, numberCell(l.value("forward_ms").toDouble(), 3));
    m_table->setItem(row, kBackward, numberCell(l.value("backward_ms").toDouble(), 3));
    m_table->setItem(row, kShare, numberCell(l.value("share").toDouble() * 100, 1, " %"));
    m_table->setItem(row, kGflops, numberCell(l.value("gflops").toDouble(), 1));
    m_table->setItem(row, kParameters, numberCell(l.value("parameters").toDouble(), 0));
    const double other = otherMs.value(l.value("name").toString());
    m_table->setItem(row, kSpeedup, other > 0 && ms > 0 ? numberCell(other / ms, 2, "×") : new QTableWidgetItem);
    costs.append({ms, l.value("name").toString()});
  }
  m_table->setSortingEnabled(true);

  std::sort(costs.begin(), costs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  costs.resize(std::min<qsizetype>(costs.size(), kBars));
  auto* bars = new QCPBars(m_bars->xAxis, m_bars->yAxis);
  QVector<double> positions, values;
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  for (int i = 0; i < costs.size(); ++i) {
    positions << i + 1;
    values << costs[i].first;
    ticker->addTick(i + 1, costs[i].second);
  }
  bars->setData(positions, values);
  m_bars->xAxis->setTicker(ticker);
  m_bars->xAxis->setTickLabelRotation(30);
  m_bars->rescaleAxes();
  m_bars->xAxis->setRange(0, costs.size() + 1);
  m_bars->yAxis->setRangeLower(0);
  m_bars->replot();
  emit shown();
}

QString ProfilePanel::openTrace() {
  const qint64 runId = m_run->currentData().toLongLong();
  if (m_profiles.isEmpty()) return {};
  const QString folder = QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + "/traces";
  const QString path = QString("%1/run-%2.trace.json").arg(folder).arg(runId);
  QFile file(path);
  if (!QDir().mkpath(folder) || !file.open(QIODevice::WriteOnly) ||
      file.write(app::chromeTraceFromProfiles(m_profiles).toJson(QJsonDocument::Compact)) < 0) {
    m_traceStatus->setText(tr("Cannot write %1: %2").arg(path, file.errorString()));
    return {};
  }
  file.close();
  m_traceStatus->setText(QDesktopServices::openUrl(QUrl::fromLocalFile(path))
                             ? tr("Opened %1").arg(path)
                             : tr("Nothing here opens .json files: load %1 in ui.perfetto.dev or chrome://tracing").arg(path));
  return path;
}

}  // namespace ui
}  // namespace twb
