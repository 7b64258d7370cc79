// Is the workbench's GUI thread still responsive while a fast run streams in, while a large
// project opens, and how long does a replot of a long curve take?
//   1. The whole window (MainWindow over a real store and the local node) with a project of 200
//      stored training runs open (500 step and 5 evaluation events each). A 5 ms timer on the
//      GUI thread measures how late it fires: the event-loop latency. Peer, side by side: the same
//      timer on the idle event loop.
//      0. Starting the workbench (the window built, its runs browser filled off the GUI thread).
//      a. Switching to that project from a small one: the longest the GUI thread is blocked
//         (target <= 50 ms), and how long until every run's curve is in the Monitor.
//      b. Its Compare tab shown: a row per run, each training run's curve (target <= 50 ms).
//      c. 10 000 step events per second for 5 s from a running run of that project, each stored
//         (ExperimentStore, its writer thread) and delivered as the controller delivers a node's
//         events (target p99 <= 16 ms).
//   2. The Monitor's training-loss chart holding 1 000 000 points (raw and smoothed curves):
//      median of 20 replots (target <= 30 ms). Peer: QPainter::drawPolyline of the same points
//      into an image of the chart's size.
// Usage: QT_QPA_PLATFORM=offscreen bench_workbench_gui [monitor.png [compare.png]]
#include <qcustomplot.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QTemporaryDir>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QTreeView>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <thread>

#include "app/experiment_store.h"
#include "app/runs_model.h"
#include "app/workbench_controller.h"
#include "remote/local_node.h"
#include "ui/compare_panel.h"
#include "ui/main_window.h"
#include "ui/monitor_panel.h"

namespace {
struct Percentiles {
  double p50, p99, max;
};

Percentiles percentiles(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return {values[values.size() / 2], values[values.size() * 99 / 100], values.back()};
}

// How late a 5 ms timer fires on this thread's event loop, in milliseconds, for `ms` or until
// `done()` holds.
std::vector<double> timerLateness(int ms, const std::function<bool()>& done = {}) {
  std::vector<double> lateness;
  QElapsedTimer clock;
  clock.start();
  qint64 last = clock.nsecsElapsed();
  QTimer timer;
  timer.setTimerType(Qt::PreciseTimer);
  QEventLoop loop;
  QObject::connect(&timer, &QTimer::timeout, [&] {
    const qint64 now = clock.nsecsElapsed();
    lateness.push_back(std::max(0.0, (now - last) / 1e6 - 5.0));
    last = now;
    if ((done && done()) || clock.elapsed() >= ms) loop.quit();
  });
  timer.start(5);
  loop.exec();
  return lateness;
}

// A stored training run of `project` with `steps` step events and 5 evaluations.
qint64 storeRun(twb::app::ExperimentStore& store, qint64 project, const QString& name, int steps) {
  twb::app::Run run;
  run.projectId = project;
  run.name = name;
  run.jobJson = R"({"kind": "train", "model": "mlp", "precision": "fp32"})";
  run.node = "local";
  run.precision = "fp32";
  const qint64 id = store.addRun(run);
  for (qint64 seq = 1; seq <= steps; ++seq)
    store.appendEvent(id, seq, "step", QJsonDocument(QJsonObject{{"type", "step"}, {"step", double(seq)},
                                                                 {"epoch", seq / 100.0},
                                                                 {"loss", 2.0 / std::sqrt(double(seq))},
                                                                 {"accuracy", 0.9}, {"lr", 0.05},
                                                                 {"samples_per_s", 9000.0},
                                                                 {"total_steps", double(steps)},
                                                                 {"time", seq * 0.01}})
                                           .toJson(QJsonDocument::Compact));
  for (int e = 1; e <= 5; ++e)
    store.appendEvent(id, steps + e, "eval", QJsonDocument(QJsonObject{{"type", "eval"},
                                                                       {"step", double(e * steps / 5)},
                                                                       {"accuracy", 0.8 + e * 0.01},
                                                                       {"loss", 0.5}})
                                                 .toJson(QJsonDocument::Compact));
  store.setRunState(id, twb::app::RunState::Succeeded);
  return id;
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QTemporaryDir dir;
  twb::app::ExperimentStore store(dir.filePath("bench.db"));
  constexpr int kStoredRuns = 200, kStoredSteps = 500;
  const qint64 small = store.addProject("small"), big = store.addProject("big");
  storeRun(store, small, "small run", 50);
  qint64 lastStored = 0;
  for (int i = 0; i < kStoredRuns; ++i) lastStored = storeRun(store, big, QString("run %1").arg(i), kStoredSteps);
  store.flush();

  auto node = std::make_shared<twb::remote::LocalNode>(TWB_ENGINE_BINARY, dir.filePath("node"));
  twb::app::WorkbenchController controller(store, node);
  // 0. Start the workbench: the runs browser fills off the GUI thread.
  QElapsedTimer startClock;
  startClock.start();
  twb::ui::MainWindow window(controller);
  window.resize(1400, 900);
  window.show();
  twb::ui::MonitorPanel& monitor = *window.monitor();
  auto* tabs = window.findChild<QTabWidget*>("tabs");
  tabs->setCurrentWidget(&monitor);  // as a user watching runs
  const double startCall = startClock.nsecsElapsed() / 1e6;
  const double startBlock = std::max(
      startCall, percentiles(timerLateness(60000, [&] { return window.runsModel()->isLoaded(); })).max);
  const qint64 browserMs = startClock.elapsed();

  const Percentiles idle = percentiles(timerLateness(2000));

  // 1a. Open the big project.
  QElapsedTimer switchClock;
  switchClock.start();
  window.runsBrowser()->setCurrentIndex(window.projectIndex(big));
  const double switchCall = switchClock.nsecsElapsed() / 1e6;
  const auto allLoaded = [&] { return monitor.pointCount(lastStored) == kStoredSteps; };
  const double switchBlock = std::max(switchCall, percentiles(timerLateness(60000, allLoaded)).max);
  const qint64 loadedMs = switchClock.elapsed();
  const bool loaded = monitor.pointCount(lastStored) == kStoredSteps;
  if (argc > 1) {  // the opened project, to look at
    timerLateness(100);  // a redraw
    window.grab().save(QString::fromLocal8Bit(argv[1]));
  }

  // 1b. Its Compare tab: a row and a curve per run.
  QElapsedTimer compareClock;
  compareClock.start();
  bool compared = false;
  QObject::connect(window.comparePanel(), &twb::ui::ComparePanel::refreshed, [&compared] { compared = true; });
  tabs->setCurrentWidget(window.comparePanel());
  const double compareCall = compareClock.nsecsElapsed() / 1e6;
  const double compareBlock =
      std::max(compareCall, percentiles(timerLateness(60000, [&] { return compared; })).max);
  const qint64 compareMs = compareClock.elapsed();
  const int compareRows = window.comparePanel()->table()->rowCount();
  if (argc > 2) window.grab().save(QString::fromLocal8Bit(argv[2]));  // its Compare tab, to look at
  const bool comparedAll = compareRows == kStoredRuns;
  tabs->setCurrentWidget(&monitor);
  timerLateness(200);  // the Monitor's hidden charts drawn again

  // 1c. A run of that project streams in.
  twb::app::Run live;
  live.projectId = big;
  live.name = "stream";
  live.jobJson = R"({"kind": "train"})";
  live.node = "local";
  live.state = twb::app::RunState::Running;
  const qint64 run = live.id = store.addRun(live);
  emit controller.runAdded(live);
  constexpr int kRate = 10000, kSeconds = 5;
  std::thread feeder([&] {
    QElapsedTimer clock;
    clock.start();
    for (qint64 seq = 1; seq <= qint64{kRate} * kSeconds; ++seq) {
      // Paced by sleeping, as a node's events arrive on a dispatcher thread that waits on its
      // stream: a spinning feeder would take one of the machine's cores from the GUI thread.
      const qint64 due = seq * (1000000000LL / kRate);
      if (const qint64 ahead = due - clock.nsecsElapsed(); ahead > 0)
        std::this_thread::sleep_for(std::chrono::nanoseconds(ahead));
      const QByteArray json = QJsonDocument(QJsonObject{{"seq", seq}, {"type", "step"}, {"step", seq},
                                                        {"loss", 2.0 / std::sqrt(double(seq))},
                                                        {"accuracy", 0.9}, {"time", 0.0},
                                                        {"total_steps", kRate * kSeconds}})
                                  .toJson(QJsonDocument::Compact);
      store.appendEvent(run, seq, "step", json);
      QMetaObject::invokeMethod(&controller, [&controller, run, seq, json] {
        emit controller.eventArrived(run, seq, "step", json);
      }, Qt::QueuedConnection);
    }
  });
  const Percentiles busy = percentiles(timerLateness(kSeconds * 1000));
  feeder.join();
  QCoreApplication::processEvents();
  store.flush();
  const qint64 stored = store.storedSeqs(run).size();
  monitor.addRun(run + 1, "long");

  constexpr int kPoints = 1000000;
  QVector<double> steps(kPoints), values(kPoints);
  for (int i = 0; i < kPoints; ++i) {
    steps[i] = i;
    values[i] = 2.0 / std::sqrt(i + 1.0) + 0.05 * std::sin(i * 0.37);
  }
  QCustomPlot* plot = monitor.lossPlot();
  monitor.loadLossCurve(run + 1, steps, values);
  plot->rescaleAxes();
  std::vector<double> replots;
  for (int i = 0; i < 20; ++i) {
    QElapsedTimer clock;
    clock.start();
    plot->replot(QCustomPlot::rpImmediateRefresh);
    replots.push_back(clock.nsecsElapsed() / 1e6);
  }
  QImage image(plot->size(), QImage::Format_ARGB32_Premultiplied);
  QPolygonF line(kPoints);
  for (int i = 0; i < kPoints; ++i)
    line[i] = QPointF(i * image.width() / double(kPoints), image.height() * (1 - values[i] / 2.1));
  std::vector<double> painter;
  for (int i = 0; i < 5; ++i) {
    QElapsedTimer clock;
    clock.start();
    image.fill(Qt::white);
    QPainter p(&image);
    p.drawPolyline(line);
    p.end();
    painter.push_back(clock.nsecsElapsed() / 1e6);
  }
  const Percentiles replot = percentiles(replots), peer = percentiles(painter);

  std::printf("event-loop latency (5 ms timer lateness), GUI thread, a project of %d stored runs open:\n", kStoredRuns);
  std::printf("  idle (peer):                      p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", idle.p50, idle.p99, idle.max);
  std::printf("  starting the workbench: blocked at most %.1f ms; the runs browser filled after %lld ms\n",
              startBlock, static_cast<long long>(browserMs));
  std::printf("  opening the project: blocked at most %.1f ms (target <= 50); every curve in the Monitor after %lld ms%s\n",
              switchBlock, static_cast<long long>(loadedMs), loaded ? "" : " (NOT all loaded)");
  std::printf("  its Compare tab: blocked at most %.1f ms (target <= 50); %d rows and curves after %lld ms%s\n",
              compareBlock, compareRows, static_cast<long long>(compareMs),
              comparedAll ? "" : " (NOT all runs)");
  std::printf("  streaming %d events/s for %d s: p50 %.2f ms, p99 %.2f ms, max %.2f ms (target p99 <= 16); %lld events stored\n",
              kRate, kSeconds, busy.p50, busy.p99, busy.max, static_cast<long long>(stored));
  std::printf("replot of the loss chart with %d points (raw + smoothed): median %.1f ms, max %.1f ms (target <= 30)\n",
              kPoints, replot.p50, replot.max);
  std::printf("  peer: QPainter::drawPolyline of the same points: median %.1f ms (the chart is %.0fx faster)\n",
              peer.p50, peer.p50 / replot.p50);
  const bool met = loaded && switchBlock <= 50 && comparedAll && compareBlock <= 50 && busy.p99 <= 16 && replot.p50 <= 30 &&
                   stored == qint64{kRate} * kSeconds;
  std::printf("%s\n", met ? "targets met" : "targets MISSED");
  return met ? 0 : 1;
}
