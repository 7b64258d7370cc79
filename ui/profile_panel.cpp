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
#include "app/model_graph.h"
#include "ui/charts.h"
#include "ui/model_graph_view.h"

namespace twb {
namespace ui {

namespace {
enum Column { kLayer, kOp, kShape, kPrecision, kForward, kBackward, kShare, kGflops, kParameters, kSpeedup, kKernel, kColumns };
constexpr int kBars = 15;

// A number cell that sorts as a number.
QTableWidgetItem* numberCell(double value, int decimals, const QString& suffix = {}) {
  auto* item = new QTableWidgetItem;
  item->setData(Qt::DisplayRole, decimals < 0 ? QVariant(value) : QVariant(QString::number(value, 'f', decimals) + suffix));
  if (decimals >= 0) item->setData(Qt::UserRole, value);
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return item;
}

// Each layer's forward + backward ms in a profile's layers.
double layerMs(const QJsonObject& layer) {
  return layer.value("forward_ms").toDouble() + layer.value("backward_ms").toDouble();
}

QHash<QString, double> msByLayer(const QJsonArray& layers) {
  QHash<QString, double> ms;
  for (const QJsonValue& v : layers) ms[v.toObject().value("name").toString()] = layerMs(v.toObject());
  return ms;
}

// Each layer's facts from a run's latest profile; speedup: `otherMs` (the same layer in the run
// beside it) over its own.
QHash<QString, LayerFacts> factsOf(const QJsonObject& profile, const QHash<QString, double>& otherMs) {
  QHash<QString, LayerFacts> facts;
  for (const QJsonValue& v : profile.value("layers").toArray()) {
    const QJsonObject l = v.toObject();
    LayerFacts& f = facts[l.value("name").toString()];
    f.ms = layerMs(l);
    f.share = l.value("share").toDouble();
    f.gflops = l.value("gflops").toDouble();
    f.precision = l.value("precision").toString();
    const double other = otherMs.value(l.value("name").toString());
    f.speedup = other > 0 && f.ms > 0 ? other / f.ms : 0;
  }
  return facts;
}
}  // namespace

struct ProfilePanel::Answer {
  QList<QByteArray> profiles;      // the chosen run's, oldest first
  QJsonObject latest;              // the last of them, parsed
  QJsonObject otherLatest;         // the other run's latest profile
  QHash<QString, double> otherMs;  // each layer's ms in it
  QString otherJob;                // the other run's job file
  app::ModelGraph otherModel;      // drawn from it
  QJsonArray quantizedLayers;      // the chosen run's quantization report, when it is int8
  QString job;                     // the chosen run's job file
  app::ModelGraph model;           // drawn from it
};

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
                                      tr("GFLOP/s"), tr("Parameters"), tr("Speedup vs other"), tr("Kernel")});
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);  // execution order first
  m_bars = new QCustomPlot(this);
  m_bars->setMinimumHeight(180);
  m_bars->yAxis->setLabel(tr("forward + backward ms"));
  followPalette(m_bars);
  offerSaving(m_bars);

  m_graph = new ModelGraphView(this);
  m_otherGraph = new ModelGraphView(this);
  m_otherGraph->setObjectName("otherGraph");
  m_graphTitle = new QLabel(this);
  m_graphTitle->hide();
  m_otherGraphTitle = new QLabel(this);
  m_colouring = new QComboBox(this);
  m_colouring->setObjectName("graphColouring");
  m_colouring->addItem(tr("Colour by time"), static_cast<int>(ModelGraphView::Colouring::time));
  m_colouring->addItem(tr("Colour by precision"), static_cast<int>(ModelGraphView::Colouring::precision));
  m_colouring->addItem(tr("Colour by speedup vs other"), static_cast<int>(ModelGraphView::Colouring::speedup));
  auto* fit = new QPushButton(tr("&Fit"), this);
  for (ModelGraphView* graph : {m_graph, m_otherGraph}) {
    connect(fit, &QPushButton::clicked, graph, &ModelGraphView::fit);
    connect(graph, &ModelGraphView::layerClicked, this, &ProfilePanel::selectLayer);
  }
  m_legend = new QLabel(this);
  m_legend->setObjectName("graphLegend");
  m_legend->setWordWrap(true);
  connect(m_colouring, &QComboBox::currentIndexChanged, this, [this] {
    const auto colouring = static_cast<ModelGraphView::Colouring>(m_colouring->currentData().toInt());
    m_graph->setColouring(colouring);
    m_otherGraph->setColouring(colouring);
    m_legend->setText(m_graph->legend());
  });
  m_legend->setText(m_graph->legend());
  connect(m_table, &QTableWidget::currentCellChanged, this, [this](int row) {
    if (row < 0 || !m_table->item(row, kLayer)) return;
    m_graph->selectLayer(m_table->item(row, kLayer)->text());
    m_otherGraph->selectLayer(m_table->item(row, kLayer)->text());
  });

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Run"), this));
  top->addWidget(m_run, 1);
  top->addWidget(new QLabel(tr("Compare with"), this));
  top->addWidget(m_other, 1);
  top->addWidget(m_filter, 1);
  auto* numbers = new QSplitter(Qt::Vertical, this);
  numbers->addWidget(m_table);
  numbers->addWidget(m_bars);
  auto* graphSide = new QWidget(this);
  auto* graphLayout = new QVBoxLayout(graphSide);
  graphLayout->setContentsMargins(0, 0, 0, 0);
  auto* graphControls = new QHBoxLayout;
  graphControls->addWidget(m_colouring, 1);
  graphControls->addWidget(fit);
  graphLayout->addLayout(graphControls);
  auto* graphs = m_graphs = new QSplitter(Qt::Horizontal, this);
  for (auto [title, graph] : {std::pair{m_graphTitle, m_graph}, std::pair{m_otherGraphTitle, m_otherGraph}}) {
    auto* column = new QWidget(graphs);
    auto* columnLayout = new QVBoxLayout(column);
    columnLayout->setContentsMargins(0, 0, 0, 0);
    columnLayout->addWidget(title);
    columnLayout->addWidget(graph, 1);
    graphs->addWidget(column);
  }
  graphs->widget(1)->hide();  // until another run is chosen
  graphLayout->addWidget(graphs, 1);
  graphLayout->addWidget(m_legend);
  auto* splitter = new QSplitter(Qt::Horizontal, this);
  splitter->addWidget(numbers);
  splitter->addWidget(graphSide);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  auto* stepRow = new QHBoxLayout;
  stepRow->addWidget(m_step, 1);
  stepRow->addWidget(m_openTrace);
  layout->addLayout(stepRow);
  layout->addWidget(m_traceStatus);
  layout->addWidget(splitter, 1);

  for (QComboBox* box : {m_run, m_other}) connect(box, &QComboBox::currentIndexChanged, this, &ProfilePanel::show);
  // A run picked here outlasts the browser's earlier choice when the list is read again.
  connect(m_run, &QComboBox::activated, this,
          [this] { m_wanted = m_run->currentData().toLongLong(); });
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
        const QSet<qint64> profiled =
            store.runsWithEvents(projectId, "profile") | store.runsWithEvents(projectId, "quantize");
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
  if (runId != m_filledRun) {  // another run's rows never stand under this one's name
    m_table->setRowCount(0);
    m_bars->clearPlottables();
    m_bars->replot();
    m_step->setText(tr("Reading the profile of %1…").arg(m_run->currentText()));
  }
  m_reader.read<Answer>(
      this,
      [runId, otherId, drawn = m_drawnJob,
       otherDrawn = m_otherDrawnJob](const app::ExperimentStore& store) {
        Answer answer;
        if (runId) {
          answer.profiles = store.events(runId, "profile");
          if (!answer.profiles.isEmpty())
            answer.latest = QJsonDocument::fromJson(answer.profiles.back()).object();
          const QList<QByteArray> quantized = store.events(runId, "quantize");
          if (!quantized.isEmpty())
            answer.quantizedLayers = QJsonDocument::fromJson(quantized.back())
                                         .object().value("report").toObject().value("layers").toArray();
          answer.job = store.run(runId).jobJson;
          if (answer.job != drawn) answer.model = app::modelGraphOfRun(store, runId);
        }
        if (otherId) {
          answer.otherLatest = QJsonDocument::fromJson(store.lastEvent(otherId, "profile")).object();
          answer.otherMs = msByLayer(answer.otherLatest.value("layers").toArray());
          answer.otherJob = store.run(otherId).jobJson;
          if (answer.otherJob != otherDrawn)
            answer.otherModel = app::modelGraphOfRun(store, otherId);
        }
        return answer;
      },
      [this, read, runId](Answer answer) {
        if (read != m_profileRead) return;
        m_filledRun = runId;
        fill(answer);
      });
}

void ProfilePanel::fill(const Answer& answer) {
  const QList<QByteArray>& profiles = answer.profiles;
  m_profiles = profiles;
  fillGraph(answer);
  m_table->setSortingEnabled(false);
  m_table->setRowCount(0);
  m_bars->clearPlottables();
  m_openTrace->setEnabled(!profiles.isEmpty());
  m_traceStatus->clear();
  if (profiles.isEmpty()) {
    m_step->setText(answer.quantizedLayers.isEmpty()
                        ? tr("No profile yet: set “Profile every (steps)” in the job.")
                        : tr("An int8 run: the graph shows which layers run int8 (colour by precision)."));
    m_bars->xAxis->setTickLabels(false);  // no stale layer names, and no numbers for layers
    m_bars->replot();
    emit shown();
    return;
  }
  const QJsonObject& profile = answer.latest;
  QString header =
      (profile.value("optimizer_in_forward").toBool()
           ? tr("Step %1: %2 ms, of which data %3 ms and optimizer %4 ms (during forward)")
           : tr("Step %1: %2 ms, of which data %3 ms and optimizer %4 ms"))
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
    const double other = answer.otherMs.value(l.value("name").toString());
    m_table->setItem(row, kSpeedup, other > 0 && ms > 0 ? numberCell(other / ms, 2, "×") : new QTableWidgetItem);
    m_table->setItem(row, kKernel, new QTableWidgetItem(l.value("kernel").toString()));
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
  m_bars->xAxis->setTickLabels(true);
  m_bars->xAxis->setTickLabelRotation(30);
  m_bars->rescaleAxes();
  m_bars->xAxis->setRange(0, costs.size() + 1);
  m_bars->yAxis->setRangeLower(0);
  m_bars->replot();
  emit shown();
}

// The graph is drawn again only for another job (a new layout would lose the user's zoom);
// its colours follow every answer.
void ProfilePanel::fillGraph(const Answer& answer) {
  if (answer.job != m_drawnJob) {
    m_drawnJob = answer.job;
    m_graph->setModel(answer.model);
  }
  QHash<QString, LayerFacts> facts =
      factsOf(answer.latest, answer.otherMs);
  // An int8 run: its report lists every int8-capable layer, int8 or kept in fp32.
  for (const QJsonValue& v : answer.quantizedLayers) {
    const QJsonObject l = v.toObject();
    LayerFacts& f = facts[l.value("name").toString()];
    f.precision = l.value("precision").toString();
    f.fallback = f.precision != "int8";
  }
  m_graph->setLayerFacts(facts);
  m_graphTitle->setText(m_run->currentText());

  // The run beside it, drawn the same way; its speedups are over the first run.
  const bool other = m_other->currentData().toLongLong() != 0;
  QWidget* otherColumn = m_graphs->widget(1);
  const bool appears = other && otherColumn->isHidden();
  otherColumn->setVisible(other);
  if (appears) {  // half each; sizes given while it was hidden would leave it none
    const int half = std::max(1, m_graphs->width() / 2);
    m_graphs->setSizes({half, half});
  }
  m_graphTitle->setVisible(other);
  if (!other) return;
  if (answer.otherJob != m_otherDrawnJob) {
    m_otherDrawnJob = answer.otherJob;
    m_otherGraph->setModel(answer.otherModel);
  }
  m_otherGraph->setLayerFacts(factsOf(answer.otherLatest, msByLayer(answer.latest.value("layers").toArray())));
  m_otherGraphTitle->setText(m_other->currentText());
}

void ProfilePanel::selectLayer(const QString& layer) {
  m_graph->selectLayer(layer);
  m_otherGraph->selectLayer(layer);
  selectRowOf(layer);
}

void ProfilePanel::selectRowOf(const QString& layer) {
  for (int row = 0; row < m_table->rowCount(); ++row)
    if (m_table->item(row, kLayer) && m_table->item(row, kLayer)->text() == layer) {
      const QSignalBlocker quiet(m_table);  // the graph has it selected already
      m_table->selectRow(row);
      m_table->scrollToItem(m_table->item(row, kLayer));
      return;
    }
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
