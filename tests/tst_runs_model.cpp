// The runs browser's model and the reader behind the views: the store read off the GUI thread,
// what the workbench says before that read arrives kept, live changes announced on their row only,
// answers in order and none for a view that is gone. QAbstractItemModelTester checks the model's
// contract on every change.
#include <QAbstractItemModelTester>
#include <QColor>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

#include "app/experiment_store.h"
#include "app/runs_model.h"
#include "app/store_reader.h"

using twb::app::ExperimentStore;
using twb::app::Run;
using twb::app::RunsModel;
using twb::app::RunState;
using twb::app::StoreReader;

namespace {
Run makeRun(qint64 projectId, const QString& name, RunState state = RunState::Succeeded) {
  Run run;
  run.projectId = projectId;
  run.name = name;
  run.jobJson = R"({"kind": "train"})";
  run.node = "local";
  run.state = state;
  run.precision = "fp32";
  return run;
}

QString text(const RunsModel& model, qint64 runId, int column, int role = Qt::DisplayRole) {
  return model.runIndex(runId, column).data(role).toString();
}
}  // namespace

class RunsModelTest : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  std::unique_ptr<ExperimentStore> m_store;
  std::unique_ptr<StoreReader> m_reader;
  qint64 m_lab = 0, m_home = 0, m_across = 0, m_tagged = 0, m_failing = 0;

 private slots:
  void init() {
    m_store = std::make_unique<ExperimentStore>(
        m_dir.filePath(QTest::currentTestFunction() + QString(".db")));
    m_reader = std::make_unique<StoreReader>(*m_store);
    m_lab = m_store->addProject("lab");
    m_home = m_store->addProject("home");
    m_across = m_store->addRun(makeRun(m_lab, "across"));
    m_store->setRunShare(m_across, {0, "n1", 0, "j1"});
    m_store->setRunShare(m_across, {1, "n2", 2, "j2"});
    m_tagged = m_store->addRun(makeRun(m_lab, "tagged"));
    m_store->setRunSummary(m_tagged, {{"test_accuracy", 0.915}});
    m_store->setRunNotes(m_tagged, "lr from the paper", {"baseline", "lr-0.05"});
    m_failing = m_store->addRun(makeRun(m_home, "failing", RunState::Running));
  }
  void cleanup() {
    m_reader.reset();
    m_store.reset();
  }

  void theStoreIsReadOnceAndWhatCameBeforeIsKept() {
    RunsModel model(*m_reader);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy loaded(&model, &RunsModel::loaded);
    Run late = makeRun(m_home, "late", RunState::Queued);  // stored as the read starts: it sees it
    late.id = m_store->addRun(late);
    model.load();
    // Told before the read arrives: kept, and applied once it has.
    model.setRunState(m_failing, RunState::Failed, "out of memory");
    model.addRun(late);
    model.setNotes(m_across, "two nodes", {"dp"});
    QVERIFY(!model.isLoaded());
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(loaded.wait());

    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, 0).data().toString(), QString("lab"));
    QCOMPARE(model.rowCount(model.projectIndex(m_lab)), 2);
    QCOMPARE(model.rowCount(model.projectIndex(m_home)),
             2);  // "late" once, though the read saw it too
    QCOMPARE(text(model, m_across, RunsModel::kNode), QString("n1, n2"));
    QCOMPARE(text(model, m_across, RunsModel::kTags), QString("dp"));
    QCOMPARE(text(model, m_tagged, RunsModel::kAccuracy), QString("91.50 %"));
    QCOMPARE(text(model, m_tagged, RunsModel::kTags), QString("baseline, lr-0.05"));
    QCOMPARE(text(model, m_tagged, RunsModel::kName, Qt::ToolTipRole),
             QString("lr from the paper"));
    QVERIFY(text(model, m_tagged, RunsModel::kName, RunsModel::SearchRole).contains("paper"));
    QCOMPARE(text(model, m_failing, RunsModel::kState), QString("failed"));
    QCOMPARE(text(model, m_failing, RunsModel::kState, Qt::ToolTipRole), QString("out of memory"));
    QCOMPARE(text(model, late.id, RunsModel::kState), QString("queued"));
    QCOMPARE(model.runIndex(m_tagged).data(RunsModel::ProjectIdRole).toLongLong(), m_lab);
    QCOMPARE(model.projectIndex(m_home).data(RunsModel::RunIdRole).toLongLong(), qint64{0});
  }

  void liveChangesAreAnnouncedOnTheirRowOnly() {
    RunsModel model(*m_reader);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy loaded(&model, &RunsModel::loaded);
    model.load();
    QVERIFY(loaded.wait());
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setProgress(m_failing, 45);
    QCOMPARE(text(model, m_failing, RunsModel::kState), QString("running 45 %"));
    model.setProgress(m_failing, 45);  // thousands of steps a second: the same text is no change
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed[0][0].value<QModelIndex>(), model.runIndex(m_failing, RunsModel::kState));
    model.setProgress(m_failing, 30, "calibrating");  // a run made of stages: the stage under way
    QCOMPARE(text(model, m_failing, RunsModel::kState), QString("calibrating 30 %"));
    model.setConnectionLost(m_failing, 2, "UNAVAILABLE: failed to connect");
    QCOMPARE(text(model, m_failing, RunsModel::kState), QString("reconnecting (attempt 2)"));
    QVERIFY(model.runIndex(m_failing, RunsModel::kState)
                .data(Qt::ForegroundRole)
                .value<QColor>()
                .isValid());
    QCOMPARE(text(model, m_failing, RunsModel::kState, Qt::ToolTipRole),
             QString("UNAVAILABLE: failed to connect"));
    model.setReconnected(m_failing);
    QCOMPARE(text(model, m_failing, RunsModel::kState), QString("running"));
    QVERIFY(!model.runIndex(m_failing, RunsModel::kState).data(Qt::ForegroundRole).isValid());
    model.setSummary(m_failing, {{"test_accuracy", 0.5}});
    QCOMPARE(text(model, m_failing, RunsModel::kAccuracy), QString("50.00 %"));

    // A run across nodes added live: its nodes are read from the store.
    Run added = makeRun(m_lab, "added", RunState::Queued);
    added.id = m_store->addRun(added);
    m_store->setRunShare(added.id, {0, "n3", 0, {}});
    m_store->setRunShare(added.id, {1, "n4", 1, {}});
    model.addRun(added);
    QCOMPARE(model.rowCount(model.projectIndex(m_lab)), 3);
    QTRY_COMPARE(text(model, added.id, RunsModel::kNode), QString("n3, n4"));
    model.removeRun(m_across);
    QCOMPARE(model.rowCount(model.projectIndex(m_lab)), 2);
    QVERIFY(!model.runIndex(m_across).isValid());
    QVERIFY(model.run(m_across) == nullptr);
    QCOMPARE(model.run(added.id)->name, QString("added"));

    model.setShownProject(m_home);
    QVERIFY(model.projectIndex(m_home).data(Qt::FontRole).value<QFont>().bold());
    QVERIFY(!model.projectIndex(m_lab).data(Qt::FontRole).value<QFont>().bold());
  }

  void theReaderAnswersInOrderAndNotAViewThatIsGone() {
    QObject view;
    QList<int> answers;
    for (int i = 1; i <= 3; ++i)
      m_reader->read<int>(
          &view, [i](const ExperimentStore& store) { return i * int(store.projects().size()); },
          [&answers](int answer) { answers << answer; });
    QTRY_COMPARE(answers, QList<int>({2, 4, 6}));

    auto gone = std::make_unique<QObject>();
    bool answered = false;
    m_reader->read<int>(
        gone.get(), [](const ExperimentStore&) { return 1; },
        [&answered](int) { answered = true; });
    m_reader->waitForReads();  // read, its answer on its way
    gone.reset();
    QCoreApplication::processEvents();
    QVERIFY(!answered);
  }
};

QTEST_MAIN(RunsModelTest)
#include "tst_runs_model.moc"
