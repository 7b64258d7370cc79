#pragma once

#include <QObject>
#include <QPointer>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "app/experiment_store.h"

namespace twb::app {

// Reads the store for the views on a thread of its own, so that no view waits for SQLite on the
// GUI thread (a project of hundreds of runs takes tens of milliseconds to read). Reads run one at
// a time in the order they were asked for, so a view that asks again gets the newer answer last;
// each answer is handed to its receiver on the receiver's thread, and dropped when the receiver
// is gone by then.
class StoreReader : public QObject {
  Q_OBJECT

 public:
  explicit StoreReader(const ExperimentStore& store, QObject* parent = nullptr);
  ~StoreReader() override;  // waits for the read under way; drops the ones not started

  template <typename Result>
  void read(QObject* receiver, std::function<Result(const ExperimentStore&)> query,
            std::function<void(Result)> done) {
    enqueue([this, receiver = QPointer<QObject>(receiver), query = std::move(query),
             done = std::move(done)] {
      auto result = std::make_shared<Result>(query(m_store));
      // Through this object, which outlives the thread: `receiver` is looked at on its own thread.
      QMetaObject::invokeMethod(
          this,
          [receiver, done, result] {
            if (receiver) done(std::move(*result));
          },
          Qt::QueuedConnection);
    });
  }

  // Blocks until every read asked for so far has run (its answer may still be on its way).
  void waitForReads();

 private:
  void enqueue(std::function<void()> task);
  void readLoop();

  const ExperimentStore& m_store;
  std::mutex m_mutex;
  std::condition_variable m_wake, m_idle;
  std::deque<std::function<void()>> m_tasks;
  bool m_busy = false, m_stopping = false;
  std::thread m_thread;
};

}  // namespace twb::app
