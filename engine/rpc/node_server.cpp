#include "rpc/node_server.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/build_info.h"
#include "core/error.h"
#include "core/file_writing.h"
#include "core/user_folders.h"
#include "rpc/certificate_pins.h"
#include "rpc/node_certificate.h"
#include "train/event_log.h"

namespace twb {

namespace fs = std::filesystem;

namespace {
bool someoneListens(const std::string& socketPath) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socketPath.c_str(), sizeof address.sun_path - 1);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

// The socket's folder must keep everyone but its owner out: the socket is the node's only lock.
void prepareSocketFolder(const std::string& socketPath) {
  if (socketPath.size() >= sizeof(sockaddr_un{}.sun_path))
    throw Error("unix:" + socketPath + ": the socket path is longer than " +
                std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes");
  const fs::path folder = fs::path(socketPath).parent_path();
  if (!fs::exists(folder)) {
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) throw Error(folder.string() + ": cannot make the socket's folder: " + ec.message());
    fs::permissions(folder, fs::perms::owner_all, fs::perm_options::replace);
  }
  struct stat info {};
  if (::stat(folder.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
    throw Error(folder.string() + ": not a folder");
  if (info.st_uid != ::getuid() || (info.st_mode & (S_IRWXG | S_IRWXO)))
    throw Error(folder.string() + ": the socket's folder must be owned by this user and closed "
                                  "to others (chmod 700)");
  if (fs::exists(fs::symlink_status(socketPath))) {
    if (someoneListens(socketPath))
      throw Error("unix:" + socketPath + ": another daemon is already listening there");
    fs::remove(socketPath);  // left by a daemon that died
  }
}

std::string selfExecutable() {
  return fs::read_symlink("/proc/self/exe").string();
}
}  // namespace

std::string defaultDataDir() { return userFolder(UserFolder::data) + "/node"; }

NodeServer::NodeServer(const ServeOptions& options) {
  const bool tcp = options.address.kind == NodeAddress::Kind::tcp;
  if (tcp && options.tokenFile.empty())
    throw Error("serve --listen " + options.address.toString() +
                ": listening on TCP requires --token-file (every caller must present the token)");
  AccessToken token = options.tokenFile.empty() ? AccessToken() : AccessToken::fromFile(options.tokenFile);
  if (!tcp) {
    m_socketPath = options.address.path;
    prepareSocketFolder(m_socketPath);
  }
  m_dataDir = options.dataDir.empty() ? defaultDataDir() : options.dataDir;
  std::error_code ec;
  fs::create_directories(m_dataDir, ec);
  if (ec) throw Error(m_dataDir + ": cannot make the node's data folder: " + ec.message());
  // Two daemons on one data folder would both start its queued jobs.
  m_lock = ::open((m_dataDir + "/daemon.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (m_lock < 0) throw Error(m_dataDir + "/daemon.lock: cannot open: " + std::strerror(errno));
  if (::flock(m_lock, LOCK_EX | LOCK_NB) != 0)
    throw Error(m_dataDir + ": another daemon serves this data folder (see its daemon.json)");
  m_jobs = std::make_unique<JobManager>(JobManager::Options{
      m_dataDir, options.engineBinary.empty() ? selfExecutable() : options.engineBinary,
      options.maxJobs});
  m_service = std::make_unique<NodeService>(*m_jobs, std::move(token), m_dataDir + "/scratch", m_dataDir);

  grpc::ServerBuilder builder;
  int port = 0;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (tcp) {
    // On TCP the token and the jobs cross the network: TLS with the node's own certificate.
    const NodeCertificate identity = loadOrCreateNodeCertificate(m_dataDir);
    m_certificateFingerprint = twb::certificateFingerprint(identity.certificatePem);
    grpc::SslServerCredentialsOptions tls;
    tls.pem_key_cert_pairs.push_back({identity.keyPem, identity.certificatePem});
    credentials = grpc::SslServerCredentials(tls);
  }
  builder.AddListeningPort(options.address.grpcTarget(), credentials, tcp ? &port : nullptr);
  builder.RegisterService(m_service.get());
  builder.SetMaxReceiveMessageSize(256 << 20);  // jobs may carry model files
  // Clients ping a silent watch every few seconds (NodeClient's keepalive); gRPC's default
  // would take pings closer than 5 minutes for abuse and drop the connection.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 1000);
  m_server = builder.BuildAndStart();
  if (!m_server || (tcp && port == 0))
    throw Error("cannot listen on " + options.address.toString() +
                " (address in use or not available)");
  if (!tcp) ::chmod(m_socketPath.c_str(), 0600);
  m_listening = tcp ? "tcp:" + options.address.host + ":" + std::to_string(port)
                    : options.address.toString();
  const nlohmann::json daemon = {{"pid", ::getpid()},
                                 {"listen", m_listening},
                                 {"version", TWB_VERSION},
                                 {"build_hash", engineBuild()},
                                 {"certificate", m_certificateFingerprint}};
  writeFileWhole(m_dataDir + "/daemon.json", daemon.dump(2) + "\n", {.durable = true});
}

NodeServer::~NodeServer() {
  shutdown();
  if (m_lock >= 0) ::close(m_lock);
}

void NodeServer::shutdown() {
  if (!m_server) return;
  // Watch streams end at their next wake-up; a second later the rest are cut.
  m_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  m_server.reset();
  std::error_code ec;
  if (!m_socketPath.empty()) fs::remove(m_socketPath, ec);
  fs::remove(m_dataDir + "/daemon.json", ec);
}

}  // namespace twb
