#include "ui/parallel_coordinates.h"

#include <qcustomplot.h>

#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <map>

#include "app/varying_job_fields.h"
#include "ui/charts.h"

namespace twb::ui {

namespace {
// Up to this many different numbers on an axis are each labelled; beyond, its ends alone.
constexpr size_t kLabelledValues = 8;

// Where an axis puts its values, from 0 (bottom) to 1 (top), and the labels it shows.
struct AxisScale {
  bool numeric = true, log = false;
  double low = 0, high = 0;
  std::vector<double> distinct;  // the numbers, ascending, each once
  std::map<QString, double> categories;

  explicit AxisScale(const QList<QJsonValue>& values) {
    QList<double> numbers;
    for (const QJsonValue& v : values)
      if (v.isDouble())
        numbers << v.toDouble();
      else if (!v.isUndefined() && !v.isNull())
        numeric = false;
    if (numeric && !numbers.isEmpty()) {
      distinct.assign(numbers.begin(), numbers.end());
      std::sort(distinct.begin(), distinct.end());
      distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
      low = distinct.front();
      high = distinct.back();
      log = low > 0 && high / low > 20;
      return;
    }
    numeric = false;
    for (const QJsonValue& v : values)
      if (!v.isUndefined() && !v.isNull()) categories[app::jobValueText(v)] = 0;
    int i = 0;
    for (auto& [text, at] : categories)
      at = categories.size() == 1 ? 0.5 : double(i++) / double(categories.size() - 1);
  }
  std::optional<double> at(const QJsonValue& v) const {
    if (v.isUndefined() || v.isNull()) return std::nullopt;
    if (!numeric) return categories.at(app::jobValueText(v));
    if (high == low) return 0.5;
    const double x = v.toDouble();
    return log ? (std::log(x) - std::log(low)) / (std::log(high) - std::log(low))
               : (x - low) / (high - low);
  }
  // (position, label) pairs along the axis.
  QList<std::pair<double, QString>> labels() const {
    QList<std::pair<double, QString>> out;
    if (!numeric) {
      for (const auto& [text, at] : categories) out.append({at, text});
    } else if (high == low) {
      out.append({0.5, QString::number(low, 'g', 6)});
    } else {
      out.append({0, QString::number(low, 'g', 4)});
      out.append({1, QString::number(high, 'g', 4) + (log ? " (log)" : "")});
      // A sweep's few values each get their label, where it does not crowd another.
      if (distinct.size() <= kLabelledValues)
        for (double value : distinct) {
          const double y = *at(QJsonValue(value));
          if (std::all_of(out.begin(), out.end(),
                          [y](const auto& l) { return std::abs(l.first - y) >= 0.06; }))
            out.append({y, QString::number(value, 'g', 4)});
        }
    }
    return out;
  }
};
}  // namespace

ParallelCoordinates::ParallelCoordinates(QWidget* parent) : QWidget(parent) {
  m_plot = new QCustomPlot(this);
  m_plot->setObjectName("parallelCoordinates");
  m_plot->setMinimumHeight(200);
  m_plot->yAxis->setVisible(false);
  m_plot->xAxis->grid()->setVisible(false);
  m_plot->legend->setVisible(false);
  followPalette(m_plot);
  offerSaving(m_plot);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_plot);
}

void ParallelCoordinates::setLines(const QStringList& axes, const QString& resultAxis,
                                   const QList<Line>& lines) {
  m_plot->clearPlottables();
  m_plot->clearItems();
  m_byResult.clear();
  const int count = static_cast<int>(axes.size()) + 1;
  std::vector<AxisScale> scales;
  for (int a = 0; a < count; ++a) {
    QList<QJsonValue> values;
    for (const Line& line : lines)
      values << (a < axes.size() ? line.values.value(a)
                                 : (line.result ? QJsonValue(*line.result) : QJsonValue()));
    scales.emplace_back(values);
  }
  const QColor text = palette().color(QPalette::Text);
  auto ticker = QSharedPointer<QCPAxisTickerText>::create();
  for (int a = 0; a < count; ++a) {
    ticker->addTick(a, a < axes.size() ? axes[a] : resultAxis);
    auto* axisLine = new QCPItemLine(m_plot);
    axisLine->start->setCoords(a, 0);
    axisLine->end->setCoords(a, 1);
    axisLine->setPen(QPen(text, 1));
    for (const auto& [at, label] : scales[static_cast<size_t>(a)].labels()) {
      auto* item = new QCPItemText(m_plot);
      item->position->setCoords(a, at);
      item->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
      item->setPadding(QMargins(4, 0, 0, 0));
      item->setText(label);
      item->setColor(text);
    }
  }
  m_plot->xAxis->setTicker(ticker);

  // Best first, and of equal results the first run (as the table marks it); drawn in reverse,
  // so the best lies on top.
  QList<const Line*> order;
  for (const Line& line : lines) order << &line;
  std::stable_sort(order.begin(), order.end(), [](const Line* x, const Line* y) {
    if (!x->result || !y->result) return x->result && !y->result;
    return *x->result > *y->result;
  });
  std::reverse(order.begin(), order.end());
  // Now worst to best: the first with a result has the lowest, the last the highest.
  const auto firstRanked = std::find_if(order.cbegin(), order.cend(),
                                        [](const Line* line) { return line->result.has_value(); });
  const double worst = firstRanked == order.cend() ? 0 : *(*firstRanked)->result;
  const double best = order.isEmpty() || !order.back()->result ? 0 : *order.back()->result;
  QCPColorGradient gradient(QCPColorGradient::gpThermal);
  for (const Line* line : order) {
    auto* curve = new QCPCurve(m_plot->xAxis, m_plot->yAxis);
    curve->setName(line->name);
    for (int a = 0; a < count; ++a) {
      const QJsonValue v = a < axes.size()
                               ? line->values.value(a)
                               : (line->result ? QJsonValue(*line->result) : QJsonValue());
      if (const auto y = scales[static_cast<size_t>(a)].at(v)) curve->addData(a, *y);
    }
    if (!line->result) {
      curve->setPen(QPen(Qt::gray, 1, Qt::DashLine));
    } else {
      const double t = best > worst ? (*line->result - worst) / (best - worst) : 1;
      const bool isBest = line == order.back();
      curve->setPen(QPen(QColor::fromRgb(gradient.color(0.25 + 0.6 * t, QCPRange(0, 1))),
                         isBest ? 3.5 : 1.5));
    }
    curve->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
  }
  for (auto it = order.crbegin(); it != order.crend(); ++it) m_byResult << (*it)->name;
  m_plot->xAxis->setRange(-0.3, count - 0.4);
  m_plot->yAxis->setRange(-0.08, 1.08);
  m_plot->replot();
}

}  // namespace twb::ui
