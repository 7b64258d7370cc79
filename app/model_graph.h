#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QVector>

#include "app/graph_layout.h"

namespace twb::app {

// One box of a drawn model: a graph input or a node, with what the engine infers of it.
struct ModelGraphNode {
  QString name;
  QString op;             // "Input" for a graph input
  QVector<qint64> shape;  // of its output, per sample (the batch left out)
  qint64 parameters = 0;  // trainable elements
  double flops = 0;       // forward, per sample
};

// A model as the graph views draw it: its inputs and nodes in execution order and the edges
// between them, shapes inferred by the engine (engine/graph). A model the engine refuses has no
// nodes and the engine's own message in `error`.
struct ModelGraph {
  QString name;
  QVector<ModelGraphNode> nodes;
  QVector<LayoutEdge> edges;
  QString error;

  int indexOf(const QString& node) const;  // -1 when absent
};

// A model spec in its JSON form (docs/model-file.md).
ModelGraph modelGraphOfSpec(const QJsonObject& spec);
// The model of a job file (docs/job-file.md): a template with its arguments or an inline spec. A
// model file lives on the node that runs the job, so it is named in `error`, not drawn.
ModelGraph modelGraphOfJob(const QJsonObject& job);

class ExperimentStore;
// The model of a stored run: its job's, or for a run made by quantizing another (docs/events.md),
// the model of the run it quantized.
ModelGraph modelGraphOfRun(const ExperimentStore& store, qint64 runId);

// The spec (docs/model-file.md) of a job's model: a template built with its arguments, the
// inline spec, or the spec a model file of this machine holds (a relative path read from
// `jobFolder`, the folder of the job file, as `twb-engine train FILE` reads it); empty with
// `error` set for a model file this machine lacks or a model the engine refuses.
QJsonObject modelSpecOfJob(const QJsonObject& job, QString* error, const QString& jobFolder = {});
// The model file of this machine a job's model is (its path as modelSpecOfJob reads it), or
// empty: a template, an inline spec, a file this machine lacks.
QString localModelFileOfJob(const QJsonObject& job, const QString& jobFolder = {});
// A job's model.file `named` as `twb-engine train FILE` reads it: a relative path from
// `jobFolder` (when there is one), whether or not the file exists.
QString resolvedModelFile(const QString& named, const QString& jobFolder);

// A job's model's "input_shape" (the sizes its model file leaves free, by input), as the engine
// reads it: empty with `error` naming the field when it is malformed.
QMap<QString, QList<qint64>> inputShapesOfJob(const QJsonObject& job, QString* error);
// "ids=128; image=3x224x224" (the Job tab's "Input sizes", import's NAME=D1xD2... per input, each
// input once) as "input_shape"; empty with `error` naming the first part that is no
// NAME=D1xD2... or gives an input again.
QJsonObject inputShapeOfText(const QString& text, QString* error);

// Every op the engine linked here offers, with its inputs and attribute schema (the same JSON
// as the node service's GetOpCatalog for this engine version).
QJsonArray opCatalog();

// "N×64×56×56": a per-sample shape with the batch in front.
QString batchedShapeText(const QVector<qint64>& shape);

}  // namespace twb::app
