#pragma once

#include <gloo/rendezvous/store.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace twb {

// Where the ranks of one job meet: "HOST:PORT" of the rendezvous server (rank 0's).
struct RendezvousAddress {
  std::string host;
  int port = 0;
  static RendezvousAddress parse(const std::string& text);  // throws naming the text
  std::string toString() const;
};

// A fresh random secret (64 hex digits) for one job's rendezvous.
std::string makeRendezvousSecret();

// A TCP port free at the time of the call on `host`, an address of this machine (127.0.0.1 for
// local ranks; the address other nodes reach it at for a job across nodes). Throws naming the
// host when this machine cannot listen there.
int freePort(const std::string& host);

// This machine's address whose route reaches `to` (no packet is sent: a UDP connect only
// routes); throws when `to` cannot be resolved or no route leads there.
std::string localAddressTowards(const RendezvousAddress& to);

// The key-value store the ranks of one job exchange their transport addresses through. Served
// by rank 0 only while the ranks connect: every connection must prove it holds the job's secret
// (HMAC-SHA256 challenge, both ways) before it may read or write a key.
class RendezvousServer {
 public:
  // Listens on host:port (port 0: any free port, see port()).
  RendezvousServer(const std::string& host, int port, std::string secret);
  ~RendezvousServer();
  RendezvousServer(const RendezvousServer&) = delete;
  RendezvousServer& operator=(const RendezvousServer&) = delete;

  int port() const { return m_port; }
  // Stops listening and drops every connection.
  void close();

 private:
  void acceptLoop();
  void serve(int fd);

  std::string m_secret;
  int m_listenFd = -1;
  int m_port = 0;
  std::atomic<bool> m_closing{false};
  std::mutex m_mutex;
  std::map<std::string, std::vector<char>> m_values;
  std::vector<int> m_clients;
  std::vector<std::thread> m_threads;
  std::thread m_acceptor;
};

// A rank's connection to the rendezvous server, as Gloo's Store. Connecting retries until the
// timeout, so ranks may start before rank 0 listens.
class RendezvousStore : public gloo::rendezvous::Store {
 public:
  RendezvousStore(const RendezvousAddress& address, const std::string& secret,
                  std::chrono::milliseconds timeout);
  ~RendezvousStore() override;

  void set(const std::string& key, const std::vector<char>& data) override;
  std::vector<char> get(const std::string& key) override;
  void wait(const std::vector<std::string>& keys) override;
  void wait(const std::vector<std::string>& keys,
            const std::chrono::milliseconds& timeout) override;

 private:
  bool tryGet(const std::string& key, std::vector<char>& value);

  RendezvousAddress m_address;
  std::chrono::milliseconds m_timeout;
  int m_fd = -1;
};

}  // namespace twb
