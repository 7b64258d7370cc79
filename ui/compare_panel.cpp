#include "ui/compare_panel.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QTextStream>
#include <QVBoxLayout>

#include "app/experiment_store.h"
#include "app/run_summary.h"
#include "ui/charts.h"
#include "ui/run_state.h"

namespace twb {
namespace ui {

namespace {
enum Column { kRun, kPrecision, kState, kAccuracy, kDifference, kTimeToTarget, kThroughput, kMode, kSpeedup, kSize, kColumns };

QTableWidgetItem* cell(const QString& text, bool number = false) {
  auto* item = new QTableWidgetItem(text);
  if (number) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return item;
}
}  // namespace

ComparePanel::ComparePanel(app::ExperimentStore& store, qint64 projectId, QWidget* parent)
    : QWidget(parent), m_store(store), m_projectId(projectId) {
  m_baseline = new QComboBox(this);
  m_baseline->setObjectName("baseline");
  m_table = new QTableWidget(0, kColumns, this);
  m_table->setObjectName("compareTable");
  m_table->setHorizontalHeaderLabels({tr("Run"), tr("Precision"), tr("State"), tr("Test accuracy"),
                                      tr("Δ vs baseline"), QString(), tr("Samples/s"), tr("Measured in"),
                                      tr("Speedup"), tr("Model size")});
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
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
  m_metric = new QComboBox(this);
  m_metric->setObjectName("compareMetric");
  m_metric->addItem(tr("Test accuracy (%)"), "eval/accuracy");
  m_metric->addItem(tr("Training loss"), "train/loss");
  m_chart = new QCustomPlot(this);
  m_chart->setObjectName("compareChart");
  m_chart->setMinimumHeight(200);
  m_chart->xAxis->setLabel(tr("step"));
  m_chart->legend->setVisible(true);
  m_chart->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  followPalette(m_chart);
  offerSaving(m_chart);

  auto* exportButton = new QPushButton(tr("Export CSV…"), this);
  connect(exportButton, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export CSV"), {}, tr("CSV (*.csv)"));
    if (!path.isEmpty()) exportCsv(path);
  });
  auto* saveChartButton = new QPushButton(tr("Save chart…"), this);
  connect(saveChartButton, &QPushButton::clicked, this, [this] { saveChartAs(m_chart); });
  connect(m_baseline, &QComboBox::currentIndexChanged, this, &ComparePanel::refresh);
  connect(m_target, &QDoubleSpinBox::valueChanged, this, &ComparePanel::refresh);
  connect(m_metric, &QComboBox::currentIndexChanged, this, &ComparePanel::plot);
  connect(m_table, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
    if (item->column() != kRun || !(item->flags() & Qt::ItemIsUserCheckable)) return;
    const qint64 runId = item->data(Qt::UserRole).toLongLong();
    if (item->checkState() == Qt::Checked)
      m_unpicked.remove(runId);
    else
      m_unpicked.insert(runId);
    plot();
  });
  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Baseline"), this));
  top->addWidget(m_baseline, 1);
  top->addWidget(new QLabel(tr("Target accuracy"), this));
  top->addWidget(m_target);
  top->addWidget(new QLabel(tr("Chart"), this));
  top->addWidget(m_metric);
  top->addWidget(exportButton);
  top->addWidget(saveChartButton);
  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->addWidget(m_table);
  splitter->addWidget(m_chart);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(splitter, 1);
}

void ComparePanel::setTargetAccuracy(double percent) { m_target->setValue(percent); }

void ComparePanel::setProjectId(qint64 projectId) {
  m_projectId = projectId;
  refresh();
}

void ComparePanel::refresh() {
  const QList<app::Run> runs = m_store.runs(m_projectId);
  const qint64 chosen = m_baseline->currentData().toLongLong();
  {
    const QSignalBlocker blocker(m_baseline);
    m_baseline->clear();
    for (const app::Run& run : runs) m_baseline->addItem(run.name, run.id);
    const int index = m_baseline->findData(chosen);
    m_baseline->setCurrentIndex(index >= 0 ? index : 0);
  }
  const qint64 baselineId = m_baseline->currentData().toLongLong();
  QJsonObject baseline;
  for (const app::Run& run : runs)
    if (run.id == baselineId) baseline = run.summary;

  const QSignalBlocker blockTable(m_table);  // no itemChanged while filling
  m_table->setSortingEnabled(false);
  m_table->setRowCount(static_cast<int>(runs.size()));
  m_table->setHorizontalHeaderItem(kTimeToTarget, new QTableWidgetItem(tr("Time to %1 %").arg(m_target->value())));
  const QLocale locale;
  for (int row = 0; row < runs.size(); ++row) {
    const app::Run& run = runs[row];
    const QJsonObject s = run.summary;
    const bool hasAccuracy = s.contains("test_accuracy");
    const double accuracy = s.value("test_accuracy").toDouble();
    QTableWidgetItem* name = cell(run.name);
    name->setData(Qt::UserRole, run.id);
    if (app::runKind(run) == "train") {
      name->setFlags(name->flags() | Qt::ItemIsUserCheckable);
      name->setCheckState(m_unpicked.contains(run.id) ? Qt::Unchecked : Qt::Checked);
    }
    m_table->setItem(row, kRun, name);
    m_table->setItem(row, kPrecision, cell(run.precision));
    m_table->setItem(row, kState, cell(runStateText(run.state)));
    m_table->setItem(row, kAccuracy, cell(hasAccuracy ? QString::number(accuracy * 100, 'f', 2) + " %" : "", true));
    m_table->setItem(row, kDifference,
                     cell(hasAccuracy && baseline.contains("test_accuracy")
                              ? QString::asprintf("%+.2f pt", (accuracy - baseline.value("test_accuracy").toDouble()) * 100)
                              : "", true));
    const double throughput = s.value("samples_per_s").toDouble();
    m_table->setItem(row, kThroughput, cell(throughput > 0 ? locale.toString(throughput, 'f', 0) : "", true));
    m_table->setItem(row, kMode, cell(s.value("mode").toString() == "infer" ? tr("inference") : tr("training")));
    // int8 models are compared with fp32 inference in their own report; trained runs with the
    // baseline's training throughput.
    double speedup = s.value("speedup").toDouble();
    if (speedup == 0 && throughput > 0 && s.value("mode") == baseline.value("mode"))
      speedup = throughput / baseline.value("samples_per_s").toDouble(1);
    m_table->setItem(row, kSpeedup, cell(speedup > 0 ? QString::number(speedup, 'f', 2) + "×" : "", true));
    const double bytes = s.value("model_bytes").toDouble();
    m_table->setItem(row, kSize, cell(bytes > 0 ? locale.formattedDataSize(static_cast<qint64>(bytes)) : "", true));
    QString reached;
    if (s.value("mode") == "train" && run.state == "succeeded") {
      const auto seconds = app::secondsToAccuracy(m_store, run.id, m_target->value() / 100);
      reached = seconds ? tr("%1 s").arg(*seconds, 0, 'f', 1) : tr("not reached");
    }
    m_table->setItem(row, kTimeToTarget, cell(reached, true));
  }
  m_table->setSortingEnabled(true);
  plot();
}

void ComparePanel::plot() {
  const QString metric = m_metric->currentData().toString();
  m_chart->clearGraphs();
  m_chart->yAxis->setLabel(m_metric->currentText());
  int trained = 0;
  for (const app::Run& run : m_store.runs(m_projectId)) {
    if (app::runKind(run) != "train") continue;
    const QColor colour = runColour(trained++);  // the run's Monitor colour, shown or not
    if (m_unpicked.contains(run.id)) continue;
    QCPGraph* graph = m_chart->addGraph();
    graph->setName(run.name);
    graph->setPen(QPen(colour, 1.5));
    if (metric == "eval/accuracy") graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    for (const app::MetricPoint& point : m_store.metric(run.id, metric))
      graph->addData(point.step, metric == "eval/accuracy" ? point.value * 100 : point.value);
  }
  m_chart->rescaleAxes();
  m_chart->replot();
}

bool ComparePanel::exportCsv(const QString& path) const {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) return false;
  QTextStream out(&file);
  QStringList header;
  for (int c = 0; c < m_table->columnCount(); ++c) header << m_table->horizontalHeaderItem(c)->text();
  out << header.join(',') << '\n';
  for (int r = 0; r < m_table->rowCount(); ++r) {
    QStringList row;
    for (int c = 0; c < m_table->columnCount(); ++c) {
      QString text = m_table->item(r, c) ? m_table->item(r, c)->text() : QString();
      row << (text.contains(',') ? '"' + text.replace('"', "\"\"") + '"' : text);
    }
    out << row.join(',') << '\n';
  }
  return true;
}

}  // namespace ui
}  // namespace twb
