#pragma once

#include <QDialog>
#include <QList>
#include <QStringList>

#include "remote/ssh_target.h"

class QCheckBox;
class QLineEdit;

namespace twb::ui {

// The questions of an SSH login (a passphrase, a password, a one-time code): the server's
// instruction, then one field per question, hidden as typed unless the server says it may be
// shown. The answers are handed back once; a key's passphrase may be kept in the desktop keyring
// when the user ticks it (`offerKeyring`), and nowhere else.
class LoginDialog : public QDialog {
  Q_OBJECT

 public:
  LoginDialog(const QString& title, const QString& instruction,
              const QList<remote::SshQuestion>& questions, bool offerKeyring = false,
              QWidget* parent = nullptr);

  QStringList answers() const;
  bool keepInKeyring() const;

 private:
  QList<QLineEdit*> m_fields;
  QCheckBox* m_keep = nullptr;
};

}  // namespace twb::ui
