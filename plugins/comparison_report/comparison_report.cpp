// The built-in comparison report: the Compare tab's table and its chart of the overlaid curves,
// as a self-contained HTML page (the chart inlined) and as a PDF (A4, landscape).
#include <QBuffer>
#include <QDateTime>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QObject>
#include <QPdfWriter>
#include <QTextDocument>
#include <QUrl>

#include "plugins/plugin_interfaces.h"

namespace {

// The report as HTML; the chart's <img> points at `chartSource` when there is a chart.
QString reportHtml(const QJsonObject& report, const QString& chartSource) {
  const QString title = report.value("title").toString().toHtmlEscaped();
  QString html = QString(
                     "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>%1</title><style>"
                     "body{font-family:sans-serif} table{border-collapse:collapse}"
                     "th,td{border:1px solid #999;padding:3px 8px} th{background:#eee}"
                     "</style></head><body><h1>%1</h1><p>Tensor Workbench, %2</p><table><tr>")
                     .arg(title, QDateTime::currentDateTime().toString(Qt::ISODate));
  for (const QJsonValue& c : report.value("columns").toArray())
    html += "<th>" + c.toString().toHtmlEscaped() + "</th>";
  html += "</tr>";
  for (const QJsonValue& row : report.value("rows").toArray()) {
    html += "<tr>";
    for (const QJsonValue& c : row.toArray())
      html += "<td>" + c.toString().toHtmlEscaped() + "</td>";
    html += "</tr>";
  }
  html += "</table>";
  if (!chartSource.isEmpty())
    html += "<h2>Curves</h2><p><img src=\"" + chartSource + "\" width=\"900\"></p>";
  return html + "</body></html>";
}

bool writeFile(const QString& path, const QByteArray& bytes, QString* error) {
  QFile file(path);
  if (file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size()) return true;
  *error = file.errorString();
  return false;
}

class HtmlReport : public twb::plugins::ReportFormat {
 public:
  QString name() const override { return "HTML"; }
  QString suffix() const override { return "html"; }
  bool write(const QJsonObject& report, const QString& path, QString* error) const override {
    QString chart;
    if (QFile png(report.value("chart").toString()); png.open(QIODevice::ReadOnly))
      chart = "data:image/png;base64," + QString::fromLatin1(png.readAll().toBase64());
    return writeFile(path, reportHtml(report, chart).toUtf8(), error);
  }
};

class PdfReport : public twb::plugins::ReportFormat {
 public:
  QString name() const override { return "PDF"; }
  QString suffix() const override { return "pdf"; }
  bool write(const QJsonObject& report, const QString& path, QString* error) const override {
    QTextDocument document;
    const QImage chart(report.value("chart").toString());
    if (!chart.isNull())
      document.addResource(QTextDocument::ImageResource, QUrl("chart.png"), chart);
    document.setHtml(reportHtml(report, chart.isNull() ? QString() : QString("chart.png")));
    QBuffer pdf;
    pdf.open(QIODevice::WriteOnly);
    {
      QPdfWriter writer(&pdf);
      writer.setPageSize(QPageSize(QPageSize::A4));
      writer.setPageOrientation(QPageLayout::Landscape);
      writer.setResolution(120);
      writer.setTitle(report.value("title").toString());
      writer.setCreator("Tensor Workbench");
      document.setPageSize(writer.pageLayout().paintRectPixels(writer.resolution()).size());
      document.print(&writer);
    }
    return writeFile(path, pdf.data(), error);
  }
};

}  // namespace

class ComparisonReportPlugin : public QObject, public twb::plugins::Plugin {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID TWB_PLUGIN_IID FILE "comparison_report.json")
  Q_INTERFACES(twb::plugins::Plugin)

 public:
  QList<const twb::plugins::ReportFormat*> reportFormats() const override {
    return {&m_html, &m_pdf};
  }

 private:
  HtmlReport m_html;
  PdfReport m_pdf;
};

#include "comparison_report.moc"
