#pragma once

#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QTableWidgetItem>
#include <optional>

#include "app/experiment_store.h"
#include "app/run_summary.h"

// The cells of the Compare table: each sorts by the number behind its text (kValueRole), which
// the CSV writes raw; headers carry their unit (kUnitRole).
namespace twb {
namespace ui {

// The raw number behind a cell's text (sorting, CSV); a header's unit for the CSV.
constexpr int kValueRole = Qt::UserRole + 1;
constexpr int kUnitRole = Qt::UserRole + 2;

QTableWidgetItem* cell(const QString& text);
// A numeric cell: `text` shows `value` formatted; empty when there is no value.
QTableWidgetItem* cell(const QString& text, std::optional<double> value);
QTableWidgetItem* header(const QString& text, const QString& unit = {});
// A job field's value as a cell: numbers sort as numbers.
QTableWidgetItem* fieldCell(const QJsonValue& value);

// Where a run trained: its device, its ranks and nodes.
QTableWidgetItem* ranOnCell(const app::RunPlacement& placement);
// A run's throughput per rank against the baseline's, which ran on `baselineRanks`; its tooltip
// says where a step's time went against the baseline's, from the runs' summaries. `work`: a
// rank's samples a step over a baseline rank's (below 1 where the runs split one global batch),
// which the baseline's times are scaled by: what linear scaling would take.
QTableWidgetItem* scalingCell(double speedup, int ranks, int baselineRanks, double work,
                              const QJsonObject& summary, const QJsonObject& baselineSummary);
// The run's sustained FLOP rate against its nodes' matmul peaks in the run's precision.
QTableWidgetItem* mfuCell(const app::Run& run, const app::RunPlacement& placement,
                          const QHash<QString, QJsonObject>& nodes);

}  // namespace ui
}  // namespace twb
