#include "remote/ssh_config.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include "remote/remote_error.h"

namespace twb::remote {

namespace {
constexpr int kMaxIncludeDepth = 16;  // ssh's limit on nested Include files

QString expandHome(const QString& path) {
  if (path == "~") return QDir::homePath();
  if (path.startsWith("~/")) return QDir::homePath() + path.mid(1);
  return path;
}

// Splits a config line's arguments: whitespace separates them, double quotes group them.
QStringList arguments(const QString& text) {
  QStringList words;
  QString word;
  bool quoted = false, any = false;
  for (const QChar c : text) {
    if (c == '"') {
      quoted = !quoted;
      any = true;
    } else if (!quoted && c.isSpace()) {
      if (any) words << word;
      word.clear();
      any = false;
    } else {
      word += c;
      any = true;
    }
  }
  if (any) words << word;
  return words;
}

// ssh_config patterns: `*` any run of characters, `?` one; letters compared ignoring case.
bool globMatches(const QString& text, const QString& pattern) {
  qsizetype t = 0, p = 0, star = -1, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p].toLower() == text[t].toLower())) {
      ++t;
      ++p;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}
}  // namespace

bool sshHostMatches(const QString& host, const QStringList& patterns) {
  bool matched = false;
  for (const QString& pattern : patterns) {
    if (pattern.startsWith('!')) {
      if (globMatches(host, pattern.mid(1))) return false;
    } else if (globMatches(host, pattern)) {
      matched = true;
    }
  }
  return matched;
}

QString SshConfig::defaultPath() { return QDir::homePath() + "/.ssh/config"; }

SshConfig SshConfig::load(const QString& path) {
  SshConfig config;
  config.read(path, 0);
  return config;
}

void SshConfig::read(const QString& path, int depth) {
  QFile file(path);
  if (!file.exists()) return;
  if (!file.open(QIODevice::ReadOnly))
    throw RemoteError((path + ": cannot read the SSH config").toStdString(), false);
  QStringList hostPatterns;
  bool inMatch = false;
  int number = 0;
  while (!file.atEnd()) {
    ++number;
    const QString line = QString::fromUtf8(file.readLine()).trimmed();
    if (line.isEmpty() || line.startsWith('#')) continue;
    // "Keyword value", "Keyword=value" or "Keyword = value".
    static const QRegularExpression split(R"(^(\S+?)\s*(?:=\s*|\s+)(.*)$)");
    const QRegularExpressionMatch parts = split.match(line);
    const auto fail = [&](const QString& why) {
      throw RemoteError((path + ":" + QString::number(number) + ": " + why).toStdString(), false);
    };
    if (!parts.hasMatch()) fail("'" + line + "' has no value");
    const QString keyword = parts.captured(1).toLower();
    const QStringList values = arguments(parts.captured(2));
    if (values.isEmpty()) fail(parts.captured(1) + " has no value");
    if (keyword == "host") {
      hostPatterns = values;
      inMatch = false;
    } else if (keyword == "match") {
      inMatch = true;
    } else if (keyword == "include") {
      if (depth >= kMaxIncludeDepth) fail("Include nested more than 16 deep");
      for (const QString& pattern : values) {
        QString expanded = expandHome(pattern);
        if (QFileInfo(expanded).isRelative()) expanded = QDir::homePath() + "/.ssh/" + expanded;
        const QFileInfo where(expanded);
        const QStringList found =
            QDir(where.path()).entryList({where.fileName()}, QDir::Files, QDir::Name);
        // An included file's lines belong to the Host block the Include is in.
        const qsizetype first = m_lines.size();
        for (const QString& name : found) read(where.path() + "/" + name, depth + 1);
        for (qsizetype i = first; i < m_lines.size(); ++i)
          if (m_lines[i].hostPatterns.isEmpty()) m_lines[i].hostPatterns = hostPatterns;
      }
    } else {
      if ((keyword == "port" || keyword == "serveraliveinterval" || keyword == "connecttimeout")) {
        bool numeric = false;
        const int value = values.front().toInt(&numeric);
        if (!numeric || value < 0 || (keyword == "port" && (value < 1 || value > 65535)))
          fail(parts.captured(1) + " '" + values.front() + "' is not a valid number");
      }
      m_lines.append({keyword, values.join(' '), hostPatterns, inMatch});
    }
  }
}

SshHostConfig SshConfig::resolve(const QString& host, const QString& localUser) const {
  SshHostConfig config;
  QStringList seen;  // keywords already set: the first value wins
  QString proxyJump;
  const auto first = [&](const Line& line) {
    if (seen.contains(line.keyword)) return false;
    seen << line.keyword;
    return true;
  };
  for (const Line& line : m_lines) {
    if (line.inMatch) continue;
    if (!line.hostPatterns.isEmpty() && !sshHostMatches(host, line.hostPatterns)) continue;
    if (line.keyword == "identityfile") {
      config.identityFiles << line.value;
    } else if (!first(line)) {
      continue;
    } else if (line.keyword == "hostname") {
      config.hostName = QString(line.value).replace("%h", host);
    } else if (line.keyword == "user") {
      config.user = line.value;
    } else if (line.keyword == "port") {
      config.port = line.value.toInt();
    } else if (line.keyword == "identitiesonly") {
      config.identitiesOnly = line.value.compare("yes", Qt::CaseInsensitive) == 0;
    } else if (line.keyword == "proxyjump") {
      proxyJump = line.value;
    } else if (line.keyword == "serveraliveinterval") {
      config.serverAliveInterval = line.value.toInt();
    } else if (line.keyword == "connecttimeout") {
      config.connectTimeout = line.value.toInt();
    }
  }
  if (!proxyJump.isEmpty() && proxyJump.compare("none", Qt::CaseInsensitive) != 0)
    config.proxyJumps = proxyJump.split(',', Qt::SkipEmptyParts);
  const QString user = config.user.isEmpty() ? localUser : config.user;
  const QString name = config.hostName.isEmpty() ? host : config.hostName;
  for (QString& file : config.identityFiles)
    file = expandHome(file)
               .replace("%d", QDir::homePath())
               .replace("%u", localUser)
               .replace("%r", user)
               .replace("%h", name)
               .replace("%%", "%");
  return config;
}

}  // namespace twb::remote
