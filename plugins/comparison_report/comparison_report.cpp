// The built-in comparison report: the Compare tab's table, its chart of the overlaid curves, the
// runs' test accuracy by class and the per-layer profile of each run, as a self-contained HTML page
// (the chart inlined) and as a PDF (A4, landscape).
#include <QBuffer>
#include <QDateTime>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QObject>
#include <QPdfWriter>
#include <QTextDocument>
#include <QUrl>
#include <algorithm>

#include "plugins/plugin_interfaces.h"

namespace {

QString number(double value, int decimals) { return QString::number(value, 'f', decimals); }

// One run's costliest layers: time, share of the step and a bar of that share. The bar is a
// table cell of that width, which QTextDocument (the PDF) draws as browsers do.
QString profileHtml(const QJsonObject& profile) {
  QString html = QString(
                     "<h3>%1</h3><p>step %2: %3 ms</p><table><tr><th>layer</th><th>op</th>"
                     "<th>precision</th><th>ms</th><th>share</th><th></th></tr>")
                     .arg(profile.value("run").toString().toHtmlEscaped())
                     .arg(profile.value("step").toInt())
                     .arg(number(profile.value("step_ms").toDouble(), 2));
  const auto row = [&](const QString& name, const QString& op, const QString& precision, double ms,
                       double share) {
    const int bar = std::max(1, static_cast<int>(share * 300));
    html += QString(
                "<tr><td>%1</td><td>%2</td><td>%3</td><td align=\"right\">%4</td>"
                "<td align=\"right\">%5 %</td><td><table cellspacing=\"0\" cellpadding=\"0\" "
                "style=\"border:none\"><tr><td width=\"%6\" bgcolor=\"#3a78c2\" "
                "style=\"border:none\">&nbsp;</td></tr></table></td></tr>")
                .arg(name.toHtmlEscaped(), op.toHtmlEscaped(), precision.toHtmlEscaped(),
                     number(ms, 3), number(share * 100, 1))
                .arg(bar);
  };
  for (const QJsonValue& v : profile.value("layers").toArray()) {
    const QJsonObject l = v.toObject();
    row(l.value("name").toString(), l.value("op").toString(), l.value("precision").toString(),
        l.value("ms").toDouble(), l.value("share").toDouble());
  }
  if (const int rest = profile.value("other_layers").toInt(); rest > 0)
    row(QString("%1 more layers").arg(rest), {}, {}, profile.value("other_ms").toDouble(),
        profile.value("other_share").toDouble());
  return html + "</table>";
}

// Test accuracy by class: a row per class, a column per run; each class's lowest in bold where
// the runs differ, so the run (or precision) that costs a class most stands out.
QString classesHtml(const QJsonObject& classes) {
  const QJsonArray runs = classes.value("runs").toArray();
  QString html = "<h2>Test accuracy by class (%)</h2><table><tr><th>class</th>";
  for (const QJsonValue& run : runs)
    html += "<th>" + run["run"].toString().toHtmlEscaped() + "</th>";
  html += "</tr>";
  const QJsonArray names = classes.value("names").toArray();
  for (qsizetype c = 0; c < names.size(); ++c) {
    double lowest = 101, highest = -1;
    for (const QJsonValue& run : runs)
      if (const QJsonValue a = run["accuracy"][c]; a.isDouble())
        lowest = std::min(lowest, a.toDouble()), highest = std::max(highest, a.toDouble());
    html += "<tr><td>" + names[c].toString().toHtmlEscaped() + "</td>";
    for (const QJsonValue& run : runs) {
      const QJsonValue a = run["accuracy"][c];
      const QString cell = a.isDouble() ? number(a.toDouble(), 2) : QString("-");
      html += "<td align=\"right\">" +
              (lowest < highest && a.isDouble() && a.toDouble() == lowest ? "<b>" + cell + "</b>"
                                                                          : cell) +
              "</td>";
    }
    html += "</tr>";
  }
  return html + "</table>";
}

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
  if (report.contains("classes")) html += classesHtml(report.value("classes").toObject());
  const QJsonArray profiles = report.value("profiles").toArray();
  if (!profiles.isEmpty()) html += "<h2>Per-layer profiles</h2>";
  for (const QJsonValue& profile : profiles) html += profileHtml(profile.toObject());
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
