#include "app/model_graph.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QStringList>

#include "app/experiment_store.h"
#include "app/run_summary.h"
#include "graph/graph.h"
#include "graph/templates.h"
#include "io/edited_model.h"
#include "io/input_shapes.h"
#include "ops/op_catalog.h"

namespace twb::app {

namespace {
nlohmann::json toNlohmann(const QJsonObject& object) {
  return nlohmann::json::parse(QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString());
}

QJsonObject toQt(const nlohmann::json& json) {
  return QJsonDocument::fromJson(QByteArray::fromStdString(json.dump())).object();
}

QVector<qint64> perSample(const Shape& batched) {
  return QVector<qint64>(batched.begin() + (batched.empty() ? 0 : 1), batched.end());
}

ModelGraph graphOf(const ModelSpec& spec) {
  const Graph graph = Graph::build(spec, 1);
  ModelGraph drawn;
  drawn.name = QString::fromStdString(spec.name);
  QVector<int> boxOfValue(static_cast<int>(graph.values().size()), -1);
  for (int value : graph.inputs()) {
    boxOfValue[value] = static_cast<int>(drawn.nodes.size());
    drawn.nodes.append({QString::fromStdString(graph.values()[value].name), "Input",
                        perSample(graph.values()[value].shape), 0, 0});
  }
  for (const GraphNode& node : graph.nodes()) {
    ModelGraphNode box{QString::fromStdString(node.name), QString::fromStdString(node.opName),
                       perSample(graph.values()[node.output].shape), 0, node.forwardFlops};
    for (const ParamSpec& p : node.params)
      if (p.trainable) box.parameters += numel(p.shape);
    const int index = static_cast<int>(drawn.nodes.size());
    for (int value : node.inputs)
      if (boxOfValue[value] >= 0) drawn.edges.append({boxOfValue[value], index});
    boxOfValue[node.output] = index;
    drawn.nodes.append(box);
  }
  return drawn;
}

ModelGraph failed(const QString& message) {
  ModelGraph g;
  g.error = message;
  return g;
}

}  // namespace

int ModelGraph::indexOf(const QString& node) const {
  for (int i = 0; i < nodes.size(); ++i)
    if (nodes[i].name == node) return i;
  return -1;
}

ModelGraph modelGraphOfSpec(const QJsonObject& spec) {
  try {
    return graphOf(ModelSpec::fromJson(toNlohmann(spec), "model"));
  } catch (const std::exception& e) {
    return failed(QString::fromStdString(e.what()));
  }
}

QJsonObject modelSpecOfJob(const QJsonObject& job, QString* error, const QString& jobFolder) {
  const QJsonObject model = job.value("model").toObject();
  if (model.contains("spec")) return model.value("spec").toObject();
  if (model.contains("template")) {
    try {
      return toQt(makeTemplate(model.value("template").toString().toStdString(),
                               toNlohmann(model.value("args").toObject()), "model.args")
                      .toJson());
    } catch (const std::exception& e) {
      *error = QString::fromStdString(e.what());
      return {};
    }
  }
  const QString named = model.value("file").toString();
  if (named.isEmpty()) {
    *error = QCoreApplication::translate("ModelGraph", "The job names no model.");
    return {};
  }
  if (const QString file = localModelFileOfJob(job, jobFolder); !file.isEmpty()) {
    try {
      const auto inputShapes = inputShapesOfModel(toNlohmann(model));
      return toQt(loadModelOrOnnx(file.toStdString(), inputShapes).spec.toJson());
    } catch (const FreeInputSizes& e) {
      *error = QString::fromStdString(missingInputShapes(e).what());
      return {};
    } catch (const std::exception& e) {
      *error = QString::fromStdString(e.what());
      return {};
    }
  }
  const QString file = resolvedModelFile(named, jobFolder);
  if (!jobFolder.isEmpty()) {  // a job file of this machine names a file it lacks
    *error = QCoreApplication::translate("ModelGraph", "model.file: %1: no such file").arg(file);
    return {};
  }
  *error = QCoreApplication::translate(
               "ModelGraph",
               "The model is the file %1 on the node that ran the job, not on this machine; "
               "export it to draw it.")
               .arg(file);
  return {};
}

QMap<QString, QList<qint64>> inputShapesOfJob(const QJsonObject& job, QString* error) {
  QMap<QString, QList<qint64>> shapes;
  try {
    for (const auto& [name, shape] : inputShapesOfModel(toNlohmann(job.value("model").toObject())))
      shapes.insert(QString::fromStdString(name), QList<qint64>(shape.begin(), shape.end()));
  } catch (const std::exception& e) {
    *error = QString::fromStdString(e.what());
    shapes.clear();
  }
  return shapes;
}

QJsonObject inputShapeOfText(const QString& text, QString* error) {
  QJsonObject inputShape;
  for (const QString& part : text.split(';', Qt::SkipEmptyParts)) {
    std::pair<std::string, Shape> parsed;
    try {
      parsed = parseInputShape(QString(part).remove(' ').toStdString());
    } catch (const std::exception&) {
      *error = QCoreApplication::translate("ModelGraph",
                                           "Input sizes are NAME=D1xD2... for each input, "
                                           "separated by ';' (each size at least 1): '%1' is not")
                   .arg(part.trimmed());
      return {};
    }
    const QString name = QString::fromStdString(parsed.first);
    if (inputShape.contains(name)) {
      *error = QCoreApplication::translate("ModelGraph",
                                           "Input sizes give each input once: '%1' gives '%2' "
                                           "again")
                   .arg(part.trimmed(), name);
      return {};
    }
    QJsonArray dims;
    for (const int64_t size : parsed.second) dims.append(static_cast<qint64>(size));
    inputShape[name] = dims;
  }
  return inputShape;
}

QString resolvedModelFile(const QString& named, const QString& jobFolder) {
  return QFileInfo(named).isRelative() && !jobFolder.isEmpty() ? QDir(jobFolder).filePath(named)
                                                               : named;
}

QString localModelFileOfJob(const QJsonObject& job, const QString& jobFolder) {
  const QString named = job.value("model").toObject().value("file").toString();
  if (named.isEmpty()) return {};
  const QString file = resolvedModelFile(named, jobFolder);
  return QFileInfo(file).isAbsolute() && QFileInfo::exists(file) ? file : QString();
}

ModelGraph modelGraphOfJob(const QJsonObject& job) {
  QString error;
  const QJsonObject spec = modelSpecOfJob(job, &error);
  return error.isEmpty() ? modelGraphOfSpec(spec) : failed(error);
}

QJsonArray opCatalog() {
  return QJsonDocument::fromJson(QByteArray::fromStdString(twb::opCatalog().dump())).array();
}

ModelGraph modelGraphOfRun(const ExperimentStore& store, qint64 runId) {
  Run run = store.run(runId);
  for (int hops = 0; runKind(run) == "quantize" && hops < 8; ++hops)  // a quantized quantized run
    run = store.run(
        QJsonDocument::fromJson(run.jobJson.toUtf8()).object().value("source_run").toInteger());
  return modelGraphOfJob(QJsonDocument::fromJson(run.jobJson.toUtf8()).object());
}

QString batchedShapeText(const QVector<qint64>& shape) {
  QStringList dims{"N"};
  for (qint64 d : shape) dims << QString::number(d);
  return dims.join(QChar(0x00D7));
}

}  // namespace twb::app
