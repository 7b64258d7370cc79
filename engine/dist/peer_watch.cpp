#include "dist/peer_watch.h"

#include <gloo/common/error.h>
#include <gloo/context.h>
#include <gloo/transport/unbound_buffer.h>

#include <cstdio>

#include "dist/comm_abort.h"

namespace twb {

PeerWatch::PeerWatch(std::shared_ptr<gloo::Context> mesh, std::vector<std::string> hosts,
                     std::shared_ptr<CommAbort> abort, std::chrono::milliseconds period,
                     std::chrono::milliseconds silence)
    : m_mesh(std::move(mesh)),
      m_hosts(std::move(hosts)),
      m_abort(std::move(abort)),
      m_period(period),
      m_silence(silence),
      m_heard(static_cast<size_t>(m_mesh->size)) {
  m_send = m_mesh->createUnboundBuffer(&m_beat, 1);
  for (int r = 0; r < m_mesh->size; ++r)
    m_receive.push_back(m_mesh->createUnboundBuffer(&m_heard[static_cast<size_t>(r)], 1));
  m_thread = std::thread([this] { run(); });
}

PeerWatch::~PeerWatch() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_stopped.notify_all();
  for (auto& receive : m_receive) receive->abortWaitRecv();
  m_thread.join();
  // The peers' heartbeats still under way must not land in buffers about to go.
  m_mesh->closeConnections();
}

bool PeerWatch::pause() {
  std::unique_lock lock(m_mutex);
  return !m_stopped.wait_for(lock, m_period, [&] { return m_stopping; });
}

void PeerWatch::run() {
  using Clock = std::chrono::steady_clock;
  const int me = m_mesh->rank, ranks = m_mesh->size;
  for (uint64_t round = 0;; ++round) {
    const auto start = Clock::now();
    try {
      for (int peer = 0; peer < ranks; ++peer) {
        if (peer == me) continue;
        m_receive[static_cast<size_t>(peer)]->recv(peer, round);
        m_send->send(peer, round);
      }
    } catch (const gloo::Exception&) {
      return;  // a connection broke: the peer died, and the collectives say so
    }
    for (int peer = 0; peer < ranks; ++peer) {
      if (peer == me) continue;
      // Rounded up: a wait cut short of the silence would read as a broken connection below.
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(start + m_silence - Clock::now());
      try {
        if (!m_receive[static_cast<size_t>(peer)]->waitRecv(
                nullptr, std::max(left, std::chrono::milliseconds(0))))
          return;  // stopping
      } catch (const gloo::Exception&) {
        if (Clock::now() < start + m_silence) return;  // broke rather than timed out: it died
        char seconds[16];
        std::snprintf(seconds, sizeof seconds, "%.1f", m_silence.count() / 1e3);
        m_abort->raise("rank " + std::to_string(me) + ": rank " + std::to_string(peer) + " (" +
                       m_hosts[static_cast<size_t>(peer)] + ") has not answered a heartbeat for " +
                       seconds + " s: it hangs, or the link to it is down");
        return;
      }
    }
    if (!pause()) return;
  }
}

}  // namespace twb
