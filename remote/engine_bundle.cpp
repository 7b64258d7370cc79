#include "remote/engine_bundle.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include "remote/remote_error.h"

namespace twb::remote {

EngineBundle EngineBundle::open(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly))
    throw RemoteError((path + ": the engine bundle cannot be read").toStdString(), false);
  static const QRegularExpression pattern(
      "^(twb-engine-([0-9][0-9.]*)-([0-9a-z-]+)-linux-x86_64)\\.tar\\.gz$");
  const auto match = pattern.match(QFileInfo(path).fileName());
  if (!match.hasMatch())
    throw RemoteError((path + ": not an engine bundle (twb-engine-VERSION-HASH-linux-x86_64.tar.gz)")
                          .toStdString(),
                      false);
  EngineBundle bundle;
  bundle.path = QFileInfo(path).absoluteFilePath();
  bundle.name = match.captured(1);
  bundle.version = match.captured(2);
  bundle.buildHash = match.captured(3);
  QCryptographicHash hash(QCryptographicHash::Sha256);
  hash.addData(&file);
  bundle.sha256 = QString::fromLatin1(hash.result().toHex());
  bundle.bytes = file.size();
  return bundle;
}

}  // namespace twb::remote
