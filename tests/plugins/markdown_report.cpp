// A report format plugin the tests build out of the workbench's tree: the Compare table as a
// Markdown table.
#include <QFile>
#include <QJsonArray>
#include <QObject>

#include "plugins/plugin_interfaces.h"

namespace {

QString cell(const QJsonValue& v) { return v.toVariant().toString().replace('|', "\\|"); }

class MarkdownReport : public twb::plugins::ReportFormat {
 public:
  QString name() const override { return "Markdown"; }
  QString suffix() const override { return "md"; }
  bool write(const QJsonObject& report, const QString& path, QString* error) const override {
    QString text = "# " + report.value("title").toString() + "\n\n";
    QStringList header, rule;
    for (const QJsonValue& c : report.value("columns").toArray()) header << cell(c), rule << "---";
    text += "| " + header.join(" | ") + " |\n| " + rule.join(" | ") + " |\n";
    for (const QJsonValue& row : report.value("rows").toArray()) {
      QStringList cells;
      for (const QJsonValue& c : row.toArray()) cells << cell(c);
      text += "| " + cells.join(" | ") + " |\n";
    }
    QFile file(path);
    if (file.open(QIODevice::WriteOnly) && file.write(text.toUtf8()) >= 0) return true;
    *error = file.errorString();
    return false;
  }
};

}  // namespace

class MarkdownReportPlugin : public QObject, public twb::plugins::Plugin {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID TWB_PLUGIN_IID FILE "markdown_report.json")
  Q_INTERFACES(twb::plugins::Plugin)

 public:
  QList<const twb::plugins::ReportFormat*> reportFormats() const override { return {&m_format}; }

 private:
  MarkdownReport m_format;
};

#include "markdown_report.moc"
