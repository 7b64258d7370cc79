#pragma once

#include <QJsonObject>
#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QTimer;

namespace twb::ui {

// The Job tab's "Advanced" editor: the whole job file as JSON, every field the engine accepts,
// including those the form does not show. What the user types is checked as they type: text that
// is not a JSON object is marked at its line and column and kept as typed (the form waits until
// it parses); a problem the node finds is marked at its field's line.
class JobJsonEditor : public QWidget {
  Q_OBJECT

 public:
  explicit JobJsonEditor(QWidget* parent = nullptr);

  // Shows `job`, replacing the text (the form changed it, or a file was opened).
  void setJob(const QJsonObject& job);
  bool parses() const { return m_parses; }
  // The user's typing that the form has not read yet: keys struck within the pause before it is
  // parsed, or text that does not parse. The form does not write over it.
  bool holdsUnreadTyping() const;
  // Parses the typing still within its pause at once (edited() says what it gave); whether the
  // text is a job.
  bool readTyping();
  // Marks the field at `path` (the node's dry run found `message` there); an empty path clears.
  void showProblem(const QString& path, const QString& message);
  QPlainTextEdit* text() const { return m_text; }
  QLabel* problem() const { return m_problem; }

 signals:
  // The user's text parsed to a job.
  void edited(const QJsonObject& job);
  // The text stopped (false) or started again (true) to parse.
  void parsesChanged(bool parses);

 private:
  void parse();
  void markLine(int offset);

  QPlainTextEdit* m_text;
  QLabel* m_problem;
  QTimer* m_debounce;
  bool m_parses = true;
  bool m_setting = false;  // the text is being replaced, not typed
};

}  // namespace twb::ui
