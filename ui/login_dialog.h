#pragma once

#include <QDialog>
#include <QList>
#include <QStringList>

#include "remote/ssh_target.h"

class QLineEdit;

namespace twb::ui {

// The questions of an SSH login (a passphrase, a password, a one-time code): the server's
// instruction, then one field per question, hidden as typed unless the server says it may be
// shown. The answers are handed back once and kept nowhere.
class LoginDialog : public QDialog {
  Q_OBJECT

 public:
  LoginDialog(const QString& title, const QString& instruction,
              const QList<remote::SshQuestion>& questions, QWidget* parent = nullptr);

  QStringList answers() const;

 private:
  QList<QLineEdit*> m_fields;
};

}  // namespace twb::ui
