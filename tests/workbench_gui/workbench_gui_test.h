#pragma once

// The workbench's widgets against a real local node and a temporary store, offscreen: the job
// form's checks at their fields, a run that streams live points into the Monitor, the runs
// browser, and screenshots of each screen (saved for a person to look at). One suite, its tests
// in one file per tab or feature beside this fixture; Qt Test runs them in the order declared
// below.
#include <qcustomplot.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDeadlineTimer>
#include <QDesktopServices>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QTranslator>
#include <QTreeView>
#include <QTreeWidget>
#include <QtTest>

#include "app/experiment_store.h"
#include "app/model_graph.h"
#include "app/node_manager.h"
#include "app/profile_trace.h"
#include "app/run_summary.h"
#include "app/runs_model.h"
#include "app/store_reader.h"
#include "app/sweep_controller.h"
#include "app/varying_job_fields.h"
#include "app/workbench_controller.h"
#include "namespace_hosts.h"
#include "remote/local_node.h"
#include "ssh_server.h"
#include "test_support.h"
#include "ui/charts.h"
#include "ui/compare_panel.h"
#include "ui/confusion_view.h"
#include "ui/designer_canvas.h"
#include "ui/export_panel.h"
#include "ui/input_sizes_dialog.h"
#include "ui/job_form.h"
#include "ui/job_json_editor.h"
#include "ui/login_dialog.h"
#include "ui/main_window.h"
#include "ui/model_designer.h"
#include "ui/model_graph_view.h"
#include "ui/monitor_panel.h"
#include "ui/node_list.h"
#include "ui/node_questions.h"
#include "ui/nodes_dialog.h"
#include "ui/parallel_coordinates.h"
#include "ui/plugins_dialog.h"
#include "ui/profile_panel.h"
#include "ui/recent_jobs_menu.h"

using namespace twb;
using twb::bf16Unavailable;

class WorkbenchGuiTest : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  std::unique_ptr<app::ExperimentStore> m_store;
  std::unique_ptr<app::WorkbenchController> m_controller;
  std::unique_ptr<ui::MainWindow> m_window;

  template <typename T>
  T* field(const char* name) const {
    T* widget = m_window->findChild<T*>(name);
    if (!widget) qFatal("no widget named %s", name);
    return widget;
  }
  // However a test with saved nodes ends, the next ones find the local node only, not a
  // NodeManager gone with the test.
  auto forgetNodesOnExit() {
    return qScopeGuard([this] {
      m_window->jobForm()->setNodes({});
      m_controller->setNodeManager(nullptr);
    });
  }

  QAbstractItemModel* browser() const { return m_window->runsBrowser()->model(); }
  // The i-th run row of the first (default) project in the runs browser.
  QPersistentModelIndex runRow(int i) const {
    return browser()->index(i, 0, browser()->index(0, 0));
  }
  int runCount(const QModelIndex& project) const { return browser()->rowCount(project); }
  int runCount() const { return runCount(browser()->index(0, 0)); }
  static QString text(const QModelIndex& row, int column) {
    return row.siblingAtColumn(column).data().toString();
  }
  static qint64 runIdOf(const QModelIndex& row) {
    return row.data(app::RunsModel::RunIdRole).toLongLong();
  }
  bool runEnabled() const { return field<QPushButton>("run")->isEnabled(); }
  // Answers the file dialog about to open: chooses `path`, or cancels when it is empty.
  void answerTheFileDialog(const QString& path);
  // Answers the next message box to open, within `patience`, with `button`; `asked` gets its
  // text (and its informative text on the lines after). It may open after other modal dialogs (a
  // file dialog) have been answered.
  void answerTheQuestion(QMessageBox::StandardButton button, QString* asked,
                         QDeadlineTimer patience = QDeadlineTimer(5000));
  // What closing the window would do (true: it closes), the window kept for the tests after.
  bool windowWouldClose() {
    QCloseEvent close;
    QApplication::sendEvent(m_window.get(), &close);
    return close.isAccepted();
  }
  // The question of a model file's free sizes that `owner` puts (its file read first); null when
  // none shows.
  static ui::InputSizesDialog* shownSizesDialog(const QObject* owner) {
    ui::InputSizesDialog* dialog = nullptr;
    [&] {
      QTRY_VERIFY_WITH_TIMEOUT(
          (dialog = owner->findChild<ui::InputSizesDialog*>()) && dialog->isVisible(),
          twb::test::timeScaled(30000));
    }();
    return dialog && dialog->isVisible() ? dialog : nullptr;
  }
  // Runs Compare precisions trains: fp32 and bf16, or fp32 alone where the CPU has no bf16.
  static int trainedRuns() { return bf16Unavailable().empty() ? 2 : 1; }
  // A job naming every field docs/job-file.md documents (SGD and step schedule: the Adam and
  // cosine fields are swapped in by the tests that need them); small enough to run in seconds.
  static QJsonObject everyFieldJob() {
    return {{"name", "every-field"},
            {"model",
             QJsonObject{{"template", "mlp"}, {"args", QJsonObject{{"hidden", QJsonArray{64}}}}}},
            {"dataset", QJsonObject{{"train", "fashion-mnist"},
                                    {"test", "fashion-mnist"},
                                    {"normalize", QJsonObject{{"mean", QJsonArray{0.286}},
                                                              {"std", QJsonArray{0.353}}}},
                                    {"augment", QJsonObject{{"crop_padding", 2}, {"flip", true}}}}},
            {"precision", "fp32"},
            {"allow_winograd", false},
            {"allow_tf32", false},
            {"loss", "SoftmaxCrossEntropy"},
            {"optimizer", QJsonObject{{"type", "sgd"},
                                      {"lr", 0.05},
                                      {"momentum", 0.9},
                                      {"nesterov", true},
                                      {"weight_decay", 0.0001}}},
            {"schedule",
             QJsonObject{{"type", "step"}, {"step_size", 20}, {"gamma", 0.5}, {"warmup_steps", 5}}},
            {"batch", 64},
            {"epochs", 1},
            {"max_steps", 40},
            {"seed", 3},
            {"eval", QJsonObject{{"every_epoch", false}, {"every_steps", 20}, {"batch", 500}}},
            {"checkpoint", QJsonObject{{"every_steps", 20}, {"keep", 2}}},
            {"log_every_steps", 5},
            {"profile", QJsonObject{{"every_steps", 20}}},
            {"threads", 2},
            {"parallel", QJsonObject{{"strategy", "single"}}}};
  }
  // Presses Run once the node has checked the job, and waits for the project's first run to
  // succeed; `run` is its row (null when a check failed).
  void runToSuccess(qint64 project, QPersistentModelIndex& run) {
    QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));
    QTest::mouseClick(field<QPushButton>("run"), Qt::LeftButton);
    const QPersistentModelIndex projectRow = m_window->projectIndex(project);
    QTRY_COMPARE_WITH_TIMEOUT(runCount(projectRow), 1, twb::test::timeScaled(10000));
    QTRY_COMPARE_WITH_TIMEOUT(text(browser()->index(0, 0, projectRow), 1), QString("succeeded"),
                              twb::test::timeScaled(120000));
    run = browser()->index(0, 0, projectRow);
  }
  // A project of a test's own, shown on the Job tab while the test runs; when it ends the window
  // is back on the project and job it showed before.
  struct OwnProject {
    OwnProject(ui::MainWindow& window, app::WorkbenchController& controller, const QString& name)
        : window(window), previous(controller.projectId()), job(window.jobForm()->job()) {
      id = window.newProject(name);
      window.tabs()->setCurrentIndex(0);
    }
    ~OwnProject() {
      window.showProject(previous);
      window.jobForm()->setJob(job);
    }
    ui::MainWindow& window;
    qint64 previous, id = 0;
    QJsonObject job;
  };
  // A second window on the same controller, in Chinese while it lives; null when the
  // translation is missing.
  struct ChineseWindow {
    explicit ChineseWindow(app::WorkbenchController& controller) {
      if (!translator.load("twb_zh_CN", ":/i18n")) return;
      QCoreApplication::installTranslator(&translator);
      window = std::make_unique<ui::MainWindow>(controller);
      window->resize(1280, 800);
      window->show();
    }
    ~ChineseWindow() {
      window.reset();
      QCoreApplication::removeTranslator(&translator);
    }
    QTranslator translator;
    std::unique_ptr<ui::MainWindow> window;
  };
  // The fields of one CSV line (RFC 4180 quoting).
  static QStringList csvFields(const QString& line) {
    QStringList fields{QString()};
    bool quoted = false;
    for (qsizetype i = 0; i < line.size(); ++i) {
      const QChar c = line[i];
      if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"')
        fields.back() += c, ++i;
      else if (c == '"')
        quoted = !quoted;
      else if (c == ',' && !quoted)
        fields << QString();
      else
        fields.back() += c;
    }
    return fields;
  }
  // The column whose header starts with `header` (-1 when none does).
  static int columnOf(QTableWidget* table, const QString& header) {
    for (int c = 0; c < table->columnCount(); ++c)
      if (table->horizontalHeaderItem(c)->text().startsWith(header)) return c;
    return -1;
  }
  // The Compare tab of a project with one run says where the run trained, as `expected`.
  bool comparedRunRanOn(const QString& expected) {
    m_window->tabs()->setCurrentWidget(m_window->comparePanel());
    QTableWidget* table = m_window->comparePanel()->table();
    const int column = columnOf(table, "Ran on");
    const auto shown = [&] {
      return table->rowCount() == 1 && table->item(0, column) ? table->item(0, column)->text()
                                                              : QString();
    };
    if (QTest::qWaitFor([&] { return shown() == expected; }, twb::test::timeScaled(10000)))
      return true;
    qWarning("Compare's \"Ran on\": \"%s\", not \"%s\"", qPrintable(shown()), qPrintable(expected));
    return false;
  }
  // A scaling study's runs in Compare: each one's "Ran on" is `ranOn[i]` and, but for the first
  // (the baseline), its Scaling is its throughput per rank (of `ranks[i]`) over the first's, both
  // from the runs' own stored throughputs. Runs found by id, whatever the table's sort order.
  bool comparedScaling(const QList<app::Run>& runs, const QStringList& ranOn,
                       const QList<int>& ranks) {
    m_window->tabs()->setCurrentWidget(m_window->comparePanel());
    QTableWidget* table = m_window->comparePanel()->table();
    const int ranOnColumn = columnOf(table, "Ran on"), scaling = columnOf(table, "Scaling");
    QStringList expected;
    const double baseline = m_store->run(runs[0].id).summary["samples_per_s"].toDouble();
    for (int i = 0; i < runs.size(); ++i) {
      const double perRank =
          m_store->run(runs[i].id).summary["samples_per_s"].toDouble() / ranks[i];
      expected << ranOn[i] + ": " +
                      (i == 0 ? QString()
                              : QString::number(100 * perRank / baseline, 'f', 0) + " %");
    }
    const auto shown = [&] {
      QStringList rows(runs.size());
      for (int r = 0; r < table->rowCount(); ++r)
        for (int i = 0; i < runs.size(); ++i)
          if (table->item(r, 0)->data(Qt::UserRole).toLongLong() == runs[i].id)
            rows[i] = table->item(r, ranOnColumn)->text() + ": " + table->item(r, scaling)->text();
      return rows;
    };
    if (!QTest::qWaitFor([&] { return shown() == expected; }, twb::test::timeScaled(10000))) {
      qWarning("Compare shows %s, not %s", qPrintable(shown().join("; ")),
               qPrintable(expected.join("; ")));
      return false;
    }
    // Each scaled run's tooltip says where its step's time went against the baseline's.
    for (int r = 0; r < table->rowCount(); ++r)
      if (const QString tip = table->item(r, scaling)->toolTip();
          !table->item(r, scaling)->text().isEmpty() &&
          !(tip.contains("A rank's step: ") &&
            tip.contains("communication that compute did not hide"))) {
        qWarning("Scaling's tooltip: %s", qPrintable(tip));
        return false;
      }
    return true;
  }
  // The named series of a chart that have points.
  static QStringList drawnSeries(QCustomPlot* plot) {
    QStringList named;
    for (int g = 0; g < plot->graphCount(); ++g)
      if (!plot->graph(g)->name().isEmpty() && !plot->graph(g)->data()->isEmpty())
        named << plot->graph(g)->name();
    return named;
  }
  // A chart is drawn on the Monitor's redraw tick once it is shown: true when its axes have been
  // fitted to its first curve.
  // The note an empty chart shows in place of curves; empty when it shows none.
  static QString shownNote(QCustomPlot* plot) {
    for (int i = 0; i < plot->itemCount(); ++i)
      if (auto* text = qobject_cast<QCPItemText*>(plot->item(i)); text && text->visible())
        return text->text();
    return {};
  }
  static bool fittedToData(QCustomPlot* plot) {
    bool found = false;
    const QCPRange keys = plot->graph(0)->data()->keyRange(found);
    return found && plot->xAxis->range().contains(keys.upper);
  }
  // Adds `op` from the designer's palette as a user does: click it, press Enter. Returns the new
  // node's name (it is selected).
  static QString addOp(ui::ModelDesigner& designer, const QString& op) {
    QListWidget* palette = designer.palette();
    const QList<QListWidgetItem*> items = palette->findItems(op, Qt::MatchExactly);
    if (items.isEmpty()) return {};
    palette->scrollToItem(items.front());
    QTest::mouseClick(palette->viewport(), Qt::LeftButton, {},
                      palette->visualItemRect(items.front()).center());
    QTest::keyClick(palette, Qt::Key_Return);
    const QStringList selected = designer.canvas()->selectedBoxes();
    return selected.size() == 1 ? selected.front() : QString();
  }
  // Types `text` into the designer's property field `name` and presses Enter.
  static bool typeInto(ui::ModelDesigner& designer, const QString& name, const QString& text) {
    QCoreApplication::processEvents();  // the property editor rebuilds from the event loop
    auto* field = designer.findChild<QLineEdit*>(name);
    if (!field) return false;
    field->setFocus();
    field->selectAll();
    if (text.isEmpty())
      QTest::keyClick(field, Qt::Key_Delete);
    else
      QTest::keyClicks(field, text);
    QTest::keyClick(field, Qt::Key_Return);
    QCoreApplication::processEvents();
    return true;
  }
  // Drags from `from`'s output port onto `to`, as a user connects two boxes.
  static void dragConnect(ui::DesignerCanvas& canvas, const QString& from, const QString& to) {
    QTest::mousePress(canvas.viewport(), Qt::LeftButton, {}, canvas.outputPortOf(from));
    QMouseEvent move(QEvent::MouseMove, canvas.centreOf(to),
                     canvas.viewport()->mapToGlobal(canvas.centreOf(to)), Qt::NoButton,
                     Qt::LeftButton, {});
    QCoreApplication::sendEvent(canvas.viewport(), &move);
    QTest::mouseRelease(canvas.viewport(), Qt::LeftButton, {}, canvas.centreOf(to));
  }
  // A Monitor of its own, shown at the size the tests draw it; false when it never showed.
  static bool shown(ui::MonitorPanel& monitor) {
    monitor.resize(1000, 640);
    monitor.show();
    return QTest::qWaitForWindowExposed(&monitor);
  }
  // A widget of a test's own, shown at `size` and saved as screenshots/NAME.png; false when it
  // never showed or could not be saved.
  static bool shownAndSaved(QWidget& widget, const QSize& size, const QString& name) {
    widget.resize(size);
    widget.show();
    QDir().mkpath(TWB_BINARY_DIR "/screenshots");
    return QTest::qWaitForWindowExposed(&widget) &&
           widget.grab().save(QString(TWB_BINARY_DIR "/screenshots/") + name + ".png");
  }
  void screenshot(const QString& name) const {
    const QString path = QString(TWB_BINARY_DIR "/screenshots/") + name + ".png";
    QDir().mkpath(TWB_BINARY_DIR "/screenshots");
    QVERIFY(m_window->grab().save(path));
  }

 public slots:
  // Stands in for the desktop's handler of file URLs (QDesktopServices::setUrlHandler).
  void openUrl(const QUrl& url) { m_opened = url; }

 private:
  QUrl m_opened;

 private slots:
  // In this order: later tests read runs that earlier ones made.
  void initTestCase();
  void defaultJobIsValidatedByTheNode();
  void vitTinyIsOfferedAndCheckedByTheNode();
  void frozenLayersAreCheckedAndCounted();
  void jobTabSaysWhenTrainingNeedsMoreMemoryThanTheNodeHas();
  void invalidInputIsShownAtItsField();
  void aModelFileLeavingSizesFreeIsGivenThem();
  void imageFolderIsChosenAndCheckedByTheNode();
  void comparePrecisionsStreamsLivePointsForBothRuns();
  void monitorSwitchesAxesAndSavesCharts();
  void profileShowsEveryLayerAndTheBf16Speedups();
  void compareListsEveryPrecision();
  void exportWritesACheckedOnnxFile();
  void aRunChosenOnATabIsKeptWhenRunsAreReadAgain();
  void aResNetIsDrawnWithinASecond();
  void designerBuildsLenet5ByHandAndItTrains();
  void designerDrawsTheLstmTemplate();
  void designerRoutesEdgesBetweenColumns();
  void designerGroupsBlocksThatCollapse();
  void designerNeverDropsEditsUnasked();
  void anInt8RunsGraphShowsItsFallbackLayers();
  void pluginsFromTheUserFolderAreListedAndWork();
  void nodesDialogAddsTestsAndShowsANode();
  void jobFormKeepsEveryFieldOfTheFile();
  void jobTabSaysWhenBf16IsSlowerOnTheNode();
  void jobTabGreysPrecisionsTheNodeCannotRun();
  void typingInTheEditorOutlivesNodeFacts();
  void jobTabSaysWhenThreadsOutnumberTheCores();
  void scrollingTheJobTabChangesNoField();
  void jobTabFieldsStartInOneColumn();
  void jobTabOffersTheNodesDevices();
  void advancedEditorShowsProblemsAtTheirLine();
  void anOpenedJobRunsExactlyTheFile();
  void anOpenedJobFindsItsFilesBesideIt();
  void aJobIsNeverPutAsideUnsaved();
  void recentJobFilesAreOffered();
  void aNodeAskedForIsChosenOrNamedAsMissing();
  void liveCurvesGrowWithoutMovingTheAxes();
  void aGpuRunShowsItsUtilizationAndMemory();
  void theNetworkTabShowsWhatCompressionSaves();
  void confusionViewSaysWhyItDrawsNothing();
  void emptyChartsSayWhichRunsDrawThere();
  void monitorKeepsAZoomThroughLiveUpdates();
  void compareSortsByValueAndExportsRawNumbers();
  void compareShowsWhereRunsRanAndHowTheyScale();
  void aStoreThatCannotWriteIsShown();
  void smoothingIsDebiased();
  void aDataParallelRunShowsItsRanks();
  void aDataParallelRunAcrossTwoNamespaceHosts();
  void runNotesAndTagsAreKeptAndSearched();
  void aSweepFillsTheCompareTable();
  void aSweepCanBeCancelled();
  void aSweepIsCheckedValueByValueAsItIsTyped();
  void measureScalingRunsOneRankThenTwo();
  void aRunShowsProgressAndCanBeCancelled();
  void withoutADisplayTheExampleTrainsHeadless();
  void chineseTranslationShowsEveryScreen();
  void cleanupTestCase();
};
