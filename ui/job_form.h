#pragma once

#include <QJsonObject>
#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTimer;

namespace twb {
namespace ui {

// The job configuration: node, parallel strategy, model (a template, or a model file that
// overrides it), dataset, precision, schedule, evaluation and checkpoint cadence, optimizer, schedule, batch, epochs,
// step budget, seed. Every change is checked at once where the form can tell (lr > 0, batch > 0)
// and then by the node's dry run (ValidateJob: a missing dataset, a model that does not fit it);
// a problem shows under the field it concerns and the Run button stays disabled until it is
// fixed. The job is the same JSON the CLI takes.
class JobForm : public QWidget {
  Q_OBJECT

 public:
  explicit JobForm(QWidget* parent = nullptr);

  QJsonObject job() const;
  void setJob(const QJsonObject& job);
  QString node() const;                     // where to run: "local" or a saved node's name
  void setNodes(const QStringList& names);  // the saved nodes, offered after "local"
  bool isValid() const { return m_valid; }

 public slots:
  // The node's answer to validationRequested(ticket).
  void showValidation(int ticket, bool ok, const QString& path, const QString& message,
                      const QJsonObject& summary);

 signals:
  void validationRequested(const QJsonObject& job, int ticket, const QString& node);
  void runRequested(const QJsonObject& job, const QString& node);
  void comparePrecisionsRequested(const QJsonObject& job, const QString& node);

 private:
  void changed();
  void showProblem(const QString& path, const QString& message);
  QLabel* errorLabelFor(const QString& path) const;

  QComboBox *m_template, *m_precision, *m_optimizer, *m_node, *m_schedule, *m_strategy;
  QLineEdit *m_name, *m_dataset, *m_modelFile;
  QDoubleSpinBox* m_lr;
  QSpinBox *m_batch, *m_epochs, *m_maxSteps, *m_seed, *m_logEvery, *m_profileEvery, *m_warmup,
      *m_evalEvery, *m_checkpointEvery;
  QLabel *m_modelError, *m_datasetError, *m_lrError, *m_batchError, *m_nodeError, *m_generalError,
      *m_summary;
  QPushButton *m_run, *m_compare;
  QTimer* m_debounce;
  int m_ticket = 0;
  bool m_valid = false;
};

}  // namespace ui
}  // namespace twb
