// The engine's own model files as model formats of the designer: ONNX and .twbm, read and
// written by the engine's io library, so the designer refuses exactly what `twb-engine import`
// or `eval` refuse, with the same message. Writing keeps the weights of the file the model was
// opened from wherever the edit left a layer as it was (io/edited_model.h).

#include <QCoreApplication>
#include <QJsonDocument>
#include <QObject>
#include <exception>
#include <functional>

#include "io/edited_model.h"
#include "io/onnx_export.h"
#include "io/onnx_import.h"
#include "plugins/plugin_interfaces.h"

namespace {

QJsonObject toQt(const nlohmann::json& json) {
  return QJsonDocument::fromJson(QByteArray::fromStdString(json.dump())).object();
}

// "a, b, c" and how many more past the first few.
QString namesOf(const std::vector<std::string>& names) {
  constexpr size_t kShown = 6;
  QStringList shown;
  for (size_t i = 0; i < names.size() && i < kShown; ++i) shown << QString::fromStdString(names[i]);
  if (names.size() > kShown)
    shown << QCoreApplication::translate("ModelFiles", "%1 more").arg(names.size() - kShown);
  return shown.join(", ");
}

std::map<std::string, twb::Shape> toEngine(const twb::plugins::InputShapes& shapes) {
  std::map<std::string, twb::Shape> engine;
  for (auto it = shapes.begin(); it != shapes.end(); ++it)
    engine[it.key().toStdString()] = twb::Shape(it.value().begin(), it.value().end());
  return engine;
}

QList<twb::plugins::FreeInput> toPlugin(const std::vector<twb::FreeInput>& inputs) {
  QList<twb::plugins::FreeInput> free;
  for (const twb::FreeInput& input : inputs) {
    QStringList symbols;
    for (const std::string& symbol : input.symbols) symbols << QString::fromStdString(symbol);
    free.append({QString::fromStdString(input.name),
                 QList<qint64>(input.dims.begin(), input.dims.end()), symbols});
  }
  return free;
}

// A model file format of the engine: how it reads a file and how it writes a model.
class EngineModelFormat final : public twb::plugins::ModelFormat {
 public:
  using Reader =
      std::function<twb::ModelFile(const std::string&, const std::map<std::string, twb::Shape>&)>;
  using Writer = std::function<void(const std::string&, const twb::ModelFile&)>;
  EngineModelFormat(QString name, QString suffix, Reader reader, Writer writer)
      : m_name(std::move(name)),
        m_suffix(std::move(suffix)),
        m_read(std::move(reader)),
        m_write(std::move(writer)) {}

  QString name() const override { return m_name; }
  QStringList suffixes() const override { return {m_suffix}; }
  twb::plugins::ModelRead read(const QString& path,
                               const twb::plugins::InputShapes& inputShapes) const override {
    twb::plugins::ModelRead read;
    try {
      const twb::ModelFile model = m_read(path.toStdString(), toEngine(inputShapes));
      for (const std::string& note : model.notes) read.notes << QString::fromStdString(note);
      read.spec = toQt(model.spec.toJson());
    } catch (const twb::FreeInputSizes& e) {  // asked of the user, not told how to give them
      read.error = QString::fromStdString(e.problem());
      read.freeInputs = toPlugin(e.inputs());
    } catch (const std::exception& e) {
      read.error = path + ": " + QString::fromUtf8(e.what());
    }
    return read;
  }
  bool writes() const override { return true; }
  bool write(const QJsonObject& spec, const QString& source,
             const twb::plugins::InputShapes& sourceShapes, const QString& path, QString* note,
             QString* error) const override {
    try {
      const twb::ModelSpec edited = twb::ModelSpec::fromJson(
          nlohmann::json::parse(QJsonDocument(spec).toJson().toStdString()));
      const twb::ModelFile original =
          source.isEmpty() ? twb::ModelFile{}
                           : twb::loadModelOrOnnx(source.toStdString(), toEngine(sourceShapes));
      const twb::EditedModel model = twb::carryWeights(original, edited);
      m_write(path.toStdString(), model.model);
      *note = source.isEmpty()
                  ? QCoreApplication::translate("ModelFiles",
                                                "new weights (no model file to keep them from)")
                  : QCoreApplication::translate(
                        "ModelFiles", "weights of %1 kept for %2 of %3 parameters; new: %4")
                        .arg(source)
                        .arg(model.kept.size())
                        .arg(model.kept.size() + model.fresh.size())
                        .arg(model.fresh.empty() ? QCoreApplication::translate("ModelFiles", "none")
                                                 : namesOf(model.fresh));
      return true;
    } catch (const std::exception& e) {
      *error = path + ": " + QString::fromUtf8(e.what());
      return false;
    }
  }

 private:
  QString m_name, m_suffix;
  Reader m_read;
  Writer m_write;
};

}  // namespace

class ModelFilesPlugin : public QObject, public twb::plugins::Plugin {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID TWB_PLUGIN_IID FILE "model_files.json")
  Q_INTERFACES(twb::plugins::Plugin)

 public:
  QList<const twb::plugins::ModelFormat*> modelFormats() const override {
    return {&m_twbm, &m_onnx};
  }

 private:
  EngineModelFormat m_twbm{"Tensor Workbench model", "twbm", twb::loadModelOrOnnx,
                           [](const std::string& path, const twb::ModelFile& m) {
                             twb::saveModel(path, m.spec, m.params, nullptr, m.dataset);
                           }};
  EngineModelFormat m_onnx{"ONNX", "onnx", twb::importOnnx,
                           [](const std::string& path, const twb::ModelFile& m) {
                             twb::exportOnnx(path, m.spec, m.params);
                           }};
};

#include "model_files.moc"
