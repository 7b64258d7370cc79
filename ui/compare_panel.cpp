#include "ui/compare_panel.h"

#include <qcustomplot.h>

#include <QAbstractItemView>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextStream>
#include <QVBoxLayout>
#include <algorithm>
#include <limits>
#include <optional>

#include "app/experiment_store.h"
#include "app/run_state_text.h"
#include "app/run_summary.h"
#include "app/store_reader.h"
#include "app/varying_job_fields.h"
#include "ui/charts.h"
#include "ui/class_accuracy_chart.h"
#include "ui/compare_cells.h"
#include "ui/confusion_view.h"
#include "ui/parallel_coordinates.h"

namespace twb {
namespace ui {

namespace {
enum Column {
  kRun,
  kPrecision,
  kRanOn,
  kScaling,
  kState,
  kAccuracy,
  kDifference,
  kTimeToTarget,
  kThroughput,
  kMode,
  kSpeedup,
  kSize,
  kPeakMemory,
  kMfu,
  kColumns
};
constexpr int kMeasuredRows = 50;
constexpr int kRunWidth = 340;  // pixels, at most
// The chart's metric that is no curve: each run's last evaluation, class by class.
constexpr const char* kByClass = "eval/by_class";

// The samples each of a run's `ranks` ranks trained on a step.
double rankBatch(const app::Run& run, int ranks) {
  const double batch = app::jobField(run, "batch").toDouble(64);  // the engine's default
  return app::jobField(run, "parallel.global_batch").toBool() ? batch / std::max(1, ranks) : batch;
}

// For the CSV: a field quoted where it must be (RFC 4180).
QString csvField(QString text) {
  if (!text.contains(',') && !text.contains('"') && !text.contains('\n')) return text;
  return '"' + text.replace('"', "\"\"") + '"';
}
}  // namespace

ComparePanel::ComparePanel(app::StoreReader& reader, qint64 projectId, QWidget* parent)
    : QWidget(parent), m_reader(reader), m_projectId(projectId) {
  m_baseline = new QComboBox(this);
  m_baseline->setObjectName("baseline");
  m_baseline->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  m_baseline->setMinimumContentsLength(28);
  m_table = new QTableWidget(0, kColumns, this);
  m_table->setObjectName("compareTable");
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  // Column widths from the first rows (and the visible ones): measuring every cell of a
  // project's hundreds of runs at each fill held the GUI thread (bench_workbench_gui).
  m_table->horizontalHeader()->setResizeContentsPrecision(kMeasuredRows);
  // Run names as long as a sweep's ("mlp [nodes=[...], ranks_per_node=2]") would push the numbers
  // out of sight: the column stops at kRunWidth, the names elided in the middle (their ends
  // differ), whole on hover.
  m_table->horizontalHeader()->setSectionResizeMode(kRun, QHeaderView::Interactive);
  m_table->setTextElideMode(Qt::ElideMiddle);
  m_table->setWordWrap(false);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->verticalHeader()->hide();
  // Runs in the order they were made until a column header is clicked.
  m_table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
  m_table->setSortingEnabled(true);
  m_target = new QDoubleSpinBox(this);
  m_target->setObjectName("targetAccuracy");
  m_target->setRange(1, 100);
  m_target->setDecimals(1);
  m_target->setSuffix(" %");
  m_target->setValue(75);
  setHeaders({});  // the target's value names a column
  m_metric = new QComboBox(this);
  m_metric->setObjectName("compareMetric");
  m_metric->addItem(tr("Test accuracy (%)"), "eval/accuracy");
  m_metric->addItem(tr("Training loss"), "train/loss");
  m_metric->addItem(tr("Throughput (samples/s)"), "samples_per_s");
  m_metric->addItem(tr("Test accuracy by class (%)"), kByClass);
  m_chart = new QCustomPlot(this);
  m_chart->setObjectName("compareChart");
  m_chart->setMinimumHeight(200);
  m_chart->xAxis->setLabel(tr("step"));
  m_chart->legend->setVisible(true);
  m_chart->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  followPalette(m_chart);
  offerSaving(m_chart);

  // One Export menu (table, reports, chart) leaves the row's room to the baseline's run name.
  m_export = new QPushButton(tr("Export"), this);
  m_export->setObjectName("compareExport");
  setReportFormats({});
  connect(m_baseline, &QComboBox::currentIndexChanged, this, &ComparePanel::refresh);
  connect(m_target, &QDoubleSpinBox::valueChanged, this, &ComparePanel::refresh);
  connect(m_metric, &QComboBox::currentIndexChanged, this, &ComparePanel::plot);
  // The confusion matrix follows the run picked in the table.
  connect(m_table, &QTableWidget::currentCellChanged, this, [this](int row) {
    const QTableWidgetItem* name = row >= 0 ? m_table->item(row, kRun) : nullptr;
    if (name && m_perClass.contains(name->data(Qt::UserRole).toLongLong()))
      m_confusion->choose(name->data(Qt::UserRole).toLongLong(), m_confusion->against());
  });
  connect(m_table, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
    if (item->column() != kRun || !(item->flags() & Qt::ItemIsUserCheckable)) return;
    m_picked.insert(item->data(Qt::UserRole).toLongLong(), item->checkState() == Qt::Checked);
    plot();
  });
  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Baseline"), this));
  top->addWidget(m_baseline, 1);
  top->addWidget(new QLabel(tr("Target accuracy"), this));
  top->addWidget(m_target);
  top->addWidget(new QLabel(tr("Chart"), this));
  top->addWidget(m_metric);
  top->addWidget(m_export);
  m_coordinates = new ParallelCoordinates(this);
  auto* charts = new QTabWidget(this);
  charts->setObjectName("compareCharts");
  m_chartNote = new QLabel(this);
  m_chartNote->setObjectName("chartNote");
  m_chartNote->hide();
  auto* curves = new QWidget(this);
  auto* curvesLayout = new QVBoxLayout(curves);
  curvesLayout->setContentsMargins(0, 0, 0, 0);
  curvesLayout->addWidget(m_chartNote);
  curvesLayout->addWidget(m_chart, 1);
  charts->addTab(curves, tr("Curves"));
  charts->addTab(m_coordinates, tr("Parallel coordinates"));
  m_confusion = new ConfusionView(this);
  charts->addTab(m_confusion, tr("Confusion matrix"));
  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->addWidget(m_table);
  splitter->addWidget(charts);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(splitter, 1);
}

void ComparePanel::setTargetAccuracy(double percent) { m_target->setValue(percent); }

void ComparePanel::showMetric(const QString& metric) {
  if (const int index = m_metric->findData(metric); index >= 0) m_metric->setCurrentIndex(index);
}

void ComparePanel::setProjectId(qint64 projectId) {
  // A project not sorted yet shows its runs in the order they were made (a scaling study's
  // baseline first), not in the order another project was sorted by.
  if (projectId != m_projectId) {
    QHeaderView* header = m_table->horizontalHeader();
    m_sortOf.insert(m_projectId, {header->sortIndicatorSection(), header->sortIndicatorOrder()});
    const auto [column, order] = m_sortOf.value(projectId, {-1, Qt::AscendingOrder});
    header->setSortIndicator(column, order);
  }
  m_projectId = projectId;
  refresh();
}

void ComparePanel::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (m_stale) refresh();
}

void ComparePanel::refresh() {
  m_stale = !isVisible() && parentWidget() && parentWidget()->isVisible();  // a hidden tab
  if (m_stale) {
    m_table->setRowCount(0);  // no other project's rows meanwhile
    return;
  }
  const int read = ++m_tableRead;
  m_reader.read<Rows>(
      this,
      [projectId = m_projectId,
       target = m_target->value() / 100](const app::ExperimentStore& store) {
        Rows rows{store.runs(projectId), {}, {}, {}, {}, {}, {}, {}};
        // The job fields that differ between the runs: the hyper-parameters being compared.
        rows.fields = app::varyingJobFields(rows.runs);
        for (const app::Run& run : rows.runs) {
          const QList<QByteArray> states = store.events(run.id, "state");
          if (run.summary.value("mode") == "train" && run.state == app::RunState::Succeeded)
            rows.secondsToTarget.insert(run.id,
                                        app::secondsToAccuracy(store, run.id, target, states));
          const app::RunPlacement placement = app::placementOf(store, run, states);
          rows.placements.insert(run.id, placement);
          for (const QString& node : placement.nodes)
            if (!rows.nodes.contains(node)) rows.nodes.insert(node, store.node(node));
          if (const QByteArray profile = store.lastEvent(run.id, "profile"); !profile.isEmpty())
            rows.profiles.insert(run.id, profile);  // parsed when a report asks
          if (app::runKind(run) == "train")
            for (const QString& field : std::as_const(rows.fields))
              rows.fieldValues[run.id] << app::jobField(run, field);
          // By class: a training run's last evaluation, a quantized run's int8 evaluation.
          const QJsonObject perClass =
              app::runKind(run) == "quantize"
                  ? QJsonDocument::fromJson(store.lastEvent(run.id, "quantize"))
                        .object()
                        .value("report")["int8"]["per_class"]
                        .toObject()
                  : QJsonDocument::fromJson(store.lastEvent(run.id, "eval"))
                        .object()["per_class"]
                        .toObject();
          if (!perClass.isEmpty()) rows.perClass.insert(run.id, perClass);
        }
        return rows;
      },
      [this, read](Rows rows) {
        if (read == m_tableRead) fill(rows);
      });
}

void ComparePanel::fill(const Rows& rows) {
  const QList<app::Run>& runs = m_runs = rows.runs;
  m_profiles = rows.profiles;
  m_perClass = rows.perClass;
  QList<ConfusionView::Source> evaluated;
  for (const app::Run& run : runs)
    if (m_perClass.contains(run.id))
      evaluated << ConfusionView::Source{run.id, run.name, m_perClass.value(run.id)};
  m_confusion->setRuns(evaluated);
  QList<qint64> training;
  for (const app::Run& run : runs)
    if (app::runKind(run) == "train") training << run.id;
  m_newest = QSet<qint64>(training.end() - std::min<qsizetype>(training.size(), kChartRuns), training.end());
  const qint64 chosen = m_baseline->currentData().toLongLong();
  {
    const QSignalBlocker blocker(m_baseline);
    m_baseline->clear();
    for (const app::Run& run : runs) m_baseline->addItem(run.name, run.id);
    const int index = m_baseline->findData(chosen);
    m_baseline->setCurrentIndex(index >= 0 ? index : 0);
    // A sweep's trial names outgrow the box: its list and tooltip show them whole.
    m_baseline->view()->setMinimumWidth(m_baseline->view()->sizeHintForColumn(0) + 24);
  }
  m_baseline->setToolTip(m_baseline->currentText());
  const qint64 baselineId = m_baseline->currentData().toLongLong();
  QJsonObject baseline;
  const app::RunPlacement baselinePlacement = rows.placements.value(baselineId);
  double baselineBatch = 0;
  for (const app::Run& run : runs)
    if (run.id == baselineId)
      baseline = run.summary, baselineBatch = rankBatch(run, baselinePlacement.ranks);

  const QSignalBlocker blockTable(m_table);  // no itemChanged while filling
  m_table->setSortingEnabled(false);
  m_table->setRowCount(static_cast<int>(runs.size()));
  const QStringList& fields = rows.fields;
  setHeaders(fields);
  const QLocale locale;
  for (int row = 0; row < runs.size(); ++row) {
    const app::Run& run = runs[row];
    const QJsonObject s = run.summary;
    const bool hasAccuracy = s.contains("test_accuracy");
    const double accuracy = s.value("test_accuracy").toDouble();
    QTableWidgetItem* name = cell(run.name);
    name->setData(Qt::UserRole, run.id);
    name->setToolTip(run.name);
    if (app::runKind(run) == "train") {
      name->setFlags(name->flags() | Qt::ItemIsUserCheckable);
      name->setCheckState(isDrawn(run.id) ? Qt::Checked : Qt::Unchecked);
    }
    m_table->setItem(row, kRun, name);
    m_table->setItem(row, kPrecision, cell(run.precision));
    const app::RunPlacement placement = rows.placements.value(run.id);
    m_table->setItem(row, kRanOn, ranOnCell(placement));
    m_table->setItem(row, kState, cell(app::runStateText(run.state)));
    const auto percent = hasAccuracy ? std::optional(accuracy * 100) : std::nullopt;
    m_table->setItem(row, kAccuracy, cell(QString::number(percent.value_or(0), 'f', 2) + " %", percent));
    const auto difference = hasAccuracy && baseline.contains("test_accuracy")
                                ? std::optional((accuracy - baseline.value("test_accuracy").toDouble()) * 100)
                                : std::nullopt;
    m_table->setItem(row, kDifference, cell(QString::asprintf("%+.2f pt", difference.value_or(0)), difference));
    const double throughput = s.value("samples_per_s").toDouble();
    m_table->setItem(row, kThroughput, cell(locale.toString(throughput, 'f', 0),
                                            throughput > 0 ? std::optional(throughput) : std::nullopt));
    m_table->setItem(row, kMode, cell(s.value("mode").toString() == "infer" ? tr("inference") : tr("training")));
    // int8 models are compared with fp32 inference in their own report; trained runs with the
    // baseline's training throughput.
    double speedup = s.value("speedup").toDouble();
    if (speedup == 0 && throughput > 0 && s.value("mode") == baseline.value("mode"))
      speedup = throughput / baseline.value("samples_per_s").toDouble(1);
    m_table->setItem(row, kSpeedup, cell(QString::number(speedup, 'f', 2) + "×",
                                         speedup > 0 ? std::optional(speedup) : std::nullopt));
    m_table->setItem(row, kScaling,
                     s.value("mode") == baseline.value("mode") &&
                             placement.ranks != baselinePlacement.ranks &&
                             placement.onGpu() == baselinePlacement.onGpu()
                         ? scalingCell(speedup, placement.ranks, baselinePlacement.ranks,
                                       rankBatch(run, placement.ranks) / baselineBatch, s, baseline)
                         : cell(QString()));
    const double bytes = s.value("model_bytes").toDouble();
    m_table->setItem(row, kSize, cell(locale.formattedDataSize(static_cast<qint64>(bytes)),
                                      bytes > 0 ? std::optional(bytes) : std::nullopt));
    const double peak = s.value("peak_memory_bytes").toDouble();
    m_table->setItem(row, kPeakMemory,
                     cell(locale.formattedDataSize(static_cast<qint64>(peak)),
                          peak > 0 ? std::optional(peak) : std::nullopt));
    QTableWidgetItem* reached = nullptr;
    if (rows.secondsToTarget.contains(run.id)) {
      const auto seconds = rows.secondsToTarget.value(run.id);
      reached = seconds ? cell(tr("%1 s").arg(*seconds, 0, 'f', 1), *seconds) : cell(tr("not reached"));
      reached->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    m_table->setItem(row, kTimeToTarget, reached ? reached : cell(QString()));
    m_table->setItem(row, kMfu, mfuCell(run, placement, rows.nodes));
    const QList<QJsonValue> values = rows.fieldValues.value(run.id);  // none for int8 runs
    for (int f = 0; f < fields.size(); ++f)
      m_table->setItem(row, kColumns + f, f < values.size() ? fieldCell(values[f]) : cell(QString()));
  }
  markBest();
  // Scaling only where some run's ranks differ from the baseline's (CSV keeps every column).
  bool scaled = false;
  for (int row = 0; row < m_table->rowCount(); ++row)
    scaled = scaled || !m_table->item(row, kScaling)->text().isEmpty();
  m_table->setColumnHidden(kScaling, !scaled);
  m_table->resizeColumnToContents(kRun);
  if (m_table->columnWidth(kRun) > kRunWidth) m_table->setColumnWidth(kRun, kRunWidth);
  m_table->setSortingEnabled(true);
  plotCoordinates(rows);
  plot();
}

void ComparePanel::markBest() {
  int best = -1;
  for (int row = 0; row < m_table->rowCount(); ++row) {
    const QVariant accuracy = m_table->item(row, kAccuracy)->data(kValueRole);
    if (accuracy.isValid() &&
        (best < 0 || accuracy.toDouble() > m_table->item(best, kAccuracy)->data(kValueRole).toDouble()))
      best = row;
  }
  if (best < 0) return;
  QPixmap star(16, 16);
  star.fill(Qt::transparent);
  QPainter painter(&star);
  painter.setPen(QColor(230, 160, 0));
  painter.drawText(star.rect(), Qt::AlignCenter, QString::fromUtf8("\u2605"));
  painter.end();
  for (int c = 0; c < m_table->columnCount(); ++c)
    if (QTableWidgetItem* item = m_table->item(best, c)) {
      QFont font = item->font();
      font.setBold(true);
      item->setFont(font);
    }
  QTableWidgetItem* name = m_table->item(best, kRun);
  name->setIcon(QIcon(star));
  name->setToolTip(tr("The best test accuracy of these runs"));
}

void ComparePanel::plotCoordinates(const Rows& rows) {
  QList<ParallelCoordinates::Line> lines;
  for (const app::Run& run : rows.runs) {
    if (!rows.fieldValues.contains(run.id)) continue;  // not a training run
    ParallelCoordinates::Line line{run.name, rows.fieldValues.value(run.id), std::nullopt};
    if (run.summary.contains("test_accuracy")) line.result = run.summary.value("test_accuracy").toDouble() * 100;
    lines << line;
  }
  m_coordinates->setLines(rows.fields, tr("Test accuracy (%)"), lines);
}

bool ComparePanel::isDrawn(qint64 runId) const { return m_picked.value(runId, m_newest.contains(runId)); }

QSet<qint64> ComparePanel::drawnRuns() const {
  QSet<qint64> drawn;
  for (const app::Run& run : m_runs)
    if (isDrawn(run.id)) drawn << run.id;
  return drawn;
}

void ComparePanel::plot() {
  QList<app::Run> training;
  int undrawn = 0;
  for (const app::Run& run : std::as_const(m_runs))
    if (app::runKind(run) == "train") {
      training << run;
      undrawn += !isDrawn(run.id);
    }
  m_chartNote->setText(tr("%n training run(s) not drawn: tick a run to draw it", nullptr, undrawn));
  m_chartNote->setVisible(undrawn > 0);
  const int read = ++m_plotRead;
  if (m_metric->currentData().toString() == kByClass) {
    drawByClass(training);
    return;
  }
  m_reader.read<QHash<qint64, QVector<app::MetricPoint>>>(
      this,
      [training, drawn = drawnRuns(), metric = m_metric->currentData().toString()](const app::ExperimentStore& store) {
        QHash<qint64, QVector<app::MetricPoint>> curves;
        for (const app::Run& run : training)
          if (drawn.contains(run.id)) curves.insert(run.id, store.metric(run.id, metric));
        return curves;
      },
      [this, read, training](QHash<qint64, QVector<app::MetricPoint>> curves) {
        if (read == m_plotRead) draw(training, curves);
      });
}

void ComparePanel::drawByClass(const QList<app::Run>& training) {
  // The ticked training runs' last evaluations, then every quantized run's int8 evaluation; a
  // training run's colour is its Monitor colour, ticked or not.
  QList<app::Run> runs = training;
  for (const app::Run& run : std::as_const(m_runs))
    if (app::runKind(run) == "quantize") runs << run;
  const QSet<qint64> drawn = drawnRuns();
  QList<ClassAccuracy> bars;
  int index = 0;
  for (const app::Run& run : std::as_const(runs)) {
    const QColor colour = runColour(index++);
    const bool shown = app::runKind(run) == "quantize" || drawn.contains(run.id);
    if (shown && m_perClass.contains(run.id))
      bars << ClassAccuracy{run.name, colour, m_perClass.value(run.id)};
  }
  m_chart->clearPlottables();
  m_chart->clearItems();
  m_chart->yAxis->setLabel(m_metric->currentText());
  drawClassAccuracy(m_chart, bars);
  m_chart->replot();
  emit refreshed();
}

void ComparePanel::draw(const QList<app::Run>& training,
                        const QHash<qint64, QVector<app::MetricPoint>>& metric) {
  const bool percent = m_metric->currentData().toString() == "eval/accuracy";
  struct Curve {
    QString name;
    QColor colour;
    QVector<double> steps, values;
  };
  QList<Curve> curves;
  int trained = 0;
  qsizetype most = 0;
  for (const app::Run& run : training) {
    const QColor colour = runColour(trained++);  // the run's Monitor colour, shown or not
    if (!metric.contains(run.id)) continue;  // not drawn
    Curve curve{run.name, colour, {}, {}};
    for (const app::MetricPoint& point : metric.value(run.id)) {
      curve.steps << point.step;
      curve.values << (percent ? point.value * 100 : point.value);
    }
    most = std::max(most, curve.values.size());
    curves << curve;
  }
  m_chart->clearPlottables();
  m_chart->clearItems();
  m_chart->yAxis->setLabel(m_metric->currentText());
  // As before drawByClass(), which turns the class names and lays the legend out in a row.
  m_chart->xAxis->setTickLabelRotation(0);
  m_chart->legend->setFillOrder(QCPLayoutGrid::foRowsFirst);
  m_chart->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignRight | Qt::AlignTop);
  // One or two points a run make no curve: each run's final value as a dot, labelled. Dots, not
  // bars: close values need an axis around them, and a bar cut off above 0 misstates the ratio
  // between two runs.
  const bool finals = most > 0 && most <= 2;
  if (finals) {
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (int i = 0; i < curves.size(); ++i) {
      ticker->addTick(i + 1, curves[i].name);
      if (curves[i].values.isEmpty()) continue;
      QCPGraph* dot = m_chart->addGraph();
      dot->setName(curves[i].name);
      dot->setLineStyle(QCPGraph::lsNone);
      dot->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, curves[i].colour, 14));
      dot->addData(i + 1, curves[i].values.back());
      auto* label = new QCPItemText(m_chart);
      label->position->setCoords(i + 1, curves[i].values.back());
      label->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
      label->setPadding(QMargins(0, 0, 0, 10));  // above the dot
      label->setText(QString::number(curves[i].values.back(), 'f', percent ? 2 : 4) + (percent ? " %" : ""));
      label->setColor(palette().color(QPalette::Text));
    }
    m_chart->xAxis->setTicker(ticker);
    m_chart->xAxis->setLabel(tr("final value"));
  } else {
    m_chart->xAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
    m_chart->xAxis->setLabel(tr("step"));
    for (const Curve& curve : std::as_const(curves)) {
      QCPGraph* graph = m_chart->addGraph();
      graph->setName(curve.name);
      graph->setPen(QPen(curve.colour, 1.5));
      if (percent) graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
      graph->setData(curve.steps, curve.values, true);
    }
  }
  m_chart->rescaleAxes();
  QCPRange y = m_chart->yAxis->range();
  if (finals) {  // around the values
    m_chart->xAxis->setRange(0.3, curves.size() + 0.7);
    double lowest = std::numeric_limits<double>::max(), highest = std::numeric_limits<double>::lowest();
    for (const Curve& curve : std::as_const(curves))
      if (!curve.values.isEmpty()) {
        lowest = std::min(lowest, curve.values.back());
        highest = std::max(highest, curve.values.back());
      }
    y = QCPRange(lowest, highest);
  }
  // A sensible y axis around close values: at least 2 points of accuracy (or a tenth of the
  // value) wide, with room above for the labels, never below 0.
  const double span = std::max(y.size(), percent ? 2.0 : 0.1 * std::abs(y.upper));
  if (span > 0 && y.size() < span) y = QCPRange(y.center() - span / 2, y.center() + span / 2);
  if (finals) y.upper += 0.15 * span;
  if (y.lower < 0 && m_chart->yAxis->range().lower >= 0) y = QCPRange(0, y.upper - y.lower);
  m_chart->yAxis->setRange(y);
  m_chart->replot();
  emit refreshed();
}

void ComparePanel::setHeaders(const QStringList& fields) {
  m_table->setColumnCount(kColumns + static_cast<int>(fields.size()));
  const QString target = tr("Time to %1 %").arg(m_target->value());
  const QList<QTableWidgetItem*> headers{header(tr("Run")),
                                         header(tr("Precision")),
                                         header(tr("Ran on")),
                                         header(tr("Scaling"), "%"),
                                         header(tr("State")),
                                         header(tr("Test accuracy"), "%"),
                                         header(tr("Δ vs baseline"), "pt"),
                                         header(target, "s"),
                                         header(tr("Samples/s"), "samples/s"),
                                         header(tr("Measured in")),
                                         header(tr("Speedup"), "×"),
                                         header(tr("Model size"), "bytes"),
                                         header(tr("Peak memory"), "bytes"),
                                         header(tr("MFU"), "%")};
  for (int c = 0; c < kColumns; ++c) m_table->setHorizontalHeaderItem(c, headers[c]);
  for (int f = 0; f < fields.size(); ++f) {
    QTableWidgetItem* item = header(fields[f]);
    item->setToolTip(tr("A job field that differs between these runs"));
    m_table->setHorizontalHeaderItem(kColumns + f, item);
  }
}

void ComparePanel::setReportFormats(const QList<const plugins::ReportFormat*>& formats) {
  auto* menu = new QMenu(m_export);
  menu->addAction(tr("Table as CSV…"), this, [this] {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export CSV"), {}, tr("CSV (*.csv)"));
    if (!path.isEmpty()) exportCsv(path);
  });
  menu->addSeparator();
  for (const plugins::ReportFormat* format : formats)
    menu->addAction(tr("Report as %1…").arg(format->name()), this, [this, format] {
      const QString path = QFileDialog::getSaveFileName(this, tr("Export report"), {},
                                                        QString("%1 (*.%2)").arg(format->name(), format->suffix()));
      QString error;
      if (!path.isEmpty() && !exportReport(*format, path, &error))
        QMessageBox::warning(this, tr("Export report"), tr("Cannot write %1: %2").arg(path, error));
    });
  if (formats.isEmpty())
    menu->addAction(tr("Reports come from plugins (Help > Plugins): none is loaded"))
        ->setEnabled(false);
  menu->addSeparator();
  menu->addAction(tr("Chart as image…"), this, [this] { saveChartAs(m_chart); });
  delete m_export->menu();
  m_export->setMenu(menu);
}

bool ComparePanel::exportReport(const plugins::ReportFormat& format, const QString& path, QString* error) const {
  QJsonArray columns, rows;
  QList<int> shown;
  for (int c = 0; c < m_table->columnCount(); ++c)
    if (!m_table->isColumnHidden(c)) shown << c;
  for (int c : std::as_const(shown)) columns.append(m_table->horizontalHeaderItem(c)->text());
  for (int r = 0; r < m_table->rowCount(); ++r) {
    if (m_table->isRowHidden(r)) continue;
    QJsonArray row;
    for (int c : std::as_const(shown))
      row.append(m_table->item(r, c) ? m_table->item(r, c)->text() : QString());
    rows.append(row);
  }
  QJsonObject report{{"title", tr("Comparison of %n run(s)", nullptr, static_cast<int>(rows.size()))},
                     {"columns", columns},
                     {"rows", rows},
                     {"profiles", reportProfiles()}};
  if (const QJsonObject classes = reportClasses(); !classes.isEmpty()) report["classes"] = classes;
  const QString chart = path + ".chart.png";
  if (saveChart(m_chart, chart)) report["chart"] = chart;
  return format.write(report, path, error);
}

QJsonObject ComparePanel::reportClasses() const {
  // The shown runs evaluated on the same classes as the first of them, in the table's order.
  QJsonArray names, runs;
  qsizetype classes = -1;
  for (int r = 0; r < m_table->rowCount(); ++r) {
    const QTableWidgetItem* item = m_table->item(r, kRun);
    if (m_table->isRowHidden(r) || !item) continue;
    const QJsonObject perClass = m_perClass.value(item->data(Qt::UserRole).toLongLong());
    const QJsonArray correct = perClass.value("correct").toArray(),
                     samples = perClass.value("samples").toArray();
    if (correct.isEmpty() || (classes >= 0 && correct.size() != classes)) continue;
    if (classes < 0) classes = correct.size(), names = perClass.value("names").toArray();
    QJsonArray accuracy;
    for (qsizetype c = 0; c < classes; ++c)
      accuracy.append(samples[c].toDouble() > 0
                          ? 100 * correct[c].toDouble() / samples[c].toDouble()
                          : QJsonValue());
    runs.append(QJsonObject{{"run", item->text()}, {"accuracy", accuracy}});
  }
  if (runs.isEmpty()) return {};
  if (names.size() != classes) {  // unnamed classes go by number
    names = {};
    for (qsizetype c = 0; c < classes; ++c) names.append(QString::number(c));
  }
  return {{"names", names}, {"runs", runs}};
}

QJsonArray ComparePanel::reportProfiles() const {
  constexpr int kLayers = 12;  // the costliest; the rest is summed
  QJsonArray profiles;
  for (int r = 0; r < m_table->rowCount(); ++r) {
    const QTableWidgetItem* item = m_table->item(r, kRun);
    if (m_table->isRowHidden(r) || !item) continue;
    const QJsonObject profile =
        QJsonDocument::fromJson(m_profiles.value(item->data(Qt::UserRole).toLongLong())).object();
    if (profile.isEmpty()) continue;
    QList<QJsonObject> layers;
    for (const QJsonValue& v : profile.value("layers").toArray()) {
      const QJsonObject l = v.toObject();
      layers.append({{"name", l.value("name")},
                     {"op", l.value("op")},
                     {"precision", l.value("precision")},
                     {"ms", l.value("forward_ms").toDouble() + l.value("backward_ms").toDouble()},
                     {"share", l.value("share")}});
    }
    std::stable_sort(layers.begin(), layers.end(), [](const QJsonObject& a, const QJsonObject& b) {
      return a.value("ms").toDouble() > b.value("ms").toDouble();
    });
    QJsonArray top;
    double restMs = 0, restShare = 0;
    for (int i = 0; i < layers.size(); ++i) {
      if (i < kLayers) {
        top.append(layers[i]);
      } else {
        restMs += layers[i].value("ms").toDouble();
        restShare += layers[i].value("share").toDouble();
      }
    }
    profiles.append(QJsonObject{{"run", item->text()},
                                {"step", profile.value("step")},
                                {"step_ms", profile.value("step_ms")},
                                {"layers", top},
                                {"other_layers", layers.size() - top.size()},
                                {"other_ms", restMs},
                                {"other_share", restShare}});
  }
  return profiles;
}

bool ComparePanel::exportCsv(const QString& path) const {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) return false;
  QTextStream out(&file);
  // Raw numbers, full precision, their units in the header: what a spreadsheet or pandas reads.
  QStringList header;
  for (int c = 0; c < m_table->columnCount(); ++c) {
    const QTableWidgetItem* item = m_table->horizontalHeaderItem(c);
    const QString unit = item->data(kUnitRole).toString();
    header << csvField(unit.isEmpty() ? item->text() : item->text() + " (" + unit + ")");
  }
  out << header.join(',') << '\n';
  for (int r = 0; r < m_table->rowCount(); ++r) {
    QStringList row;
    for (int c = 0; c < m_table->columnCount(); ++c) {
      const QTableWidgetItem* item = m_table->item(r, c);
      const QVariant value = item ? item->data(kValueRole) : QVariant();
      row << (value.isValid() ? QString::number(value.toDouble(), 'g', 17) : csvField(item ? item->text() : QString()));
    }
    out << row.join(',') << '\n';
  }
  out.flush();
  return file.commit();
}

}  // namespace ui
}  // namespace twb
