#pragma once

#include <QWidget>

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
  explicit ExportPanel(app::WorkbenchController& controller, QWidget* parent = nullptr);
  void refresh();  // the finished runs to choose from
  void showRun(qint64 runId);  // chooses it when it is one of them

 private:
  void showReport();

  app::WorkbenchController& m_controller;
  QComboBox *m_run, *m_format, *m_observer, *m_scheme;
  QSpinBox* m_samples;
  QDoubleSpinBox* m_maxDrop;
  QLineEdit* m_destination;
  QPushButton *m_export, *m_quantize;
  QProgressBar* m_busy;
  QLabel *m_status, *m_reportSummary;
  QTableWidget* m_layers;
};

}  // namespace ui
}  // namespace twb
