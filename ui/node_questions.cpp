#include "ui/node_questions.h"

#include <QCoreApplication>
#include <QMessageBox>

#include "app/node_manager.h"
#include "ui/login_dialog.h"

namespace twb::ui {

namespace {
class NodeQuestions {
  Q_DECLARE_TR_FUNCTIONS(NodeQuestions)

 public:
  static bool trustHost(QWidget* parent, const QString& host, const QString& type,
                        const QString& fingerprint) {
    return QMessageBox::question(parent, tr("Unknown host"),
                                 tr("The authenticity of %1 cannot be established.\n%2 key "
                                    "fingerprint: %3\nTrust this host and remember its key?")
                                     .arg(host, type, fingerprint)) == QMessageBox::Yes;
  }
};
}  // namespace

void answerNodeQuestions(app::NodeManager& nodes, QWidget* parent) {
  QObject::connect(&nodes, &app::NodeManager::hostKeyQuestion, parent,
                   [parent](const QString& host, const QString& type, const QString& fingerprint,
                            bool* accept) {
                     *accept = NodeQuestions::trustHost(parent, host, type, fingerprint);
                   });
  QObject::connect(&nodes, &app::NodeManager::loginQuestion, parent,
                   [parent](const QString& title, const QString& instruction,
                            const QList<remote::SshQuestion>& questions,
                            std::optional<QStringList>* answers, bool* keep) {
                     LoginDialog dialog(title, instruction, questions, keep != nullptr, parent);
                     if (dialog.exec() != QDialog::Accepted) return;
                     *answers = dialog.answers();
                     if (keep) *keep = dialog.keepInKeyring();
                   });
}

}  // namespace twb::ui
