#include "workbench_gui_test.h"

void WorkbenchGuiTest::nodesDialogAddsTestsAndShowsANode() {
  if (::geteuid() != 0) QSKIP("needs root to start sshd (CI runs as root)");
  QString output;
  const QString bundle = test::makeEngineBundle(m_dir.filePath("bundle"), &output);
  QVERIFY2(!bundle.isEmpty(), qPrintable(output));
  // The node asks for a one-time code after the key (PAM through keyboard-interactive).
  test::SshServer server(m_dir.filePath("sshd"));
  server.usePam(test::oneTimeCodePam(m_dir.path(), "424242"));
  server.prependConfig("AuthenticationMethods publickey,keyboard-interactive");
  QVERIFY2(server.start(), qPrintable(server.error()));
  app::NodeManager nodes(m_dir.filePath("nodes.json"),
                         {TWB_ENGINE_BINARY, bundle, m_dir.filePath("known_hosts"), {}},
                         m_window->plugins());
  ui::NodesDialog dialog(nodes, m_window.get());
  ui::answerNodeQuestions(nodes, m_window.get());  // as the main window does for its own nodes
  dialog.show();
  dialog.findChild<QLineEdit*>("nodeName")->setText("lab");
  dialog.findChild<QLineEdit*>("nodeHost")->setText(server.host());
  dialog.findChild<QSpinBox*>("nodePort")->setValue(server.port());
  dialog.findChild<QLineEdit*>("nodeUser")->setText("root");
  dialog.findChild<QLineEdit*>("nodeKey")->setText(server.clientKey());
  // The unknown-host question is a real message box: read it, then trust the host. The code
  // is asked in the login dialog, each time the workbench logs in.
  QString asked, refused, loginTitle;
  int logins = 0;
  QTimer answer;
  connect(&answer, &QTimer::timeout, this, [&] {
    if (auto* login = qobject_cast<ui::LoginDialog*>(QApplication::activeModalWidget())) {
      auto* code = login->findChild<QLineEdit*>("loginAnswer0");
      code->setText("424242");
      QCOMPARE(code->echoMode(), QLineEdit::Password);
      loginTitle = login->windowTitle();
      if (logins++ == 0) login->grab().save(QString(TWB_BINARY_DIR "/screenshots/login.png"));
      login->accept();
      return;
    }
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    if (box && box->button(QMessageBox::Yes)) {
      asked = box->text();
      box->button(QMessageBox::Yes)->click();
    } else if (box) {
      refused = box->text();
      box->accept();
    }
  });
  answer.start(50);
  QTest::mouseClick(dialog.findChild<QPushButton*>("testNode"), Qt::LeftButton);
  QTRY_VERIFY_WITH_TIMEOUT(dialog.findChild<QLabel*>("nodeStatus")->text().contains("connected"),
                           twb::test::timeScaled(120000));
  QVERIFY2(asked.contains(server.hostKeyFingerprint()), qPrintable(asked));
  QVERIFY(logins >= 1);
  QVERIFY2(loginTitle.contains("root@" + server.host()), qPrintable(loginTitle));
  // A key's passphrase may be kept in the desktop keyring, only when the user ticks it.
  ui::LoginDialog passphrase(tr("Key passphrase"), "The key /home/me/.ssh/id_lab is encrypted.",
                             {{"Passphrase:", false}}, true, m_window.get());
  passphrase.show();
  QVERIFY(!passphrase.findChild<QCheckBox*>("keepInKeyring")->isChecked());
  QVERIFY(passphrase.grab().save(QString(TWB_BINARY_DIR "/screenshots/passphrase.png")));
  passphrase.findChild<QCheckBox*>("keepInKeyring")->setChecked(true);
  QVERIFY(passphrase.keepInKeyring());
  QVERIFY2(dialog.findChild<QLabel*>("nodeCapabilities")->text().contains("bf16"),
           qPrintable(dialog.findChild<QLabel*>("nodeCapabilities")->text()));
  QVERIFY(nodes.find("lab")->health == "ok");
  QVERIFY(dialog.grab().save(QString(TWB_BINARY_DIR "/screenshots/nodes.png")));
  dialog.close();
  ui::NodeList* nodeList = m_window->nodeList();
  nodeList->setRemote(nodes.nodes());
  QCOMPARE(nodeList->topLevelItemCount(), 2);
  QCOMPARE(nodeList->topLevelItem(1)->text(0), QString("lab"));
  QCOMPARE(nodeList->topLevelItem(1)->text(1), QString("ready"));

  // A run on the remote node, chosen in the Job tab.
  m_controller->setNodeManager(&nodes);
  const auto forgetNodes = forgetNodesOnExit();
  m_window->jobForm()->setNodes({"lab"});
  auto* node = field<QComboBox>("node");
  node->setCurrentIndex(node->findData("lab"));
  field<QSpinBox>("maxSteps")->setValue(30);
  m_window->tabs()->setCurrentIndex(0);
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(60000));
  // In a project of its own: the tabs show only its runs.
  const qint64 defaultProject = m_controller->projectId();
  const qint64 labProject = m_window->newProject("On the lab node");
  QVERIFY(labProject > 0);
  QCOMPARE(m_controller->projectId(), labProject);
  QCOMPARE(m_window->comparePanel()->table()->rowCount(), 0);
  QCOMPARE(m_window->monitor()->pointCount(runIdOf(runRow(0))), 0);
  QTest::mouseClick(field<QPushButton>("run"), Qt::LeftButton);
  const QPersistentModelIndex lab = m_window->projectIndex(labProject);
  QTRY_VERIFY_WITH_TIMEOUT(runCount(lab) == 1, twb::test::timeScaled(10000));
  const QPersistentModelIndex remoteRun = browser()->index(0, 0, lab);
  QCOMPARE(text(remoteRun, 3), QString("lab"));
  QTRY_VERIFY_WITH_TIMEOUT(text(remoteRun, 1) == "succeeded", twb::test::timeScaled(120000));
  QVERIFY(m_window->monitor()->pointCount(runIdOf(remoteRun)) > 0);
  m_window->tabs()->setCurrentWidget(m_window->comparePanel());  // a hidden tab reads when shown
  QTRY_COMPARE(m_window->comparePanel()->table()->rowCount(), 1);
  m_window->tabs()->setCurrentIndex(0);
  QCOMPARE(m_window->newProject("On the lab node"), 0);  // names are unique: refused, said why
  QVERIFY2(refused.contains("On the lab node") && refused.contains("UNIQUE"), qPrintable(refused));
  // Back to the default project: its runs and their curves again.
  m_window->runsBrowser()->setCurrentIndex(runRow(0));
  QCOMPARE(m_controller->projectId(), defaultProject);
  // The Monitor's curves arrive from the store off the GUI thread, a slice at a time.
  QTRY_COMPARE(m_window->monitor()->pointCount(runIdOf(runRow(0))), 40);
  m_window->tabs()->setCurrentWidget(m_window->comparePanel());
  QTRY_COMPARE(m_window->comparePanel()->table()->rowCount(), trainedRuns() + 1);
  m_window->tabs()->setCurrentIndex(0);
  node->setCurrentIndex(0);
  // The node's daemon is a local process here: stop it with the test.
  QFile daemon(QDir::homePath() + "/.cache/twb/node/daemon.json");
  if (daemon.open(QIODevice::ReadOnly))
    ::kill(QJsonDocument::fromJson(daemon.readAll()).object().value("pid").toInt(), SIGTERM);
}
