#include "ui/compare_panel.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTableWidget>
#include <QTextStream>
#include <QVBoxLayout>

#include "app/experiment_store.h"

namespace twb {
namespace ui {

namespace {
enum Column { kRun, kPrecision, kState, kAccuracy, kDifference, kThroughput, kMode, kSpeedup, kSize, kColumns };

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
                                      tr("Δ vs baseline"), tr("Throughput (samples/s)"), tr("Measured in"),
                                      tr("Speedup"), tr("Model size")});
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  // Runs in the order they were made until a column header is clicked.
  m_table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
  m_table->setSortingEnabled(true);
  auto* exportButton = new QPushButton(tr("Export CSV…"), this);
  connect(exportButton, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export CSV"), {}, tr("CSV (*.csv)"));
    if (!path.isEmpty()) exportCsv(path);
  });
  connect(m_baseline, &QComboBox::currentIndexChanged, this, &ComparePanel::refresh);
  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Baseline"), this));
  top->addWidget(m_baseline, 1);
  top->addWidget(exportButton);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(m_table, 1);
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

  m_table->setSortingEnabled(false);
  m_table->setRowCount(static_cast<int>(runs.size()));
  const QLocale locale;
  for (int row = 0; row < runs.size(); ++row) {
    const app::Run& run = runs[row];
    const QJsonObject s = run.summary;
    const bool hasAccuracy = s.contains("test_accuracy");
    const double accuracy = s.value("test_accuracy").toDouble();
    m_table->setItem(row, kRun, cell(run.name));
    m_table->setItem(row, kPrecision, cell(run.precision));
    m_table->setItem(row, kState, cell(run.state));
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
  }
  m_table->setSortingEnabled(true);
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
