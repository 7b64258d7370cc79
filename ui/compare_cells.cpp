#include "ui/compare_cells.h"

#include <QCoreApplication>
#include <QJsonArray>

#include "app/varying_job_fields.h"

namespace twb {
namespace ui {

namespace {
// The Compare table's words, translated with its panel's.
struct Words {
  Q_DECLARE_TR_FUNCTIONS(twb::ui::ComparePanel)
};

// A cell that sorts by its number where it has one (cells without one go last), by text
// otherwise: "9,000" before "12,000", "-0.40 pt" before "+0.10 pt".
class Cell : public QTableWidgetItem {
 public:
  explicit Cell(const QString& text) : QTableWidgetItem(text) {}
  Cell(const QString& text, double value) : QTableWidgetItem(text) {
    setData(kValueRole, value);
    setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  }
  bool operator<(const QTableWidgetItem& other) const override {
    const QVariant mine = data(kValueRole), theirs = other.data(kValueRole);
    if (mine.isValid() != theirs.isValid()) return mine.isValid();
    if (mine.isValid()) return mine.toDouble() < theirs.toDouble();
    return text() < other.text();
  }
};

}  // namespace

QTableWidgetItem* cell(const QString& text) { return new Cell(text); }

QTableWidgetItem* cell(const QString& text, std::optional<double> value) {
  return value ? new Cell(text, *value) : new Cell(QString());
}

QTableWidgetItem* header(const QString& text, const QString& unit) {
  auto* item = new QTableWidgetItem(text);
  item->setData(kUnitRole, unit);
  return item;
}

QTableWidgetItem* fieldCell(const QJsonValue& value) {
  return value.isDouble() ? cell(app::jobValueText(value), value.toDouble())
                          : cell(app::jobValueText(value));
}

QTableWidgetItem* ranOnCell(const app::RunPlacement& placement) {
  const QString device = placement.onGpu() ? placement.device.section(' ', 0, 0) : Words::tr("CPU");
  QString text = device;
  if (placement.nodes.size() > 1)
    text = Words::tr("%1 · %2 ranks on %3 nodes")
               .arg(device)
               .arg(placement.ranks)
               .arg(placement.nodes.size());
  else if (placement.ranks > 1)
    text = Words::tr("%1 · %2 ranks").arg(device).arg(placement.ranks);
  QTableWidgetItem* item = cell(text);
  item->setToolTip(Words::tr("%1 on %2").arg(placement.device, placement.nodes.join(", ")));
  return item;
}

QTableWidgetItem* scalingCell(double speedup, int ranks, int baselineRanks, double work,
                              const QJsonObject& summary, const QJsonObject& baselineSummary) {
  if (speedup <= 0) return cell(QString());
  // Throughput per rank against the baseline's: 100 % is linear scaling.
  const double efficiency = 100 * speedup * baselineRanks / ranks;
  QTableWidgetItem* item = cell(QString::number(efficiency, 'f', 0) + " %", efficiency);
  QString tip =
      Words::tr("%1 ranks at %2× the throughput of the baseline's %3: %4 % of linear scaling")
          .arg(ranks)
          .arg(speedup, 0, 'f', 2)
          .arg(baselineRanks)
          .arg(efficiency, 0, 'f', 1);
  // Why: a rank's step against the baseline's for as many samples, part by part (what scaling
  // loses is the time a step takes beyond that).
  if (summary.contains("step_ms") && baselineSummary.contains("step_ms")) {
    const auto ms = [](double value) { return QString::number(value, 'f', 2); };
    const double step = summary.value("step_ms").toDouble(),
                 baselineStep = baselineSummary.value("step_ms").toDouble();
    tip += "\n" + (work == 1 ? Words::tr("A rank's step: %1 ms against the baseline's %2 ms")
                                   .arg(ms(step), ms(baselineStep))
                             : Words::tr("A rank's step: %1 ms against %2 ms, the baseline's %3 "
                                         "ms for a rank's %4 % of its samples")
                                   .arg(ms(step), ms(baselineStep * work), ms(baselineStep))
                                   .arg(100 * work, 0, 'f', 0));
    const std::pair<const char*, QString> parts[] = {
        {"compute_ms", Words::tr("compute")},
        {"exposed_comm_ms", Words::tr("communication that compute did not hide")},
        {"data_ms", Words::tr("data")}};
    for (const auto& [field, name] : parts) {
      if (!summary.contains(field)) continue;
      const double mine = summary.value(field).toDouble(),
                   theirs = baselineSummary.value(field).toDouble() * work;
      tip += "\n" + Words::tr("  %1: %2 ms (%3), %4 ms")
                        .arg(name, ms(mine), ms(theirs))
                        .arg(mine - theirs >= 0 ? "+" + ms(mine - theirs) : ms(mine - theirs));
    }
  }
  item->setToolTip(tip);
  return item;
}

QTableWidgetItem* mfuCell(const app::Run& run, const app::RunPlacement& placement,
                          const QHash<QString, QJsonObject>& nodes) {
  if (placement.onGpu()) {  // the nodes' peaks are their CPUs'
    QTableWidgetItem* item = cell(QString());
    item->setToolTip(
        Words::tr("Trained on %1: the node's matmul peak is its CPU's").arg(placement.device));
    return item;
  }
  const double gflops = run.summary.value("gflops").toDouble();
  // A run across nodes against the peaks of them all.
  double peak = 0;
  for (const QString& node : placement.nodes)
    for (const QJsonValue& p : nodes.value(node).value("peaks").toArray())
      if (p.toObject().value("precision") == run.precision)
        peak += p.toObject().value("gflops").toDouble();
  if (gflops <= 0 || peak <= 0) return cell(QString());
  const double mfu = 100 * gflops / peak;
  QTableWidgetItem* item = cell(QString::number(mfu, 'f', 1) + " %", mfu);
  // Against its own precision's peak: a bf16 run on a CPU without native bf16 is measured
  // against what bf16 can do there, not against fp32.
  QString tip = Words::tr("%1 GFLOP/s sustained of %2's %3 matmul peak, %4 GFLOP/s")
                    .arg(gflops, 0, 'f', 1)
                    .arg(placement.nodes.join(" + "), run.precision)
                    .arg(peak, 0, 'f', 1);
  // MFU counts the model's FLOPs, each convolution as a direct one.
  if (mfu > 100)
    tip += "\n" + Words::tr(
                      "Over 100 %: FLOPs are counted as direct convolutions; Winograd layers "
                      "multiply less");
  item->setToolTip(tip);
  return item;
}

}  // namespace ui
}  // namespace twb
