#include "ui/job_json_editor.h"

#include <QFontDatabase>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTextBlock>
#include <QTimer>
#include <QVBoxLayout>

#include "app/json_locator.h"

namespace twb::ui {

namespace {
constexpr int kParseDelayMs = 300;  // after the last key stroke
}

JobJsonEditor::JobJsonEditor(QWidget* parent) : QWidget(parent) {
  m_text = new QPlainTextEdit(this);
  m_text->setObjectName("jobJson");
  m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
  m_text->setTabChangesFocus(true);
  m_problem = new QLabel(this);
  m_problem->setObjectName("jobJsonProblem");
  m_problem->setStyleSheet("color: #c62828;");
  m_problem->setWordWrap(true);
  m_problem->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_problem->hide();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_text);
  layout->addWidget(m_problem);

  m_debounce = new QTimer(this);
  m_debounce->setSingleShot(true);
  m_debounce->setInterval(kParseDelayMs);
  connect(m_debounce, &QTimer::timeout, this, &JobJsonEditor::parse);
  connect(m_text, &QPlainTextEdit::textChanged, this, [this] {
    if (!m_setting) m_debounce->start();
  });
}

void JobJsonEditor::setJob(const QJsonObject& job) {
  const QString text = QString::fromUtf8(QJsonDocument(job).toJson(QJsonDocument::Indented));
  if (text == m_text->toPlainText()) return;
  m_setting = true;
  // Keeps the view where the user was reading.
  const int scroll = m_text->verticalScrollBar()->value();
  m_text->setPlainText(text);
  m_text->verticalScrollBar()->setValue(scroll);
  m_setting = false;
  m_debounce->stop();
  showProblem({}, {});
  if (!m_parses) emit parsesChanged(m_parses = true);
}

bool JobJsonEditor::holdsUnreadTyping() const { return m_debounce->isActive() || !m_parses; }

bool JobJsonEditor::readTyping() {
  if (m_debounce->isActive()) {
    m_debounce->stop();
    parse();
  }
  return m_parses;
}

void JobJsonEditor::parse() {
  const QString text = m_text->toPlainText();
  QJsonParseError error{};
  const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &error);
  if (error.error != QJsonParseError::NoError || !document.isObject()) {
    // QJsonParseError's offset counts UTF-8 bytes; the editor counts characters.
    const int offset = error.error != QJsonParseError::NoError
                           ? QString::fromUtf8(text.toUtf8().left(error.offset)).size()
                           : 0;
    const QTextBlock block = m_text->document()->findBlock(offset);
    const QString what = error.error != QJsonParseError::NoError
                             ? error.errorString()
                             : tr("a job file is one JSON object { … }");
    m_problem->setText(tr("Line %1, column %2: %3 — the form waits until this is fixed.")
                           .arg(block.blockNumber() + 1)
                           .arg(offset - block.position() + 1)
                           .arg(what));
    m_problem->show();
    markLine(offset);
    if (m_parses) emit parsesChanged(m_parses = false);
    return;
  }
  showProblem({}, {});
  if (!m_parses) emit parsesChanged(m_parses = true);
  emit edited(document.object());
}

void JobJsonEditor::showProblem(const QString& path, const QString& message) {
  if (path.isEmpty() && message.isEmpty()) {
    m_problem->hide();
    m_text->setExtraSelections({});
    return;
  }
  const int offset = app::jsonFieldOffset(m_text->toPlainText(), path);
  const QString where =
      offset < 0 ? QString()
                 : tr(" (line %1)").arg(m_text->document()->findBlock(offset).blockNumber() + 1);
  // The node's messages start with the path already ("optimizer.lr: must be > 0").
  const bool named = path.isEmpty() || message.startsWith(path);
  m_problem->setText((named ? message : QStringLiteral("%1: %2").arg(path, message)) + where);
  m_problem->show();
  if (offset >= 0)
    markLine(offset);
  else
    m_text->setExtraSelections({});
}

void JobJsonEditor::markLine(int offset) {
  QTextEdit::ExtraSelection line;
  line.format.setBackground(QColor(198, 40, 40, 60));
  line.format.setProperty(QTextFormat::FullWidthSelection, true);
  line.cursor = QTextCursor(m_text->document()->findBlock(offset));
  m_text->setExtraSelections({line});
}

}  // namespace twb::ui
