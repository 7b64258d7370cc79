#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gloo {
class Context;
namespace transport {
class UnboundBuffer;
}
}  // namespace gloo

namespace twb {

class CommAbort;

// Finds a peer that hangs or whose link is down well before a collective's timeout would, and
// names it. Every rank exchanges a one-byte heartbeat with every other rank each `period`, over
// connections of its own (collectives keep theirs busy); a peer that has not answered a round
// within `silence` of its start raises `abort` naming it and its host (`hosts`, by rank). A peer
// that dies is not this class's concern: its connections break, and the collectives fail at once by
// themselves.
class PeerWatch {
 public:
  PeerWatch(std::shared_ptr<gloo::Context> mesh, std::vector<std::string> hosts,
            std::shared_ptr<CommAbort> abort, std::chrono::milliseconds period,
            std::chrono::milliseconds silence);
  ~PeerWatch();
  PeerWatch(const PeerWatch&) = delete;
  PeerWatch& operator=(const PeerWatch&) = delete;

 private:
  void run();
  bool pause();  // false once stopping

  std::shared_ptr<gloo::Context> m_mesh;
  std::vector<std::string> m_hosts;
  std::shared_ptr<CommAbort> m_abort;
  std::chrono::milliseconds m_period, m_silence;
  char m_beat = 1;
  std::vector<char> m_heard;  // one byte per rank
  std::unique_ptr<gloo::transport::UnboundBuffer> m_send;
  std::vector<std::unique_ptr<gloo::transport::UnboundBuffer>> m_receive;  // per rank
  std::mutex m_mutex;
  std::condition_variable m_stopped;
  bool m_stopping = false;
  std::thread m_thread;
};

}  // namespace twb
