// A model format plugin the tests build out of the workbench's tree: models as lines of text,
//   input NAME D1 D2 ...
//   node NAME OP INPUT[,INPUT...] [ATTR=INTEGER ...]
// ('#' starts a comment); errors name the file and line.
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QObject>
#include <QTextStream>

#include "plugins/plugin_interfaces.h"

namespace {

class TinyModelFormat : public twb::plugins::ModelFormat {
 public:
  QString name() const override { return "Tiny text model"; }
  QStringList suffixes() const override { return {"tiny"}; }
  twb::plugins::ModelRead read(const QString& path,
                               const twb::plugins::InputShapes& inputShapes) const override {
    Q_UNUSED(inputShapes)  // every size is in the file
    twb::plugins::ModelRead read;
    read.spec = parse(path, &read.error);
    return read;
  }

 private:
  QJsonObject parse(const QString& path, QString* error) const {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
      *error = path + ": " + file.errorString();
      return {};
    }
    QJsonArray inputs, nodes;
    QTextStream in(&file);
    for (int line = 1; !in.atEnd(); ++line) {
      const QStringList words = in.readLine().section('#', 0, 0).split(' ', Qt::SkipEmptyParts);
      if (words.isEmpty()) continue;
      const auto fail = [&](const QString& why) {
        *error = QString("%1:%2: %3").arg(path).arg(line).arg(why);
        return QJsonObject();
      };
      if (words[0] == "input" && words.size() >= 3) {
        QJsonArray shape;
        for (int i = 2; i < words.size(); ++i) shape.append(words[i].toLongLong());
        inputs.append(QJsonObject{{"name", words[1]}, {"shape", shape}});
      } else if (words[0] == "node" && words.size() >= 4) {
        QJsonObject attrs;
        for (int i = 4; i < words.size(); ++i) {
          bool ok = false;
          const qint64 value = words[i].section('=', 1).toLongLong(&ok);
          if (!ok) return fail("attribute '" + words[i] + "' is not NAME=INTEGER");
          attrs[words[i].section('=', 0, 0)] = value;
        }
        QJsonObject node{{"name", words[1]},
                         {"op", words[2]},
                         {"inputs", QJsonArray::fromStringList(words[3].split(','))}};
        if (!attrs.isEmpty()) node["attrs"] = attrs;
        nodes.append(node);
      } else {
        return fail("expected 'input NAME DIMS...' or 'node NAME OP INPUTS [ATTR=N...]'");
      }
    }
    const QString last =
        nodes.isEmpty() ? QString() : nodes.last().toObject().value("name").toString();
    return {{"name", QFileInfo(path).baseName()},
            {"inputs", inputs},
            {"nodes", nodes},
            {"outputs", QJsonArray{last}}};
  }
};

}  // namespace

class TinyModelFormatPlugin : public QObject, public twb::plugins::Plugin {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID TWB_PLUGIN_IID FILE "tiny_model_format.json")
  Q_INTERFACES(twb::plugins::Plugin)

 public:
  QList<const twb::plugins::ModelFormat*> modelFormats() const override { return {&m_format}; }

 private:
  TinyModelFormat m_format;
};

#include "tiny_model_format.moc"
