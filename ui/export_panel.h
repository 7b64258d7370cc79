#pragma once

#include <QByteArray>
#include <QList>
#include <QWidget>

#include "app/experiment_store.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace twb {
namespace app {
class StoreReader;
class WorkbenchController;
}  // namespace app

namespace ui {

// Quantize a finished run's model to int8 on its node (calibration samples, observer, scheme,
// largest accuracy drop), read the report (accuracy and size in fp32 and int8, per-layer
// precision and SQNR), and write any finished run's model to a chosen file, as ONNX (QDQ for
// int8) or as the native .twbm file.
class ExportPanel : public QWidget {
  Q_OBJECT

 public:
  ExportPanel(app::WorkbenchController& controller, app::StoreReader& reader, QWidget* parent = nullptr);
  // Reads again, off the GUI thread, the finished runs to choose from; shown() when the chosen
  // run's quantization report is in.
  void refresh();
  void showRun(qint64 runId);  // chooses it when it is one of them, now or once they are read

 signals:
  void shown();

 private:
  void showReport();  // reads the chosen run's quantization report, then shows it
  void fillReport(const QList<QByteArray>& quantizeEvents);
  // Whether the model may be written at `path`: says what stops it, or asks before a file that
  // is there is replaced, in the status line or a question.
  bool mayWrite(const QString& path);

  app::WorkbenchController& m_controller;
  app::StoreReader& m_reader;
  QList<app::Run> m_runs;  // the finished runs offered
  qint64 m_wanted =
      0;  // the run last chosen, in the browser or here: kept when the list is read again
  int m_listRead = 0, m_reportRead = 0;  // the latest reads: older answers are dropped
  QComboBox *m_run, *m_format, *m_observer, *m_scheme;
  QSpinBox* m_samples;
  QDoubleSpinBox* m_maxDrop;
  QLineEdit* m_destination;
  QString m_replaceAgreed;  // a file the save dialog already asked about replacing
  QPushButton *m_export, *m_quantize;
  QProgressBar* m_busy;
  QLabel *m_status, *m_reportSummary;
  QTableWidget* m_layers;
};

}  // namespace ui
}  // namespace twb
