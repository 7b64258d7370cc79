#include "workbench_gui_test.h"

void WorkbenchGuiTest::initTestCase() {
  QCoreApplication::setOrganizationName("TensorWorkbenchTest");
  qputenv("XDG_CACHE_HOME", m_dir.filePath("cache").toUtf8());  // traces go there
  m_store = std::make_unique<app::ExperimentStore>(m_dir.filePath("experiments.db"));
  m_controller = std::make_unique<app::WorkbenchController>(
      *m_store, std::make_shared<remote::LocalNode>(TWB_ENGINE_BINARY, m_dir.filePath("node")));
  m_window = std::make_unique<ui::MainWindow>(*m_controller);
  m_window->resize(1280, 800);
  m_window->show();
  QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void WorkbenchGuiTest::cleanupTestCase() {
  m_window.reset();
  m_controller.reset();
  m_store.reset();
}

QTEST_MAIN(WorkbenchGuiTest)
