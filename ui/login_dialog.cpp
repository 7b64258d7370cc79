#include "ui/login_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace twb::ui {

LoginDialog::LoginDialog(const QString& title, const QString& instruction,
                         const QList<remote::SshQuestion>& questions, bool offerKeyring,
                         QWidget* parent)
    : QDialog(parent) {
  setObjectName("loginDialog");
  setWindowTitle(title);
  auto* form = new QFormLayout(this);
  if (!instruction.isEmpty()) {
    auto* text = new QLabel(instruction);
    text->setObjectName("loginInstruction");
    text->setWordWrap(true);
    form->addRow(text);
  }
  for (const remote::SshQuestion& question : questions) {
    auto* field = new QLineEdit;
    field->setObjectName("loginAnswer" + QString::number(m_fields.size()));
    field->setEchoMode(question.echo ? QLineEdit::Normal : QLineEdit::Password);
    form->addRow(question.text.trimmed(), field);
    m_fields << field;
  }
  if (offerKeyring) {
    m_keep = new QCheckBox(tr("Keep it in the desktop keyring"));
    m_keep->setObjectName("keepInKeyring");
    form->addRow(m_keep);
  }
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Log in"));
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  form->addRow(buttons);
  setMinimumWidth(420);
}

bool LoginDialog::keepInKeyring() const { return m_keep && m_keep->isChecked(); }

QStringList LoginDialog::answers() const {
  QStringList typed;
  for (const QLineEdit* field : m_fields) typed << field->text();
  return typed;
}

}  // namespace twb::ui
