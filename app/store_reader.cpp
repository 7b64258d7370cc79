#include "app/store_reader.h"

namespace twb::app {

StoreReader::StoreReader(const ExperimentStore& store, QObject* parent)
    : QObject(parent), m_store(store), m_thread([this] { readLoop(); }) {}

StoreReader::~StoreReader() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    m_tasks.clear();
  }
  m_wake.notify_one();
  m_thread.join();
}

void StoreReader::enqueue(std::function<void()> task) {
  {
    std::lock_guard lock(m_mutex);
    m_tasks.push_back(std::move(task));
  }
  m_wake.notify_one();
}

void StoreReader::waitForReads() {
  std::unique_lock lock(m_mutex);
  m_idle.wait(lock, [this] { return m_tasks.empty() && !m_busy; });
}

void StoreReader::readLoop() {
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_wake.wait(lock, [this] { return m_stopping || !m_tasks.empty(); });
    if (m_stopping) return;
    std::function<void()> task = std::move(m_tasks.front());
    m_tasks.pop_front();
    m_busy = true;
    lock.unlock();
    try {
      task();
    } catch (const StoreError&) {
      // A read that fails (the file vanished) leaves the view as it was; writes report errors.
    }
    lock.lock();
    m_busy = false;
    if (m_tasks.empty()) m_idle.notify_all();
  }
}

}  // namespace twb::app
