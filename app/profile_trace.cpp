#include "app/profile_trace.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QSet>

namespace twb::app {

namespace {
enum Row { kCompute = 1, kData = 2, kFirstCommunication = 10 };  // + rank

QJsonObject slice(const QString& name, const QString& category, double startUs, double ms, int row,
                  const QJsonObject& args) {
  return {{"name", name},    {"cat", category}, {"ph", "X"},  {"ts", startUs},
          {"dur", ms * 1e3}, {"pid", 1},        {"tid", row}, {"args", args}};
}

QJsonObject rowName(int row, const QString& name) {
  return {{"name", "thread_name"},
          {"ph", "M"},
          {"pid", 1},
          {"tid", row},
          {"args", QJsonObject{{"name", name}}}};
}
}  // namespace

QJsonDocument chromeTraceFromProfiles(const QList<QByteArray>& profileEvents) {
  QJsonArray events{rowName(kCompute, "compute"), rowName(kData, "data")};
  QSet<int> ranksNamed;
  for (const QByteArray& json : profileEvents) {
    const QJsonObject profile = QJsonDocument::fromJson(json).object();
    if (profile.isEmpty()) continue;
    const int step = profile.value("step").toInt();
    const QJsonObject stepArgs{{"step", step}};
    // The event is sent when the step ends: its slices end there too.
    const double stepStart =
        profile.value("time").toDouble() * 1e6 - profile.value("step_ms").toDouble() * 1e3;
    double at = stepStart;
    // Data parallel: a row per rank with each bucket's all-reduce, as Horovod's timeline has.
    for (const QJsonValue& v : profile.value("comm").toArray()) {
      const QJsonObject c = v.toObject();
      const int rank = c.value("rank").toInt();
      if (!ranksNamed.contains(rank)) {
        ranksNamed.insert(rank);
        events.append(rowName(kFirstCommunication + rank, QString("communication, rank %1").arg(rank)));
      }
      events.append(slice(QString("all-reduce, bucket %1").arg(c.value("bucket").toInt()),
                          "communication", stepStart + c.value("start_ms").toDouble() * 1e3,
                          c.value("ms").toDouble(), kFirstCommunication + rank,
                          {{"step", step}, {"rank", rank}, {"bytes", c.value("bytes")}}));
    }
    const double dataMs = profile.value("data_ms").toDouble();
    if (dataMs > 0) events.append(slice("data", "data", at, dataMs, kData, stepArgs));
    at += dataMs * 1e3;
    const QJsonArray layers = profile.value("layers").toArray();
    auto layerSlice = [&](const QJsonObject& layer, bool backward) {
      const double ms = layer.value(backward ? "backward_ms" : "forward_ms").toDouble();
      const QString name = layer.value("name").toString();
      events.append(slice(
          backward ? name + " (backward)" : name, backward ? "backward" : "forward", at, ms,
          kCompute,
          {{"step", step}, {"op", layer.value("op")}, {"precision", layer.value("precision")}}));
      at += ms * 1e3;
    };
    // Data parallel's deferred updates ran between forward's layers: summed into one slice from
    // forward's start, on the data row, as the engine's own trace shows them.
    const double optimizerMs = profile.value("optimizer_ms").toDouble();
    const bool optimizerInForward = profile.value("optimizer_in_forward").toBool();
    if (optimizerMs > 0 && optimizerInForward)
      events.append(slice("optimizer", "optimizer", at, optimizerMs, kData, stepArgs));
    for (const QJsonValue& layer : layers) layerSlice(layer.toObject(), false);
    for (qsizetype i = layers.size() - 1; i >= 0; --i)
      if (layers[i].toObject().value("backward_ms").toDouble() > 0)
        layerSlice(layers[i].toObject(), true);
    if (optimizerMs > 0 && !optimizerInForward)
      events.append(slice("optimizer", "optimizer", at, optimizerMs, kCompute, stepArgs));
  }
  return QJsonDocument(QJsonObject{{"traceEvents", events}, {"displayTimeUnit", "ms"}});
}

}  // namespace twb::app
