#pragma once

#include <QString>

namespace twb::remote {

// An engine bundle made by packaging/make-engine-bundle.sh:
// twb-engine-VERSION-HASH-linux-x86_64.tar.gz, HASH being the build the engine reports.
struct EngineBundle {
  QString path;
  QString name;     // the file name without .tar.gz: also the folder inside and on the node
  QString version;
  QString buildHash;
  QString sha256;   // of the archive, checked on the node after the upload
  qint64 bytes = 0;

  // Throws RemoteError when the file is missing or not named like a bundle.
  static EngineBundle open(const QString& path);
};

}  // namespace twb::remote
