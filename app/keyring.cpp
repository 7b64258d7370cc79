#include "app/keyring.h"

#include <QFileInfo>

// glib's headers name a struct member `signals`, which Qt defines as a keyword; this file has no
// Qt signals.
#undef signals
#include <libsecret/secret.h>

namespace twb::app {

namespace {
const SecretSchema* schema() {
  static const SecretSchema kSchema = {
      "org.tensorworkbench.SshKeyPassphrase",
      SECRET_SCHEMA_NONE,
      {{"key_file", SECRET_SCHEMA_ATTRIBUTE_STRING}, {nullptr, SECRET_SCHEMA_ATTRIBUTE_STRING}},
      0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
  return &kSchema;
}

QByteArray keyFile(const QString& keyPath) { return QFileInfo(keyPath).absoluteFilePath().toUtf8(); }
}  // namespace

std::optional<QString> Keyring::passphrase(const QString& keyPath) {
  GError* error = nullptr;
  gchar* secret = secret_password_lookup_sync(schema(), nullptr, &error, "key_file",
                                              keyFile(keyPath).constData(), nullptr);
  if (error) g_error_free(error);
  if (!secret) return std::nullopt;
  const QString kept = QString::fromUtf8(secret);
  secret_password_free(secret);
  return kept;
}

bool Keyring::keepPassphrase(const QString& keyPath, const QString& passphrase, QString* why) {
  GError* error = nullptr;
  const QByteArray file = keyFile(keyPath);
  const QByteArray label = "Tensor Workbench: passphrase of the SSH key " + file;
  const bool kept = secret_password_store_sync(schema(), SECRET_COLLECTION_DEFAULT,
                                               label.constData(), passphrase.toUtf8().constData(),
                                               nullptr, &error, "key_file", file.constData(),
                                               nullptr);
  if (!kept && why) *why = error ? QString::fromUtf8(error->message) : QString("no keyring");
  if (error) g_error_free(error);
  return kept;
}

void Keyring::forgetPassphrase(const QString& keyPath) {
  secret_password_clear_sync(schema(), nullptr, nullptr, "key_file", keyFile(keyPath).constData(),
                              nullptr);
}

}  // namespace twb::app
