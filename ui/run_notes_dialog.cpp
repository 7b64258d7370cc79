#include "ui/run_notes_dialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QPlainTextEdit>

namespace twb::ui {

RunNotesDialog::RunNotesDialog(const QString& runName, const QString& notes,
                               const QStringList& tags, QWidget* parent)
    : QDialog(parent) {
  setObjectName("runNotesDialog");
  setWindowTitle(tr("Notes and tags: %1").arg(runName));
  m_notes = new QPlainTextEdit(notes);
  m_notes->setObjectName("runNotes");
  m_notes->setPlaceholderText(tr("What this run tried, what came of it"));
  m_tags = new QLineEdit(tags.join(", "));
  m_tags->setObjectName("runTags");
  m_tags->setPlaceholderText(tr("comma-separated, e.g. baseline, lr-sweep"));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* form = new QFormLayout(this);
  form->addRow(tr("Notes"), m_notes);
  form->addRow(tr("Tags"), m_tags);
  form->addRow(buttons);
  resize(520, 320);
}

QString RunNotesDialog::notes() const { return m_notes->toPlainText(); }

QStringList RunNotesDialog::tags() const {
  QStringList tags;
  for (const QString& typed : m_tags->text().split(',', Qt::SkipEmptyParts))
    if (const QString tag = typed.trimmed(); !tag.isEmpty() && !tags.contains(tag)) tags << tag;
  return tags;
}

}  // namespace twb::ui
