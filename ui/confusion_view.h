#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QVector>
#include <QWidget>

class QComboBox;
class QCustomPlot;
class QLabel;

namespace twb {
namespace ui {

// One run's confusion matrix as a heat map: a row per label, top to bottom, a column per answer;
// each cell is the share of the label's samples given that answer (colour) and their count
// (text, up to 20 classes). Against another run, each cell is the change in points instead,
// red where the run does worse (fewer right answers, more of a wrong one) and blue where it does
// better: what int8 or bf16 costs, confusion by confusion.
class ConfusionView : public QWidget {
  Q_OBJECT

 public:
  // A run with its `per_class` object (docs/events.md), which holds `confusion` when the run
  // has one.
  struct Source {
    qint64 id = 0;
    QString name;
    QJsonObject perClass;
  };

  explicit ConfusionView(QWidget* parent = nullptr);

  // The runs to choose from; the chosen ones stay chosen while they are among them, and a new
  // view shows the newest run alone.
  void setRuns(const QList<Source>& runs);
  // Draws `runId`'s matrix, against `againstId`'s (0: none).
  void choose(qint64 runId, qint64 againstId = 0);
  qint64 run() const;      // the run drawn
  qint64 against() const;  // the run it is drawn against; 0: none
  QCustomPlot* chart() const { return m_chart; }
  QString note() const;  // why nothing is drawn, when nothing is
  // A cell in words, as its tooltip says it: "Shirt taken for T-shirt/top: 231 of 1000 (23.10 %)",
  // and the other run's share when drawn against one. Empty outside the matrix.
  QString describeCell(int label, int answer) const;

 private:
  void draw();
  Source source(qint64 id) const;  // the run of that id; an empty one when none

  QList<Source> m_runs;
  // Each drawn cell's share of its label's samples (percent), the run's and the other run's.
  QVector<QVector<double>> m_shares, m_otherShares;
  QComboBox *m_run, *m_against;
  QLabel* m_note;
  QCustomPlot* m_chart;
};

}  // namespace ui
}  // namespace twb
