#pragma once

#include <QDialog>
#include <QStringList>

class QLineEdit;
class QPlainTextEdit;

namespace twb::ui {

// What the user writes about a run: free notes and comma-separated tags.
class RunNotesDialog : public QDialog {
  Q_OBJECT

 public:
  RunNotesDialog(const QString& runName, const QString& notes, const QStringList& tags,
                 QWidget* parent = nullptr);

  QString notes() const;
  QStringList tags() const;  // trimmed, empty ones and repeats dropped, in the order typed

 private:
  QPlainTextEdit* m_notes;
  QLineEdit* m_tags;
};

}  // namespace twb::ui
