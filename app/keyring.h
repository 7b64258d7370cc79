#pragma once

#include <QString>
#include <optional>

namespace twb::app {

// SSH key passphrases the user asked to keep, in the desktop keyring (the Secret Service that
// GNOME Keyring or KWallet provide, through libsecret), never in the workbench's files. Each is
// stored under the key file's absolute path. Blocking: call from the connecting thread.
class Keyring {
 public:
  // The kept passphrase of `keyPath`; nullopt when none is kept or no keyring answers.
  static std::optional<QString> passphrase(const QString& keyPath);
  // Keeps it; false, with the reason in `why`, when no keyring answers (no session bus, locked).
  static bool keepPassphrase(const QString& keyPath, const QString& passphrase, QString* why);
  static void forgetPassphrase(const QString& keyPath);
};

}  // namespace twb::app
