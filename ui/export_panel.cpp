#include "ui/export_panel.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include "app/run_summary.h"
#include "app/store_reader.h"
#include "app/workbench_controller.h"

namespace twb {
namespace ui {

ExportPanel::ExportPanel(app::WorkbenchController& controller, app::StoreReader& reader, QWidget* parent)
    : QWidget(parent), m_controller(controller), m_reader(reader) {
  m_run = new QComboBox(this);
  m_run->setObjectName("exportRun");
  m_samples = new QSpinBox(this);
  m_samples->setObjectName("calibrationSamples");
  m_samples->setRange(1, 60000);
  m_samples->setValue(512);
  m_observer = new QComboBox(this);
  m_observer->addItems({"percentile", "minmax", "entropy"});
  m_scheme = new QComboBox(this);
  m_scheme->addItems({"per-channel", "local"});
  m_maxDrop = new QDoubleSpinBox(this);
  m_maxDrop->setRange(-0.01, 100);
  m_maxDrop->setSingleStep(0.1);
  m_maxDrop->setValue(-0.01);
  m_maxDrop->setSpecialValueText(tr("no bound"));
  m_quantize = new QPushButton(tr("&Quantize to int8"), this);
  m_quantize->setObjectName("quantize");
  auto* quantizeBox = new QGroupBox(tr("Post-training quantization"), this);
  auto* quantizeForm = new QFormLayout(quantizeBox);
  quantizeForm->addRow(tr("Calibration samples"), m_samples);
  quantizeForm->addRow(tr("Observer"), m_observer);
  quantizeForm->addRow(tr("Weight scheme"), m_scheme);
  quantizeForm->addRow(tr("Largest accuracy drop (points)"), m_maxDrop);
  quantizeForm->addRow(m_quantize);

  m_format = new QComboBox(this);
  m_format->setObjectName("exportFormat");
  m_format->addItem(tr("ONNX (.onnx)"), "onnx");
  m_format->addItem(tr("Native model (.twbm)"), "twbm");
  m_destination = new QLineEdit(this);
  m_destination->setObjectName("exportDestination");
  auto* browse = new QPushButton(tr("Browse…"), this);
  m_export = new QPushButton(tr("&Export"), this);
  m_export->setObjectName("export");
  m_busy = new QProgressBar(this);
  m_busy->setRange(0, 0);  // busy: the node exports, then the file downloads
  m_busy->hide();
  m_status = new QLabel(this);
  m_status->setObjectName("exportStatus");
  m_status->setWordWrap(true);
  auto* exportBox = new QGroupBox(tr("Export the model"), this);
  auto* exportForm = new QFormLayout(exportBox);
  auto* destinationRow = new QHBoxLayout;
  destinationRow->addWidget(m_destination, 1);
  destinationRow->addWidget(browse);
  exportForm->addRow(tr("Format"), m_format);
  exportForm->addRow(tr("Save to"), destinationRow);
  exportForm->addRow(m_export);
  exportForm->addRow(m_busy);
  exportForm->addRow(m_status);

  m_reportSummary = new QLabel(this);
  m_reportSummary->setObjectName("quantizeReport");
  m_reportSummary->setWordWrap(true);  // a dataset's long path wraps instead of widening the window
  m_reportSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_layers = new QTableWidget(0, 4, this);
  m_layers->setHorizontalHeaderLabels({tr("Layer"), tr("Op"), tr("Precision"), tr("SQNR (dB)")});
  m_layers->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  m_layers->setEditTriggers(QAbstractItemView::NoEditTriggers);

  auto* runRow = new QHBoxLayout;
  runRow->addWidget(new QLabel(tr("Run"), this));
  runRow->addWidget(m_run, 1);
  auto* columns = new QHBoxLayout;
  columns->addWidget(quantizeBox);
  columns->addWidget(exportBox);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(runRow);
  layout->addLayout(columns);
  layout->addWidget(m_reportSummary);
  layout->addWidget(m_layers, 1);

  connect(m_run, &QComboBox::currentIndexChanged, this, &ExportPanel::showReport);
  // A run picked here outlasts the browser's earlier choice when the list is read again.
  connect(m_run, &QComboBox::activated, this,
          [this] { m_wanted = m_run->currentData().toLongLong(); });
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the model"), m_destination->text());
    if (path.isEmpty()) return;
    m_destination->setText(path);
    m_replaceAgreed = path;
  });
  connect(m_quantize, &QPushButton::clicked, this, [this] {
    app::QuantizeSettings settings;
    settings.samples = m_samples->value();
    settings.observer = m_observer->currentText();
    settings.scheme = m_scheme->currentText();
    settings.maxDrop = m_maxDrop->value() < 0 ? -1 : m_maxDrop->value();
    try {
      m_controller.quantizeRun(m_run->currentData().toLongLong(), settings);
    } catch (const app::StoreError& e) {
      m_status->setText(tr("Not quantized: %1").arg(QString::fromUtf8(e.what())));
      return;
    }
    m_status->setText(tr("Quantizing on the node; the int8 run appears in the runs list."));
  });
  connect(m_export, &QPushButton::clicked, this, [this] {
    // Typed relative paths are taken from the workbench's folder, and said in full.
    const QString path = QFileInfo(m_destination->text().trimmed()).absoluteFilePath();
    if (!mayWrite(path)) return;
    m_export->setEnabled(false);
    m_busy->show();
    m_status->setText(tr("Exporting…"));
    m_controller.exportRun(m_run->currentData().toLongLong(), m_format->currentData().toString(),
                           path);
  });
  connect(&m_controller, &app::WorkbenchController::exported, this, [this](qint64, const QString& path) {
    m_busy->hide();
    m_export->setEnabled(true);
    m_status->setText(tr("Saved %1").arg(path));
  });
  connect(&m_controller, &app::WorkbenchController::exportFailed, this,
          [this](qint64, const QString& message) {
            m_busy->hide();
            m_export->setEnabled(true);
            m_status->setText(tr("Export failed: %1").arg(message));
          });
}

bool ExportPanel::mayWrite(const QString& path) {
  const QFileInfo file(path);
  QString problem;
  if (m_destination->text().trimmed().isEmpty())
    problem = tr("Choose where to save the model.");
  else if (file.isDir())
    problem = tr("%1 is a folder: add the file's name, e.g. %2")
                  .arg(QDir::toNativeSeparators(path),
                       QDir::toNativeSeparators(
                           QDir(path).filePath(m_run->currentText().section(" (", 0, -2) + "." +
                                               m_format->currentData().toString())));
  else if (!file.dir().exists())
    problem = tr("The folder %1 does not exist.").arg(QDir::toNativeSeparators(file.path()));
  else if (!QFileInfo(file.path()).isWritable())
    problem = tr("The folder %1 cannot be written to.").arg(QDir::toNativeSeparators(file.path()));
  if (!problem.isEmpty()) {
    m_status->setText(problem);
    return false;
  }
  if (file.exists() && path != m_replaceAgreed &&
      QMessageBox::question(
          this, tr("Export the model"),
          tr("%1 already exists. Replace it?").arg(QDir::toNativeSeparators(path)),
          QMessageBox::Yes | QMessageBox::No, QMessageBox::No) != QMessageBox::Yes) {
    m_status->setText(
        tr("Not exported: %1 is kept as it was.").arg(QDir::toNativeSeparators(path)));
    return false;
  }
  return true;
}

void ExportPanel::showRun(qint64 runId) {
  m_wanted = runId;
  if (const int index = m_run->findData(runId); index >= 0) m_run->setCurrentIndex(index);
}

void ExportPanel::refresh() {
  const int read = ++m_listRead;
  m_reader.read<QList<app::Run>>(
      this,
      [projectId = m_controller.projectId()](const app::ExperimentStore& store) {
        QList<app::Run> runs = store.runs(projectId);
        // Runs with a model: finished ones, and stopped ones whose node kept the model as
        // trained so far (runs stopped before engines kept it have none).
        runs.removeIf([](const app::Run& run) {
          return run.state != app::RunState::Succeeded &&
                 !(run.state == app::RunState::Cancelled && run.summary.contains("model_bytes"));
        });
        return runs;
      },
      [this, read](QList<app::Run> runs) {
        if (read != m_listRead) return;
        m_runs = runs;
        const qint64 chosen = m_run->currentData().toLongLong();
        const QSignalBlocker blocker(m_run);
        m_run->clear();
        for (const app::Run& run : std::as_const(m_runs))
          m_run->addItem(run.state == app::RunState::Cancelled
                             ? tr("%1 (%2, stopped early)").arg(run.name, run.precision)
                             : run.name + " (" + run.precision + ")",
                         run.id);
        const int wanted = m_run->findData(m_wanted), index = m_run->findData(chosen);
        m_run->setCurrentIndex(wanted >= 0 ? wanted : index >= 0 ? index : m_run->count() - 1);
        showReport();
      });
}

void ExportPanel::showReport() {
  m_layers->setRowCount(0);
  m_reportSummary->clear();
  const qint64 runId = m_run->currentData().toLongLong();
  for (const app::Run& run : std::as_const(m_runs))
    if (run.id == runId) m_quantize->setEnabled(app::runKind(run) == "train");
  const int read = ++m_reportRead;
  m_reader.read<QList<QByteArray>>(
      this, [runId](const app::ExperimentStore& store) { return store.events(runId, "quantize"); },
      [this, read](QList<QByteArray> events) {
        if (read == m_reportRead) fillReport(events);
      });
}

void ExportPanel::fillReport(const QList<QByteArray>& events) {
  if (events.isEmpty()) {
    emit shown();
    return;
  }
  const QJsonObject event = QJsonDocument::fromJson(events.back()).object();
  const QJsonObject report = event.value("report").toObject();
  const QLocale locale;
  const double fp32Speed = report.value("fp32").toObject().value("samples_per_s_b64").toDouble();
  const double int8Speed = report.value("int8").toObject().value("samples_per_s_b64").toDouble();
  QString text = tr("fp32 %1 % → int8 %2 % test accuracy; %3 → %4 (%5× smaller); %6 layers in int8")
                     .arg(event.value("fp32_accuracy").toDouble() * 100, 0, 'f', 2)
                     .arg(event.value("int8_accuracy").toDouble() * 100, 0, 'f', 2)
                     .arg(locale.formattedDataSize(event.value("fp32_bytes").toInteger()),
                          locale.formattedDataSize(event.value("int8_bytes").toInteger()))
                     .arg(report.value("size_ratio").toDouble(), 0, 'f', 2)
                     .arg(event.value("int8_layers").toInt());
  // A model too small for int8 to pay (the mlp on a CPU without VNNI) is said to be slower,
  // not "0.97× faster".
  if (fp32Speed > 0 && int8Speed > 0)
    text += "\n" + tr("Inference at batch 64: fp32 %1 → int8 %2 samples/s (%3)")
                       .arg(locale.toString(fp32Speed, 'f', 0), locale.toString(int8Speed, 'f', 0),
                            int8Speed >= fp32Speed
                                ? tr("%1× faster").arg(int8Speed / fp32Speed, 0, 'f', 2)
                                : tr("%1× as fast: slower than fp32 on this node")
                                      .arg(int8Speed / fp32Speed, 0, 'f', 2));
  const QJsonObject hardest = report.value("hardest_hit_class").toObject();
  const double points = hardest.value("points").toDouble();
  if (!hardest.isEmpty())
    text += "\n" + (points >= 0 ? tr("No class loses accuracy in int8.")
                                : tr("The class int8 costs most: %1, %2 % → %3 % (%4 points)")
                                      .arg(hardest.value("name").toString())
                                      .arg(hardest.value("fp32").toDouble() * 100, 0, 'f', 2)
                                      .arg(hardest.value("int8").toDouble() * 100, 0, 'f', 2)
                                      .arg(QString::asprintf("%+.2f", points)));
  // Which data the numbers come from: the node picks the run's own unless told otherwise.
  const QJsonObject calibration = report.value("calibration").toObject();
  const QJsonObject evaluation = report.value("evaluation").toObject();
  if (!calibration.isEmpty())
    text += "\n" + tr("Calibrated on %1 samples of %2 (%3 observer, %4 weights); evaluated on %5 "
                      "samples of %6")
                       .arg(locale.toString(calibration.value("samples").toInteger()),
                            calibration.value("dataset").toString(),
                            calibration.value("observer").toString(),
                            calibration.value("scheme").toString(),
                            locale.toString(evaluation.value("samples").toInteger()),
                            evaluation.value("dataset").toString());
  m_reportSummary->setText(text);
  const QJsonArray layers = report.value("layers").toArray();
  m_layers->setRowCount(static_cast<int>(layers.size()));
  for (int row = 0; row < layers.size(); ++row) {
    const QJsonObject layer = layers[row].toObject();
    const QJsonValue sqnr = layer.value("sqnr_db");
    const QStringList cells = {layer.value("name").toString(), layer.value("op").toString(),
                               layer.value("precision").toString(),
                               sqnr.isDouble() ? QString::number(sqnr.toDouble(), 'f', 1) : "∞"};
    for (int column = 0; column < cells.size(); ++column)
      m_layers->setItem(row, column, new QTableWidgetItem(cells[column]));
  }
  emit shown();
}

}  // namespace ui
}  // namespace twb
