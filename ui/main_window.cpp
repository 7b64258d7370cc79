#include "ui/main_window.h"

#include <QAction>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileInfo>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QTreeView>
#include <QUndoStack>
#include <QVBoxLayout>

#include "app/job_document.h"
#include "app/node_manager.h"
#include "app/project_history.h"
#include "app/run_state_text.h"
#include "app/run_summary.h"
#include "app/runs_model.h"
#include "app/scaling_study.h"
#include "app/store_reader.h"
#include "app/sweep_controller.h"
#include "app/workbench_controller.h"
#include "ui/compare_panel.h"
#include "ui/export_panel.h"
#include "ui/job_form.h"
#include "ui/model_designer.h"
#include "ui/monitor_panel.h"
#include "ui/node_list.h"
#include "ui/node_questions.h"
#include "ui/nodes_dialog.h"
#include "ui/plugins_dialog.h"
#include "ui/profile_panel.h"
#include "ui/recent_jobs_menu.h"
#include "ui/run_notes_dialog.h"

namespace twb {
namespace ui {

namespace {
// The filter box hides runs; a project's row stays, so that its runs can be found again.
class RunsFilter : public QSortFilterProxyModel {
 public:
  using QSortFilterProxyModel::QSortFilterProxyModel;

 protected:
  bool filterAcceptsRow(int row, const QModelIndex& parent) const override {
    return !parent.isValid() || QSortFilterProxyModel::filterAcceptsRow(row, parent);
  }
};
}  // namespace

MainWindow::MainWindow(app::WorkbenchController& controller, app::NodeManager* nodes,
                       const app::PluginCatalog* plugins, QWidget* parent)
    : QMainWindow(parent),
      m_controller(controller),
      m_sweeps(new app::SweepController(controller, this)),
      m_nodes(nodes) {
  setObjectName("mainWindow");

  m_reader = new app::StoreReader(m_controller.store(), this);
  buildRunsBrowser();
  m_nodeList = new NodeList;
  auto* nodesDock = new QDockWidget(tr("Nodes"), this);
  nodesDock->setObjectName("nodesDock");
  nodesDock->setWidget(m_nodeList);
  addDockWidget(Qt::LeftDockWidgetArea, nodesDock);

  m_jobForm = new JobForm;
  connect(m_jobForm, &JobForm::changed, this, &MainWindow::showJobInTitle);
  showJobInTitle();
  m_monitor = new MonitorPanel;
  m_history = new app::ProjectHistory(m_controller.store(), this);
  m_tabs = new QTabWidget;
  m_tabs->setObjectName("tabs");
  m_tabs->addTab(m_jobForm, tr("Job"));
  m_tabs->addTab(m_monitor, tr("Monitor"));
  m_profile = new ProfilePanel(*m_reader, m_controller.projectId());
  m_tabs->addTab(m_profile, tr("Profile"));
  m_compare = new ComparePanel(*m_reader, m_controller.projectId());
  m_tabs->addTab(m_compare, tr("Compare"));
  m_export = new ExportPanel(m_controller, *m_reader);
  m_tabs->addTab(m_export, tr("Export"));
  if (!plugins)
    m_ownPlugins = std::make_unique<app::PluginCatalog>(app::PluginCatalog::defaultFolders());
  m_plugins = plugins ? plugins : m_ownPlugins.get();
  m_compare->setReportFormats(m_plugins->reportFormats());
  m_designer = new ModelDesigner;
  m_designer->setModelFormats(m_plugins->modelFormats());
  m_jobForm->setModelFormats(m_plugins->modelFormats());
  m_tabs->addTab(m_designer, tr("Model"));
  // Marked while the model has edits kept nowhere (as an editor marks a file not saved).
  connect(m_designer->document().undoStack(), &QUndoStack::cleanChanged, this, [this](bool clean) {
    m_tabs->setTabText(m_tabs->indexOf(m_designer), clean ? tr("Model") : tr("Model *"));
  });
  connect(m_designer, &ModelDesigner::useInJob, this, [this](const QJsonObject& spec) {
    QJsonObject job = m_jobForm->job();
    job["model"] = QJsonObject{{"spec", spec}};
    m_jobForm->setJob(job);
    m_tabs->setCurrentWidget(m_jobForm);
  });
  connect(m_designer, &ModelDesigner::modelOfJobWanted, this,
          [this] { m_designer->openModelOf(m_jobForm->job(), m_controller.jobFolder()); });
  setCentralWidget(m_tabs);

  m_projectStatus = new QLabel;
  statusBar()->addPermanentWidget(m_projectStatus);
  m_nodeStatus = new QLabel(tr("Node: %1").arg(m_controller.nodeName()));
  statusBar()->addPermanentWidget(m_nodeStatus);
  m_storeStatus = new QLabel;
  m_storeStatus->setObjectName("storeStatus");
  m_storeStatus->setStyleSheet("color: #c62828; font-weight: bold;");
  m_storeStatus->hide();
  statusBar()->addPermanentWidget(m_storeStatus);
  m_connectionStatus = new QLabel;
  m_connectionStatus->setObjectName("connectionStatus");
  m_connectionStatus->hide();
  statusBar()->addPermanentWidget(m_connectionStatus);
  m_connectionTimer = new QTimer(this);
  m_connectionTimer->setSingleShot(true);
  connect(m_connectionTimer, &QTimer::timeout, m_connectionStatus, &QLabel::hide);
  buildMenus();

  connect(&m_controller, &app::WorkbenchController::localNodeChecked, this,
          [this](const QString& health, const QJsonObject& info) {
            m_nodeList->setLocal(health, info);
            m_jobForm->setNodeInfo("local", info);
          });
  connect(&m_controller, &app::WorkbenchController::opCatalogFetched, this,
          [this](const QString& node, const QString& version, const QJsonArray& ops) {
            m_designer->setOpCatalog(ops, tr("Ops of node %1 (twb-engine %2)").arg(node, version));
          });
  connect(m_jobForm, &JobForm::validationRequested, &m_controller,
          &app::WorkbenchController::validate);
  connect(&m_controller, &app::WorkbenchController::validated, m_jobForm, &JobForm::showValidation);
  connect(&m_controller, &app::WorkbenchController::validationProgress, m_jobForm,
          &JobForm::showValidationProgress);
  connect(m_jobForm, &JobForm::runRequested, this, &MainWindow::startRun);
  connect(m_jobForm, &JobForm::comparePrecisionsRequested, this, &MainWindow::comparePrecisions);
  connect(m_jobForm, &JobForm::measureScalingRequested, this, &MainWindow::measureScaling);
  // The Monitor's curves: the shown project's stored events, then live ones, through m_history.
  connect(&m_controller, &app::WorkbenchController::eventArrived, this,
          [this](qint64 runId, qint64 seq, const QString& type, const QByteArray& json) {
            m_history->addLiveEvent(runId, seq, type, json);
            if (type == "step" || type == "progress") showProgress(runId, type, json);
          });
  connect(m_history, &app::ProjectHistory::runsRead, this,
          [this](qint64 projectId, const QList<app::Run>& runs, const QList<qint64>& loggedRuns,
                 int trainingRuns) {
            if (projectId != m_shownProject) return;
            for (const app::Run& run : runs) m_monitor->addRun(run.id, run.name);
            for (const qint64 runId : loggedRuns) m_monitor->addLoggedRun(runId);
            m_monitor->setRunsNotShown(trainingRuns - static_cast<int>(runs.size()));
          });
  connect(m_history, &app::ProjectHistory::finished, m_monitor, &MonitorPanel::historyShown);
  connect(m_history, &app::ProjectHistory::eventsRead, m_monitor,
          [this](qint64 runId, const QList<app::StoredEvent>& events) {
            for (const app::StoredEvent& event : events) m_monitor->addEvent(runId, event.type, event.json);
          });
  connect(&m_controller, &app::WorkbenchController::runStateChanged, this, &MainWindow::setRunState);
  connect(m_sweeps, &app::SweepController::runNotesChanged, m_runsModel, &app::RunsModel::setNotes);
  connect(m_sweeps, &app::SweepController::progress, this, [this](int ended, int total) {
    statusBar()->showMessage(tr("Sweep: %1 of %2 trials ended").arg(ended).arg(total));
  });
  connect(m_sweeps, &app::SweepController::finished, this, [this](const QString& stoppedBecause) {
    if (stoppedBecause.isEmpty())
      statusBar()->showMessage(tr("Sweep finished: its trials are in the Compare tab"));
    else
      QMessageBox::warning(this, tr("Sweep"), tr("The sweep stopped: %1.").arg(stoppedBecause));
    m_compare->refresh();
  });
  connect(&m_controller, &app::WorkbenchController::runAdded, this, [this](const app::Run& run) {
    m_runsModel->addRun(run);
    if (run.projectId == m_shownProject && app::runKind(run) == "train")
      m_monitor->addRun(run.id, run.name);
    else if (run.projectId == m_shownProject)
      m_monitor->addLoggedRun(run.id);  // int8: no curves, but its messages
    m_compare->refresh();
  });
  connect(&m_controller, &app::WorkbenchController::runSummarized, this,
          [this](qint64 runId, const QJsonObject& summary) {
    m_runsModel->setSummary(runId, summary);
    m_compare->refresh();
    m_export->refresh();
    m_profile->refresh();
  });
  connect(&m_controller, &app::WorkbenchController::runFailed, this,
          [this](qint64 runId, const QString& message) {
            statusBar()->showMessage(tr("Run %1 failed: %2").arg(runId).arg(message));
            m_runsModel->setRunState(runId, app::RunState::Failed, message);
          });
  connect(&m_controller, &app::WorkbenchController::runLost, this,
          [this](qint64 runId, const QString& reason) {
            statusBar()->showMessage(tr("Run %1 lost: %2").arg(runId).arg(reason));
            m_runsModel->setRunState(runId, app::RunState::Lost, reason);
          });
  connect(&m_controller, &app::WorkbenchController::notice, this,
          [this](const QString& message) { statusBar()->showMessage(message, 15000); });
  connect(&m_controller, &app::WorkbenchController::connectionLost, this, &MainWindow::showConnectionLost);
  connect(&m_controller, &app::WorkbenchController::storeWriteFailed, this, [this](const QString& message) {
    // SQLite's reason after the file's path, short enough for the status bar; all of it on hover.
    m_storeStatus->setText(tr("⚠ Cannot save experiments: %1").arg(message.section(": ", -1)));
    m_storeStatus->setToolTip(tr("%1\nNothing saved is lost; new events wait in memory until there is space.")
                                  .arg(message));
    m_storeStatus->setMinimumWidth(m_storeStatus->sizeHint().width());
    m_storeStatus->setVisible(!message.isEmpty());
  });
  connect(&m_controller, &app::WorkbenchController::reconnected, this, &MainWindow::showReconnected);

  if (m_nodes) {
    m_controller.setNodeManager(m_nodes);
    answerNodeQuestions(*m_nodes, this);
    connect(m_nodes, &app::NodeManager::checked, this, [this] { offerNodes(); });
  }
  offerNodes();
  m_controller.checkLocalNode();
  // The browser fills off the GUI thread; the current project is shown once it is in.
  connect(m_runsModel, &app::RunsModel::loaded, this,
          [this, current = m_controller.projectId()] { showProject(current); },
          Qt::SingleShotConnection);
  m_runsModel->load();
  // Runs that were going when the workbench last stopped carry on where the store left them.
  if (const int followed = m_controller.followUnfinishedRuns())
    statusBar()->showMessage(tr("Following %n run(s) that were going when the workbench last stopped.", nullptr, followed), 8000);
  if (m_sweeps->resumeUnfinished())  // after the runs: its running trials are among them
    statusBar()->showMessage(tr("The sweep that was going when the workbench last stopped goes on."), 8000);
  QSettings settings;
  restoreGeometry(settings.value("mainWindow/geometry").toByteArray());
  restoreState(settings.value("mainWindow/state").toByteArray());
  if (!settings.contains("mainWindow/geometry")) {
    resize(1280, 800);
    // Wide enough for runs' names; the docks take their size only once the window is laid out.
    QTimer::singleShot(0, this, [this] {
      resizeDocks({findChild<QDockWidget*>("runsDock")}, {330}, Qt::Horizontal);
    });
  }
}

// The designer first: a model file it is reading goes through a plugin, which must outlive the
// read (the plugins go with this window's members, before its child widgets).
MainWindow::~MainWindow() { delete m_designer; }

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("Ne&w job"), this,
                  [this] {
                    if (mayPutJobAside()) showUntitledJob(JobForm::newJob(), {});
                  })
      ->setShortcut(QKeySequence::New);
  QAction* open = file->addAction(tr("&Open job…"), this, &MainWindow::openJob);
  open->setShortcut(QKeySequence::Open);
  m_recentJobs = new RecentJobsMenu(this);
  file->addMenu(m_recentJobs);
  connect(m_recentJobs, &RecentJobsMenu::chosen, this, [this](const QString& path) {
    if (mayPutJobAside() && !openJobFile(path)) m_recentJobs->remove(path);  // said, and gone
  });
  QAction* save = file->addAction(tr("&Save job"), this, &MainWindow::saveJob);
  save->setShortcut(QKeySequence::Save);
  file->addAction(tr("Save job &as…"), this, &MainWindow::saveJobAs)
      ->setShortcut(QKeySequence::SaveAs);
  file->addSeparator();
  file->addAction(tr("&New project…"), this, [this] {
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("New project"), tr("Project name"),
                                                   QLineEdit::Normal, {}, &ok);
        if (ok) newProject(name.trimmed());
      })
      ->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* runMenu = menuBar()->addMenu(tr("&Run"));
  QAction* run = runMenu->addAction(tr("&Start run"), this, [this] {
    if (m_jobForm->isValid()) startRun(m_jobForm->job(), m_jobForm->node());
  });
  run->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  QAction* compare = runMenu->addAction(tr("&Compare precisions"), this, [this] {
    if (m_jobForm->isValid()) comparePrecisions(m_jobForm->job(), m_jobForm->node());
  });
  compare->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
  runMenu->addAction(tr("Measure &scaling"), this, [this] {
    if (m_jobForm->isValid()) measureScaling(m_jobForm->job(), m_jobForm->node());
  });
  runMenu->addSeparator();
  QAction* cancel = runMenu->addAction(tr("C&ancel run"), this, &MainWindow::cancelSelectedRun);
  cancel->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
  QAction* resume = runMenu->addAction(tr("Res&ume run"), this, &MainWindow::resumeSelectedRun);
  QAction* clone = runMenu->addAction(tr("C&lone job"), this, [this] {
    if (const qint64 runId = selectedRun())
      cloneJobOf(runId);
    else
      statusBar()->showMessage(tr("Choose a run in the runs list first."), 5000);
  });
  clone->setObjectName("cloneJob");
  clone->setToolTip(tr("Put the chosen run's job into the Job tab, to change and run again"));
  QAction* cancelSweep = runMenu->addAction(tr("Cancel s&weep"), m_sweeps, &app::SweepController::cancel);
  cancelSweep->setObjectName("cancelSweep");
  QAction* notes = runMenu->addAction(tr("&Notes and tags…"), this, [this] {
    if (const qint64 runId = selectedRun()) editRunNotes(runId);
  });
  notes->setObjectName("editRunNotes");
  QAction* remove = runMenu->addAction(tr("&Delete run…"), this, [this] {
    const qint64 runId = selectedRun();
    if (runId && QMessageBox::question(this, tr("Delete run"),
                                       tr("Delete %1 and everything stored of it (curves, profiles, files list)?")
                                           .arg(m_runsModel->run(runId)->name)) == QMessageBox::Yes)
      deleteRun(runId);
  });
  remove->setShortcut(QKeySequence::Delete);
  remove->setShortcutContext(Qt::WidgetShortcut);  // the Delete key in the runs list only
  m_runs->setContextMenuPolicy(Qt::ActionsContextMenu);
  m_runs->addActions({cancel, resume, clone, notes, remove});

  QMenu* nodesMenu = menuBar()->addMenu(tr("&Nodes"));
  QAction* manage = nodesMenu->addAction(tr("&Manage nodes…"), this, [this] {
    NodesDialog dialog(*m_nodes, this);
    dialog.resize(900, 480);
    dialog.exec();
    offerNodes();
  });
  manage->setObjectName("manageNodes");
  manage->setEnabled(m_nodes != nullptr);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&Plugins…"), this, &MainWindow::showPlugins)->setObjectName("showPlugins");
  view->addAction(tr("&Job"), this, [this] { m_tabs->setCurrentIndex(0); })
      ->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
  view->addAction(tr("&Monitor"), this, [this] { m_tabs->setCurrentIndex(1); })
      ->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
  view->addAction(tr("&Profile"), this, [this] { m_tabs->setCurrentIndex(2); })
      ->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_3));
  view->addAction(tr("&Compare"), this, [this] { m_tabs->setCurrentIndex(3); })
      ->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_4));
  view->addAction(tr("&Export"), this, [this] { m_tabs->setCurrentIndex(4); })
      ->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_5));
  view->addAction(tr("M&odel"), this, [this] { m_tabs->setCurrentIndex(5); })
      ->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_6));

  // The language is read once at start-up (app/main.cpp), as Qt's own dialogs need it then too.
  QMenu* language = view->addMenu(tr("&Language"));
  const QString current = QSettings().value("language").toString();
  for (const auto& [code, name] : {std::pair{QString("en"), tr("English")},
                                   std::pair{QString("zh_CN"), tr("中文（简体）")}}) {
    QAction* choice = language->addAction(name, this, [this, code] {
      QSettings().setValue("language", code);
      statusBar()->showMessage(tr("The language changes when the workbench starts next."), 8000);
    });
    choice->setCheckable(true);
    choice->setChecked(current == code || (current.isEmpty() && code == "en"));
  }

  QToolBar* toolbar = addToolBar(tr("Main"));
  toolbar->setObjectName("mainToolbar");
  toolbar->addAction(open);
  toolbar->addAction(save);
  toolbar->addSeparator();
  toolbar->addAction(run);
  toolbar->addAction(compare);
}

void MainWindow::buildRunsBrowser() {
  m_runsModel = new app::RunsModel(*m_reader, this);
  m_runsFilter = new RunsFilter(this);
  m_runsFilter->setSourceModel(m_runsModel);
  m_runsFilter->setFilterRole(app::RunsModel::SearchRole);  // every column, and the notes
  m_runsFilter->setFilterKeyColumn(-1);
  m_runsFilter->setFilterCaseSensitivity(Qt::CaseInsensitive);
  m_runs = new QTreeView;
  m_runs->setObjectName("runs");
  m_runs->setModel(m_runsFilter);
  m_runs->setUniformRowHeights(true);
  // A project's row spans the columns and shows its runs. Columns fit their contents when rows
  // come, not at every change: a running run's "running N %" would have every row measured again
  // (6-10 ms for 200 runs, bench_workbench_gui).
  const auto showRows = [this](const QModelIndex& parent, int first, int last) {
    for (int row = first; row <= last && !parent.isValid(); ++row) {
      m_runs->setFirstColumnSpanned(row, {}, true);
      m_runs->expand(m_runsFilter->index(row, 0));
    }
    for (int column = 0; column < app::RunsModel::kColumns; ++column) m_runs->resizeColumnToContents(column);
  };
  connect(m_runsFilter, &QAbstractItemModel::rowsInserted, this, showRows);
  // A cell that changed widens its column when it no longer fits (notes, tags, "reconnecting").
  connect(m_runsFilter, &QAbstractItemModel::dataChanged, this,
          [this](const QModelIndex& topLeft, const QModelIndex& bottomRight) {
            for (int column = topLeft.column(); column <= bottomRight.column(); ++column) {
              const int wanted = m_runs->sizeHintForIndex(topLeft.siblingAtColumn(column)).width();
              if (wanted > m_runs->columnWidth(column)) m_runs->setColumnWidth(column, wanted);
            }
          });
  connect(m_runsFilter, &QAbstractItemModel::modelReset, this,
          [this, showRows] { showRows({}, 0, m_runsFilter->rowCount() - 1); });
  connect(m_runs->selectionModel(), &QItemSelectionModel::currentChanged, this,
          [this](const QModelIndex& current) {
            if (!current.isValid()) return;
            showProject(current.data(app::RunsModel::ProjectIdRole).toLongLong());
            if (const qint64 runId = selectedRun()) {  // the Profile and Export tabs follow the choice
              m_profile->showRun(runId);
              m_export->showRun(runId);
            }
          });

  m_filter = new QLineEdit;
  m_filter->setObjectName("runFilter");
  m_filter->setPlaceholderText(tr("Filter runs"));
  m_filter->setClearButtonEnabled(true);
  connect(m_filter, &QLineEdit::textChanged, m_runsFilter, &QSortFilterProxyModel::setFilterFixedString);
  auto* browser = new QWidget;
  auto* browserLayout = new QVBoxLayout(browser);
  browserLayout->setContentsMargins(4, 4, 4, 4);
  browserLayout->addWidget(m_filter);
  browserLayout->addWidget(m_runs);
  auto* dock = new QDockWidget(tr("Runs"), this);
  dock->setObjectName("runsDock");
  dock->setWidget(browser);
  addDockWidget(Qt::LeftDockWidgetArea, dock);
}

QModelIndex MainWindow::runIndex(qint64 runId, int column) const {
  return m_runsFilter->mapFromSource(m_runsModel->runIndex(runId, column));
}

QModelIndex MainWindow::projectIndex(qint64 projectId) const {
  return m_runsFilter->mapFromSource(m_runsModel->projectIndex(projectId));
}

qint64 MainWindow::newProject(const QString& name) {
  QString problem = tr("A project needs a name.");
  qint64 projectId = 0;
  if (!name.isEmpty()) {
    try {
      projectId = m_controller.store().addProject(name);
    } catch (const app::StoreError& e) {
      problem = QString::fromUtf8(e.what());  // the store names the constraint (unique names)
    }
  }
  if (!projectId) {
    QMessageBox::warning(this, tr("New project"), tr("Cannot make the project “%1”: %2").arg(name, problem));
    return 0;
  }
  m_runsModel->addProject(projectId, name);
  m_runs->setCurrentIndex(projectIndex(projectId));  // shows it
  return projectId;
}

void MainWindow::showProject(qint64 projectId) {
  if (projectId == m_shownProject || !m_runsModel->projectIndex(projectId).isValid()) return;
  m_runsModel->setShownProject(projectId);
  m_shownProject = projectId;
  m_controller.setProjectId(projectId);
  m_projectStatus->setText(tr("Project: %1").arg(m_runsModel->projectName(projectId)));
  showRunsInMonitor();
  m_profile->setProjectId(projectId);
  m_compare->setProjectId(projectId);
  m_export->refresh();
}

void MainWindow::showRunsInMonitor() {
  m_monitor->clear();
  m_history->load(m_shownProject);  // the runs and their curves follow, a slice at a time
}

qint64 MainWindow::selectedRun() const {
  return m_runs->currentIndex().data(app::RunsModel::RunIdRole).toLongLong();
}

bool MainWindow::deleteRun(qint64 runId) {
  const app::Run* run = m_runsModel->run(runId);
  if (!run) return false;
  const QString name = run->name;
  if (isUnderWay(run->state)) {
    statusBar()->showMessage(tr("%1 is still running: cancel it first.").arg(name), 8000);
    return false;
  }
  try {
    m_controller.store().deleteRun(runId);
  } catch (const app::StoreError& e) {
    QMessageBox::warning(this, tr("Delete run"),
                         tr("%1 was not deleted: %2").arg(name, QString::fromUtf8(e.what())));
    return false;
  }
  m_runsModel->removeRun(runId);
  showRunsInMonitor();
  m_profile->refresh();
  m_compare->refresh();
  m_export->refresh();
  statusBar()->showMessage(tr("Deleted %1").arg(name), 5000);
  return true;
}

void MainWindow::editRunNotes(qint64 runId) {
  const app::Run* run = m_runsModel->run(runId);
  if (!run) return;
  RunNotesDialog dialog(run->name, run->notes, run->tags, this);
  while (dialog.exec() == QDialog::Accepted) {
    try {
      m_controller.store().setRunNotes(runId, dialog.notes(), dialog.tags());
      m_runsModel->setNotes(runId, dialog.notes(), dialog.tags());
      return;
    } catch (const app::StoreError& e) {
      // The dialog comes back with what was typed: saved again once there is room, or cancelled.
      QMessageBox::warning(this, tr("Notes and tags"),
                           tr("The notes were not saved: %1").arg(QString::fromUtf8(e.what())));
    }
  }
}

void MainWindow::cancelSelectedRun() {
  const qint64 runId = selectedRun();
  if (!runId) {
    statusBar()->showMessage(tr("Choose a run in the runs list first."), 5000);
  } else if (m_controller.cancelRun(runId)) {
    statusBar()->showMessage(tr("Cancelling %1…").arg(m_runsModel->run(runId)->name), 5000);
  } else {
    statusBar()->showMessage(tr("%1 is not running.").arg(m_runsModel->run(runId)->name), 5000);
  }
}

void MainWindow::resumeSelectedRun() {
  const qint64 runId = selectedRun();
  if (!runId) {
    statusBar()->showMessage(tr("Choose a run in the runs list first."), 5000);
  } else if (!m_controller.resumeRun(runId)) {
    statusBar()->showMessage(tr("Only a cancelled, lost or failed training run can be resumed."), 8000);
  } else {
    m_tabs->setCurrentWidget(m_monitor);
  }
}

void MainWindow::showProgress(qint64 runId, const QString& type, const QByteArray& json) {
  const QJsonObject e = QJsonDocument::fromJson(json).object();
  if (type == "progress")  // a quantization's stages
    m_runsModel->setProgress(runId, qRound(100 * e.value("fraction").toDouble()),
                             e.value("stage").toString());
  else if (const double total = e.value("total_steps").toDouble(); total > 0)
    m_runsModel->setProgress(runId, qRound(100 * e.value("step").toDouble() / total));
}

void MainWindow::setRunState(qint64 runId, app::RunState state) {
  m_runsModel->setRunState(runId, state);
  statusBar()->showMessage(tr("Run %1: %2").arg(runId).arg(app::runStateText(state)), 5000);
}

void MainWindow::showConnectionLost(qint64 runId, const QString& node, const QString& reason,
                                    int attempt, int retryInMs) {
  const QColor warning(0xc0, 0x6c, 0x00);
  m_runsModel->setConnectionLost(runId, attempt, reason);
  m_connectionTimer->stop();
  m_connectionStatus->setStyleSheet(QString("color: %1; font-weight: bold;").arg(warning.name()));
  m_connectionStatus->setText(tr("⚠ Connection to %1 lost — reconnecting in %2 s (attempt %3)")
                                  .arg(node)
                                  .arg(retryInMs / 1000.0, 0, 'f', 1)
                                  .arg(attempt));
  m_connectionStatus->setToolTip(reason);
  m_connectionStatus->show();
}

void MainWindow::showReconnected(qint64 runId, const QString& node) {
  m_runsModel->setReconnected(runId);
  m_connectionStatus->setStyleSheet("color: #2e8b57; font-weight: bold;");
  m_connectionStatus->setText(tr("✓ Reconnected to %1").arg(node));
  m_connectionStatus->setToolTip({});
  m_connectionTimer->start(8000);
}

bool MainWindow::chooseNode(const QString& name) {
  if (m_jobForm->chooseNode(name)) return true;
  QMessageBox::warning(this, tr("Node"),
                       tr("There is no node %1. The nodes are: %2 (Nodes dialog).")
                           .arg(name, m_jobForm->offeredNodes().join(", ")));
  return false;
}

void MainWindow::runWhenChecked() {
  auto once = std::make_shared<QMetaObject::Connection>();
  // Connected after the form's own slot, so the form has taken the answer in when this runs.
  *once = connect(&m_controller, &app::WorkbenchController::validated, this, [this, once] {
    if (m_jobForm->isValid()) {
      disconnect(*once);
      startRun(m_jobForm->job(), m_jobForm->node());
    } else if (!m_jobForm->isChecking()) {
      disconnect(*once);
      statusBar()->showMessage(tr("The job was not started: the node found a problem (see the Job tab)."));
    }
  });
}

bool MainWindow::startRun(const QJsonObject& job, const QString& node) {
  if (job.contains("sweep")) {  // its trials go into the project; Compare is their table
    if (const QString problem = m_sweeps->start(job, app::sweepNodes(job, node));
        !problem.isEmpty()) {
      QMessageBox::warning(this, tr("Sweep"), tr("The sweep was not started: %1").arg(problem));
      return false;
    }
    statusBar()->showMessage(tr("Sweep %1 started").arg(job.value("name").toString()));
    m_tabs->setCurrentWidget(m_compare);
    return true;
  }
  try {
    m_controller.startRun(job.value("name").toString(), job, node);
  } catch (const app::StoreError& e) {
    QMessageBox::warning(this, tr("Run"), tr("The run was not started: %1").arg(QString::fromUtf8(e.what())));
    return false;
  }
  m_tabs->setCurrentWidget(m_monitor);
  return true;
}

void MainWindow::comparePrecisions(const QJsonObject& job, const QString& node) {
  try {
    m_controller.comparePrecisions(job, node);
  } catch (const app::StoreError& e) {
    QMessageBox::warning(this, tr("Compare precisions"),
                         tr("The runs were not started: %1").arg(QString::fromUtf8(e.what())));
    return;
  }
  m_tabs->setCurrentWidget(m_monitor);
}

void MainWindow::measureScaling(const QJsonObject& job, const QString& node) {
  app::ScalingStudy study = app::scalingStudy(job, m_jobForm->fewestCores());
  if (study.problem.isEmpty() && m_sweeps->isRunning())  // before its project is made
    study.problem = tr("a sweep is still running (Run > Cancel sweep stops it)");
  if (!study.problem.isEmpty()) {
    QMessageBox::warning(this, tr("Measure scaling"),
                         tr("Scaling was not measured: %1").arg(study.problem));
    return;
  }
  // A project of its own: Compare holds these runs alone, the one-rank run first, the baseline.
  QStringList taken;
  for (const app::Project& project : m_controller.store().projects()) taken << project.name;
  QString projectName = study.project;
  for (int n = 2; taken.contains(projectName); ++n)
    projectName = QString("%1 %2").arg(study.project).arg(n);
  if (!newProject(projectName) || !startRun(study.job, node)) return;
  m_compare->showMetric("samples_per_s");
  const auto listed = [](const QList<int>& counts) {
    QStringList texts;
    for (int n : counts) texts << QString::number(n);
    return texts.join(", ");
  };
  statusBar()->showMessage(
      study.nodeCounts.size() > 1
          ? tr("Measuring scaling: %1 ranks a node on %2 nodes, %3 threads a rank, one run at a "
               "time")
                .arg(listed(study.ranks), listed(study.nodeCounts))
                .arg(study.threads)
          : tr("Measuring scaling: %1 ranks of %2 threads each, one run at a time")
                .arg(listed(study.ranks))
                .arg(study.threads));
}

void MainWindow::offerNodes() {
  if (!m_nodes) return;
  const QList<app::NodeEntry> nodes = m_nodes->nodes();
  QStringList names;
  for (const app::NodeEntry& node : nodes) {
    names << node.name;
    m_jobForm->setNodeInfo(node.name, node.info);
  }
  m_jobForm->setNodes(names);
  m_nodeList->setRemote(nodes);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!mayPutJobAside()) return event->ignore();
  if (m_designer->hasUnsavedEdits()) {
    m_tabs->setCurrentWidget(m_designer);
    if (!m_designer->mayDropEdits()) return event->ignore();
  }
  QSettings settings;
  settings.setValue("mainWindow/geometry", saveGeometry());
  settings.setValue("mainWindow/state", saveState());
  event->accept();
}

PluginsDialog* MainWindow::showPlugins() {
  auto* dialog = new PluginsDialog(*m_plugins, app::PluginCatalog::defaultFolders(), this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->show();
  return dialog;
}

}  // namespace ui
}  // namespace twb
