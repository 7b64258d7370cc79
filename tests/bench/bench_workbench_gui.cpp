// Is the workbench's GUI thread still responsive while a fast run streams in, and how long does
// a replot of a long curve take?
//   1. 10 000 step events per second for 5 s, each stored (ExperimentStore, its writer thread)
//      and delivered to the Monitor through a queued signal, as the controller does. A 5 ms timer
//      on the GUI thread measures how late it fires: the event-loop latency (target p99 <= 50 ms).
//      Peer, side by side: the same timer on the idle event loop.
//   2. The Monitor's training-loss chart holding 1 000 000 points (raw and smoothed curves):
//      median of 20 replots (target <= 30 ms). Peer: QPainter::drawPolyline of the same points
//      into an image of the chart's size.
// Usage: QT_QPA_PLATFORM=offscreen bench_workbench_gui
#include <qcustomplot.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QTemporaryDir>
#include <QTimer>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <thread>

#include "app/experiment_store.h"
#include "ui/monitor_panel.h"

namespace {
struct Percentiles {
  double p50, p99, max;
};

Percentiles percentiles(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return {values[values.size() / 2], values[values.size() * 99 / 100], values.back()};
}

// How late a 5 ms timer fires on this thread's event loop for `ms`, in milliseconds.
std::vector<double> timerLateness(int ms) {
  std::vector<double> lateness;
  QElapsedTimer clock;
  clock.start();
  qint64 last = clock.nsecsElapsed();
  QTimer timer;
  timer.setTimerType(Qt::PreciseTimer);
  QObject::connect(&timer, &QTimer::timeout, [&] {
    const qint64 now = clock.nsecsElapsed();
    lateness.push_back(std::max(0.0, (now - last) / 1e6 - 5.0));
    last = now;
  });
  timer.start(5);
  QEventLoop loop;
  QTimer::singleShot(ms, &loop, &QEventLoop::quit);
  loop.exec();
  return lateness;
}
}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QTemporaryDir dir;
  twb::app::ExperimentStore store(dir.filePath("bench.db"));
  const qint64 run = store.addRun({0, store.addProject("bench"), "stream", "{}", "local", "", "running", "fp32", 0, {}, {}, {}, {}});
  twb::ui::MonitorPanel monitor;
  monitor.resize(1200, 800);
  monitor.show();
  monitor.addRun(run, "stream");
  monitor.addRun(run + 1, "long");

  const Percentiles idle = percentiles(timerLateness(2000));

  constexpr int kRate = 10000, kSeconds = 5;
  std::atomic<bool> streaming{true};
  std::thread feeder([&] {
    QElapsedTimer clock;
    clock.start();
    for (qint64 seq = 1; seq <= qint64{kRate} * kSeconds; ++seq) {
      while (clock.nsecsElapsed() < seq * (1000000000LL / kRate)) std::this_thread::yield();
      const QByteArray json = QJsonDocument(QJsonObject{{"seq", seq}, {"type", "step"}, {"step", seq},
                                                        {"loss", 2.0 / std::sqrt(double(seq))},
                                                        {"accuracy", 0.9}, {"time", 0.0}})
                                  .toJson(QJsonDocument::Compact);
      store.appendEvent(run, seq, "step", json);
      QMetaObject::invokeMethod(&monitor, [&monitor, run, json] { monitor.addEvent(run, "step", json); },
                                Qt::QueuedConnection);
    }
    streaming = false;
  });
  const Percentiles busy = percentiles(timerLateness(kSeconds * 1000));
  feeder.join();
  QCoreApplication::processEvents();
  store.flush();
  const qint64 stored = store.storedSeqs(run).size();

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

  std::printf("event-loop latency (5 ms timer lateness), GUI thread:\n");
  std::printf("  idle (peer):                      p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", idle.p50, idle.p99, idle.max);
  std::printf("  streaming %d events/s for %d s: p50 %.2f ms, p99 %.2f ms, max %.2f ms (target p99 <= 50); %lld events stored\n",
              kRate, kSeconds, busy.p50, busy.p99, busy.max, static_cast<long long>(stored));
  std::printf("replot of the loss chart with %d points (raw + smoothed): median %.1f ms, max %.1f ms (target <= 30)\n",
              kPoints, replot.p50, replot.max);
  std::printf("  peer: QPainter::drawPolyline of the same points: median %.1f ms (the chart is %.0fx faster)\n",
              peer.p50, peer.p50 / replot.p50);
  const bool met = busy.p99 <= 50 && replot.p50 <= 30 && stored == qint64{kRate} * kSeconds;
  std::printf("%s\n", met ? "targets met" : "targets MISSED");
  return met ? 0 : 1;
}
