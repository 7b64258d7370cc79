#include "remote/ssh_session.h"

#include <fcntl.h>
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
}  // namespace

SshSession::SshSession(SshTarget target, Options options, SshPrompts prompts)
    : m_target(std::move(target)), m_options(std::move(options)), m_prompts(std::move(prompts)) {
  if (m_options.userKnownHostsFile.isEmpty()) m_options.userKnownHostsFile = defaultUserKnownHosts();
}

SshSession::~SshSession() {
  if (!m_session) return;
  ssh_disconnect(m_session);
  ssh_free(m_session);
}

void SshSession::fail(const QString& what, bool retryable) const {
  throw RemoteError((m_target.display() + ": " + what).toStdString(), retryable);
}

bool SshSession::isConnected() const { return m_session && ssh_is_connected(m_session); }

void SshSession::connect() {
  m_session = ssh_new();
  if (!m_session) fail("cannot create an SSH session", false);
  const QByteArray host = m_target.host.toUtf8(), user = m_target.user.toUtf8();
  const QByteArray known = m_options.knownHostsFile.toUtf8();
  const QByteArray userKnown = m_options.userKnownHostsFile.toUtf8();
  const unsigned int port = m_target.port;
  const long timeout = m_options.timeoutSeconds;
  const int no = 0, yes = 1;
  ssh_options_set(m_session, SSH_OPTIONS_HOST, host.constData());
  ssh_options_set(m_session, SSH_OPTIONS_PORT, &port);
  if (!user.isEmpty()) ssh_options_set(m_session, SSH_OPTIONS_USER, user.constData());
  ssh_options_set(m_session, SSH_OPTIONS_TIMEOUT, &timeout);
  ssh_options_set(m_session, SSH_OPTIONS_KNOWNHOSTS, known.constData());
  ssh_options_set(m_session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, userKnown.constData());
  // Only what the node entry says counts, not ~/.ssh/config, so a connection behaves the same
  // from the GUI, a test or a script.
  ssh_options_set(m_session, SSH_OPTIONS_PROCESS_CONFIG, &no);
  // Every SFTP write and command waits for its reply: Nagle's algorithm would hold each small
  // request back for the peer's delayed ACK (~40 ms a round trip).
  ssh_options_set(m_session, SSH_OPTIONS_NODELAY, &yes);
  if (ssh_connect(m_session) != SSH_OK)
    fail(QString("cannot connect: ") + ssh_get_error(m_session), true);
  verifyHostKey();
  authenticate();
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
      !m_prompts.acceptUnknownHost(m_target.host + ":" + QString::number(m_target.port), keyType,
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
  if (ssh_userauth_none(m_session, nullptr) == SSH_AUTH_SUCCESS) return;
  const int methods = ssh_userauth_list(m_session, nullptr);
  QStringList tried;
  if (methods & SSH_AUTH_METHOD_PUBLICKEY) {
    if (m_target.keyPath.isEmpty() && qEnvironmentVariableIsSet("SSH_AUTH_SOCK")) {
      if (ssh_userauth_agent(m_session, nullptr) == SSH_AUTH_SUCCESS) return;
      tried << "ssh-agent (no key accepted)";
    }
    if (!m_target.keyPath.isEmpty()) {
      std::pair<const SshPrompts*, QString> request{&m_prompts, m_target.keyPath};
      ssh_key key = nullptr;
      if (ssh_pki_import_privkey_file(m_target.keyPath.toUtf8().constData(), nullptr,
                                      passphraseCallback, &request, &key) != SSH_OK)
        fail("cannot read the key file " + m_target.keyPath +
                 " (missing, not a private key, or the passphrase was wrong or declined)",
             false);
      const int result = ssh_userauth_publickey(m_session, nullptr, key);
      ssh_key_free(key);
      if (result == SSH_AUTH_SUCCESS) return;
      tried << "key " + m_target.keyPath + " (rejected)";
    }
  }
  if ((methods & SSH_AUTH_METHOD_PASSWORD) && m_prompts.password) {
    if (const auto password = m_prompts.password(m_target.user + "@" + m_target.host)) {
      if (ssh_userauth_password(m_session, nullptr, password->toUtf8().constData()) ==
          SSH_AUTH_SUCCESS)
        return;
      tried << "password (rejected)";
    } else {
      tried << "password (declined)";
    }
  }
  fail("authentication failed: the server offered " + methodNames(methods) + "; tried " +
           (tried.isEmpty() ? QString("nothing usable") : tried.join(", ")),
       false);
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
