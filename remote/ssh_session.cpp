#include "remote/ssh_session.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libssh/sftp.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStringList>
#include <cstring>

#include "remote/remote_error.h"

namespace twb::remote {

namespace {
// Each SFTP write waits for its reply, so fewer, larger writes upload faster; OpenSSH's
// sftp-server takes messages up to 256 KiB.
constexpr qint64 kSftpChunk = 240 * 1024;
// Seconds between keepalive probes where the ssh config does not set ServerAliveInterval.
constexpr int kDefaultServerAliveInterval = 15;

QString methodNames(int methods) {
  QStringList names;
  if (methods & SSH_AUTH_METHOD_PUBLICKEY) names << "publickey";
  if (methods & SSH_AUTH_METHOD_PASSWORD) names << "password";
  if (methods & SSH_AUTH_METHOD_INTERACTIVE) names << "keyboard-interactive";
  if (methods & SSH_AUTH_METHOD_GSSAPI_MIC) names << "gssapi-with-mic";
  if (methods & SSH_AUTH_METHOD_HOSTBASED) names << "hostbased";
  return names.isEmpty() ? "none" : names.join(", ");
}

// libssh asks for a key's passphrase through this C callback; `data` is the SshPrompts.
int passphraseCallback(const char*, char* buffer, size_t size, int, int, void* data) {
  auto* request = static_cast<std::pair<const SshPrompts*, QString>*>(data);
  if (!request->first->keyPassphrase) return -1;
  const auto answer = request->first->keyPassphrase(request->second);
  if (!answer) return -1;
  const QByteArray bytes = answer->toUtf8();
  if (static_cast<size_t>(bytes.size()) >= size) return -1;
  std::memcpy(buffer, bytes.constData(), bytes.size() + 1);
  return 0;
}

QString defaultUserKnownHosts() { return QDir::homePath() + "/.ssh/known_hosts"; }

QString localUserName() {
  const passwd* entry = ::getpwuid(::getuid());
  return entry ? QString::fromLocal8Bit(entry->pw_name) : QString();
}

// A ProxyJump hop, "[user@]host[:port]"; nullopt when the port is not one.
std::optional<SshTarget> jumpTarget(const QString& hop) {
  SshTarget target;
  QString rest = hop;
  if (const qsizetype at = rest.lastIndexOf('@'); at >= 0) {
    target.user = rest.left(at);
    rest = rest.mid(at + 1);
  }
  if (const qsizetype colon = rest.lastIndexOf(':'); colon >= 0) {
    bool numeric = false;
    target.port = rest.mid(colon + 1).toInt(&numeric);
    if (!numeric || target.port < 1 || target.port > 65535) return std::nullopt;
    rest = rest.left(colon);
  }
  target.host = rest;
  if (target.host.isEmpty()) return std::nullopt;
  return target;
}
}  // namespace

bool sshKeyOpens(const QString& keyPath, const QString& passphrase) {
  ssh_key key = nullptr;
  const bool opened = ssh_pki_import_privkey_file(keyPath.toUtf8().constData(),
                                                  passphrase.toUtf8().constData(), nullptr,
                                                  nullptr, &key) == SSH_OK;
  ssh_key_free(key);
  return opened;
}

SshSession::SshSession(SshTarget target, Options options, SshPrompts prompts)
    : m_target(std::move(target)), m_options(std::move(options)), m_prompts(std::move(prompts)) {
  if (m_options.userKnownHostsFile.isEmpty()) m_options.userKnownHostsFile = defaultUserKnownHosts();
}

SshSession::SshSession(SshTarget target, Options options, SshPrompts prompts, QStringList jumps)
    : SshSession(std::move(target), std::move(options), std::move(prompts)) {
  m_jumps = std::move(jumps);
}

SshSession::~SshSession() {
  if (!m_session) return;
  ssh_disconnect(m_session);
  ssh_free(m_session);
}

void SshSession::fail(const QString& what, bool retryable) const {
  // An alias of the ssh config is named with what it stands for.
  const QString where = m_resolved.host.isEmpty() || m_resolved.host == m_target.host
                            ? m_target.display()
                            : m_target.host + " (" + m_resolved.display() + ")";
  throw RemoteError((where + ": " + what).toStdString(), retryable);
}

bool SshSession::isConnected() const { return m_session && ssh_is_connected(m_session); }

void SshSession::resolveTarget() {
  const QString file =
      m_options.sshConfigFile.isEmpty() ? SshConfig::defaultPath() : m_options.sshConfigFile;
  if (file != "none") m_config = SshConfig::load(file).resolve(m_target.host, localUserName());
  m_resolved = m_target;
  if (!m_config.hostName.isEmpty()) m_resolved.host = m_config.hostName;
  if (m_resolved.user.isEmpty()) m_resolved.user = m_config.user;
  if (m_target.port == 22 && m_config.port) m_resolved.port = *m_config.port;
  if (m_config.connectTimeout > 0) m_options.timeoutSeconds = m_config.connectTimeout;
  if (!m_jumps) m_jumps = m_config.proxyJumps;
}

void SshSession::connect() {
  resolveTarget();
  m_session = ssh_new();
  if (!m_session) fail("cannot create an SSH session", false);
  const QByteArray host = m_resolved.host.toUtf8(), user = m_resolved.user.toUtf8();
  const QByteArray known = m_options.knownHostsFile.toUtf8();
  const QByteArray userKnown = m_options.userKnownHostsFile.toUtf8();
  const unsigned int port = m_resolved.port;
  const long timeout = m_options.timeoutSeconds;
  const int no = 0, yes = 1;
  ssh_options_set(m_session, SSH_OPTIONS_HOST, host.constData());
  ssh_options_set(m_session, SSH_OPTIONS_PORT, &port);
  if (!user.isEmpty()) ssh_options_set(m_session, SSH_OPTIONS_USER, user.constData());
  ssh_options_set(m_session, SSH_OPTIONS_TIMEOUT, &timeout);
  ssh_options_set(m_session, SSH_OPTIONS_KNOWNHOSTS, known.constData());
  ssh_options_set(m_session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, userKnown.constData());
  // The config was read above (libssh's own reading would turn ProxyJump into an `ssh` process,
  // whose host key checks and prompts the workbench could not see).
  ssh_options_set(m_session, SSH_OPTIONS_PROCESS_CONFIG, &no);
  // Every SFTP write and command waits for its reply: Nagle's algorithm would hold each small
  // request back for the peer's delayed ACK (~40 ms a round trip).
  ssh_options_set(m_session, SSH_OPTIONS_NODELAY, &yes);
  connectThroughJumps();
  if (ssh_connect(m_session) != SSH_OK)
    fail(QString("cannot connect: ") + ssh_get_error(m_session), true);
  keepAlive();
  verifyHostKey();
  authenticate();
}

void SshSession::connectThroughJumps() {
  if (m_jumps->isEmpty()) return;
  QStringList before = *m_jumps;
  const QString last = before.takeLast();
  const std::optional<SshTarget> hop = jumpTarget(last);
  if (!hop) fail("ProxyJump '" + last + "' is not [user@]host[:port]", false);
  try {
    auto bastion = std::make_unique<SshSession>(*hop, m_options, m_prompts, before);
    bastion->connect();
    m_jump = std::make_unique<SshJump>(std::move(bastion), m_resolved.host, m_resolved.port);
  } catch (const RemoteError& e) {
    fail(QString("through the jump host ") + e.what(), e.retryable());
  }
  socket_t socket = m_jump->takeSocket();
  ssh_options_set(m_session, SSH_OPTIONS_FD, &socket);
}

// ServerAliveInterval, 15 s unless the ssh config says otherwise (0 turns it off), so that a node
// that vanishes (powered off, its link gone) is noticed while its jobs are followed: libssh 0.10
// sends no keepalives of its own, so the kernel's TCP keepalive probes an idle link at that
// interval and drops it after three unanswered probes (ssh's ServerAliveCountMax), and
// TCP_USER_TIMEOUT drops it as soon when what was sent stays unacknowledged. The tunnels then see
// a lost connection, and the dispatchers reconnect.
void SshSession::keepAlive() {
  const int interval = m_config.serverAliveInterval.value_or(kDefaultServerAliveInterval);
  const int probes = 3, on = 1;
  if (interval <= 0 || m_jump) return;
  const unsigned unacknowledgedMs = static_cast<unsigned>(interval * (probes + 1) * 1000);
  const int fd = ssh_get_fd(m_session);
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
  ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &unacknowledgedMs, sizeof unacknowledgedMs);
}

void SshSession::verifyHostKey() {
  ssh_key key = nullptr;
  if (ssh_get_server_publickey(m_session, &key) != SSH_OK)
    fail(QString("no host key: ") + ssh_get_error(m_session), true);
  unsigned char* hash = nullptr;
  size_t length = 0;
  ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length);
  char* fingerprint = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length);
  m_fingerprint = QString::fromLatin1(fingerprint);
  const QString keyType = QString::fromLatin1(ssh_key_type_to_char(ssh_key_type(key)));
  ssh_string_free_char(fingerprint);
  ssh_clean_pubkey_hash(&hash);
  ssh_key_free(key);

  switch (ssh_session_is_known_server(m_session)) {
    case SSH_KNOWN_HOSTS_OK:
      return;
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
      fail("WARNING: the host key has changed (it is now " + keyType + " " + m_fingerprint +
               "). Someone may be intercepting this connection (a man-in-the-middle attack), or "
               "the host was reinstalled. The connection was refused. If the change is expected, "
               "remove the host's old key from " + m_options.knownHostsFile + " or " +
               m_options.userKnownHostsFile + ".",
           false);
    case SSH_KNOWN_HOSTS_NOT_FOUND:
    case SSH_KNOWN_HOSTS_UNKNOWN:
      break;
    case SSH_KNOWN_HOSTS_ERROR:
      fail(QString("cannot check the host key: ") + ssh_get_error(m_session), false);
  }
  if (!m_prompts.acceptUnknownHost ||
      !m_prompts.acceptUnknownHost(m_resolved.host + ":" + QString::number(m_resolved.port), keyType,
                                   m_fingerprint))
    fail("the host key " + keyType + " " + m_fingerprint + " was not accepted; not connected",
         false);
  QDir().mkpath(QFileInfo(m_options.knownHostsFile).absolutePath());
  if (ssh_session_update_known_hosts(m_session) != SSH_OK)
    fail("cannot save the host key to " + m_options.knownHostsFile + ": " +
             ssh_get_error(m_session),
         false);
}

void SshSession::authenticate() {
  int result = ssh_userauth_none(m_session, nullptr);
  if (result == SSH_AUTH_SUCCESS) return;
  QStringList tried;
  // Each method in turn; a partial success (servers asking for a key and then a one-time code)
  // goes on to the methods the server still asks for.
  const auto offered = [&](int method) { return ssh_userauth_list(m_session, nullptr) & method; };
  if (offered(SSH_AUTH_METHOD_PUBLICKEY)) {
    const bool explicitKey = !m_target.keyPath.isEmpty();
    if (!explicitKey && !m_config.identitiesOnly && qEnvironmentVariableIsSet("SSH_AUTH_SOCK")) {
      result = ssh_userauth_agent(m_session, nullptr);
      if (result == SSH_AUTH_SUCCESS) return;
      if (result != SSH_AUTH_PARTIAL) tried << "ssh-agent (no key accepted)";
    }
    const QStringList keys = explicitKey ? QStringList{m_target.keyPath} : m_config.identityFiles;
    for (const QString& key : keys) {
      // The config's keys are tried when they exist, as ssh does; the node's own must exist.
      if (!explicitKey && !QFileInfo::exists(key)) continue;
      result = authenticateWithKey(key, tried);
      if (result == SSH_AUTH_SUCCESS) return;
      if (result == SSH_AUTH_PARTIAL) break;
    }
  }
  if (offered(SSH_AUTH_METHOD_INTERACTIVE) && m_prompts.keyboardInteractive) {
    result = authenticateInteractively(tried);
    if (result == SSH_AUTH_SUCCESS) return;
  }
  if (offered(SSH_AUTH_METHOD_PASSWORD) && m_prompts.password) {
    if (const auto password = m_prompts.password(m_resolved.user + "@" + m_resolved.host)) {
      if (ssh_userauth_password(m_session, nullptr, password->toUtf8().constData()) ==
          SSH_AUTH_SUCCESS)
        return;
      tried << "password (rejected)";
    } else {
      tried << "password (declined)";
    }
  }
  fail("authentication failed: the server offered " +
           methodNames(ssh_userauth_list(m_session, nullptr)) + "; tried " +
           (tried.isEmpty() ? QString("nothing usable") : tried.join(", ")),
       false);
}

int SshSession::authenticateWithKey(const QString& keyPath, QStringList& tried) {
  std::pair<const SshPrompts*, QString> request{&m_prompts, keyPath};
  ssh_key key = nullptr;
  if (ssh_pki_import_privkey_file(keyPath.toUtf8().constData(), nullptr, passphraseCallback,
                                  &request, &key) != SSH_OK)
    fail("cannot read the key file " + keyPath +
             " (missing, not a private key, or the passphrase was wrong or declined)",
         false);
  const int result = ssh_userauth_publickey(m_session, nullptr, key);
  ssh_key_free(key);
  if (result == SSH_AUTH_DENIED) tried << "key " + keyPath + " (rejected)";
  return result;
}

int SshSession::authenticateInteractively(QStringList& tried) {
  int result = ssh_userauth_kbdint(m_session, nullptr, nullptr);
  while (result == SSH_AUTH_INFO) {
    const int count = ssh_userauth_kbdint_getnprompts(m_session);
    QList<SshQuestion> questions;
    for (int i = 0; i < count; ++i) {
      char echo = 0;
      const char* text = ssh_userauth_kbdint_getprompt(m_session, static_cast<unsigned>(i), &echo);
      questions.append({QString::fromUtf8(text), echo != 0});
    }
    if (count > 0) {  // servers may send rounds without questions; they are answered empty
      const QString instruction =
          (QString::fromUtf8(ssh_userauth_kbdint_getname(m_session)) + "\n" +
           QString::fromUtf8(ssh_userauth_kbdint_getinstruction(m_session)))
              .trimmed();
      const auto answers = m_prompts.keyboardInteractive(m_resolved.user + "@" + m_resolved.host,
                                                         instruction, questions);
      if (!answers || answers->size() != count) {
        tried << "keyboard-interactive (declined)";
        return SSH_AUTH_DENIED;
      }
      for (int i = 0; i < count; ++i)
        ssh_userauth_kbdint_setanswer(m_session, static_cast<unsigned>(i),
                                      answers->at(i).toUtf8().constData());
    }
    result = ssh_userauth_kbdint(m_session, nullptr, nullptr);
  }
  if (result == SSH_AUTH_DENIED) tried << "keyboard-interactive (rejected)";
  return result;
}

SshSession::CommandResult SshSession::run(const QString& command) {
  ssh_channel channel = ssh_channel_new(m_session);
  if (!channel) fail(QString("cannot open a channel: ") + ssh_get_error(m_session), true);
  if (ssh_channel_open_session(channel) != SSH_OK ||
      ssh_channel_request_exec(channel, command.toUtf8().constData()) != SSH_OK) {
    ssh_channel_free(channel);
    fail(QString("cannot run a command: ") + ssh_get_error(m_session), true);
  }
  CommandResult result;
  char buffer[16384];
  for (int stream : {0, 1}) {
    QByteArray& sink = stream ? result.err : result.out;
    for (int n; (n = ssh_channel_read(channel, buffer, sizeof buffer, stream)) > 0;)
      sink.append(buffer, n);
  }
  ssh_channel_send_eof(channel);
  result.exitStatus = ssh_channel_get_exit_status(channel);
  ssh_channel_close(channel);
  ssh_channel_free(channel);
  if (!isConnected()) fail("the connection dropped while running a command", true);
  return result;
}

QString SshSession::check(const QString& command, const QString& what) {
  const CommandResult result = run(command);
  if (result.exitStatus != 0)
    fail(what + " failed (exit " + QString::number(result.exitStatus) + "): " +
             QString::fromUtf8(result.err).trimmed(),
         false);
  return QString::fromUtf8(result.out).trimmed();
}

void SshSession::upload(const QString& localPath, const QString& remotePath,
                        const std::function<bool(qint64, qint64)>& progress) {
  QFile in(localPath);
  if (!in.open(QIODevice::ReadOnly)) fail(localPath + ": cannot read", false);
  sftp_session sftp = sftp_new(m_session);
  if (!sftp || sftp_init(sftp) != SSH_OK) {
    if (sftp) sftp_free(sftp);
    fail(QString("cannot start SFTP: ") + ssh_get_error(m_session), true);
  }
  sftp_file file = sftp_open(sftp, remotePath.toUtf8().constData(), O_WRONLY | O_CREAT | O_TRUNC,
                             0600);
  if (!file) {
    const QString error = ssh_get_error(m_session);
    sftp_free(sftp);
    fail("cannot create " + remotePath + ": " + error, false);
  }
  const qint64 total = in.size();
  qint64 done = 0;
  QString problem;
  QByteArray chunk;
  while (!(chunk = in.read(kSftpChunk)).isEmpty()) {
    if (sftp_write(file, chunk.constData(), chunk.size()) != chunk.size()) {
      problem = "writing " + remotePath + " failed: " + ssh_get_error(m_session);
      break;
    }
    done += chunk.size();
    if (progress && !progress(done, total)) {
      problem = "upload of " + remotePath + " cancelled at " + QString::number(done) + " of " +
                QString::number(total) + " bytes";
      break;
    }
  }
  sftp_close(file);
  sftp_free(sftp);
  if (!problem.isEmpty()) fail(problem, true);
}

}  // namespace twb::remote
