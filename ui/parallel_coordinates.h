#pragma once

#include <QJsonValue>
#include <QList>
#include <QStringList>
#include <QWidget>
#include <optional>

class QCustomPlot;

namespace twb::ui {

// A parallel-coordinates chart of runs (W&B's sweep chart): a vertical axis per hyper-parameter
// and a last one for the result, each run a line through its values, coloured by its result
// (the best brightest and thickest; runs without one grey and dashed). Numbers sit on a linear
// axis, or a logarithmic one when they are all positive and span more than 20x (learning
// rates); text, booleans and lists are categories, evenly spaced.
class ParallelCoordinates : public QWidget {
  Q_OBJECT

 public:
  struct Line {
    QString name;
    QList<QJsonValue> values;      // one per axis
    std::optional<double> result;  // higher is better
  };

  explicit ParallelCoordinates(QWidget* parent = nullptr);
  void setLines(const QStringList& axes, const QString& resultAxis, const QList<Line>& lines);
  QCustomPlot* plot() const { return m_plot; }
  // The drawn lines' names, the best first, then by result; those without one last.
  QStringList drawnByResult() const { return m_byResult; }

 private:
  QCustomPlot* m_plot;
  QStringList m_byResult;
};

}  // namespace twb::ui
