#include <QPointer>
#include <QProgressBar>

#include "workbench_gui_test.h"

namespace {
// Opens the model file `path` in the designer and waits until it is read: whether it opened.
bool openModelFile(ui::ModelDesigner& designer, const QString& path) {
  QSignalSpy opened(&designer, &ui::ModelDesigner::fileOpened);
  return designer.openFile(path) && opened.wait(twb::test::timeScaled(30000)) &&
         opened.last().at(0).toString() == path && opened.last().at(1).toBool();
}
}  // namespace

void WorkbenchGuiTest::pluginsFromTheUserFolderAreListedAndWork() {
  // A user plugin folder holding the tests' report, model format and node kind plugins, one
  // built for an interface version this workbench does not have, and a file that only looks
  // like a library.
  QTemporaryDir data;
  const QString folder = data.path() + "/tensor-workbench/plugins";
  QVERIFY(QDir().mkpath(folder));
  for (const char* name :
       {"markdown_report", "tiny_model_format", "direct_node", "old_interface"}) {
    const QString file = QString("libtest_plugin_%1.so").arg(name);
    QVERIFY2(QFile::copy(QString(TWB_TEST_PLUGINS "/") + file, folder + "/" + file),
             qPrintable(file));
  }
  QFile broken(folder + "/libbroken.so");
  QVERIFY(broken.open(QIODevice::WriteOnly) && broken.write("not a shared library") > 0);
  broken.close();
  const QByteArray previous = qgetenv("XDG_DATA_HOME");
  qputenv("XDG_DATA_HOME", data.path().toUtf8());
  {
    ui::MainWindow window(*m_controller);
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    ui::PluginsDialog* dialog = window.showPlugins();
    QTableWidget* table = dialog->table();
    QHash<QString, int> rowOf;  // by file, and the linked-in plugins by name
    for (int row = 0; row < table->rowCount(); ++row) {
      const QString file = table->item(row, 4)->text();
      rowOf[file == "(built in)" ? table->item(row, 0)->text() : QFileInfo(file).fileName()] = row;
    }
    const auto cell = [&](const char* key, int column) {
      return table->item(rowOf.value(key, -1), column)->text();
    };
    QVERIFY2(rowOf.size() == 9, qPrintable(rowOf.keys().join(", ")));  // 6 files, 3 built in
    QCOMPARE(cell("SSH nodes", 2), QString("node kind: SSH"));
    QCOMPARE(cell("This machine", 2), QString("node kind: This machine"));
    QCOMPARE(cell("Model files", 2),
             QString("model format: Tensor Workbench model; model format: ONNX"));
    QCOMPARE(cell("libtwb_comparison_report.so", 2), QString("report: HTML; report: PDF"));
    QCOMPARE(cell("libtest_plugin_markdown_report.so", 3), QString("loaded"));
    QCOMPARE(cell("libtest_plugin_markdown_report.so", 2), QString("report: Markdown"));
    QCOMPARE(cell("libtest_plugin_markdown_report.so", 0), QString("Markdown report (test)"));
    QCOMPARE(cell("libtest_plugin_tiny_model_format.so", 2),
             QString("model format: Tiny text model"));
    QCOMPARE(cell("libtest_plugin_direct_node.so", 2), QString("node kind: Running daemon (test)"));
    QVERIFY2(cell("libtest_plugin_old_interface.so", 3).contains("org.tensor-workbench.Plugin/0"),
             qPrintable(cell("libtest_plugin_old_interface.so", 3)));
    QVERIFY2(cell("libbroken.so", 3).startsWith("not used: not a Qt plugin"),
             qPrintable(cell("libbroken.so", 3)));
    QVERIFY(dialog->grab().save(TWB_BINARY_DIR "/screenshots/plugins.png"));

    // The model format: a .tiny file opens in the designer, a bad one is refused at its line.
    const QString tiny = data.filePath("small.tiny");
    QFile model(tiny);
    QVERIFY(model.open(QIODevice::WriteOnly));
    model.write(
        "# a small model\ninput image 1 28 28\nnode flatten Flatten image\nnode logits Linear "
        "flatten out_features=10\n");
    model.close();
    ui::ModelDesigner& designer = *window.designer();
    QVERIFY(openModelFile(designer, tiny));
    QCOMPARE(designer.document().boxes(), QStringList({"image", "flatten", "logits"}));
    QVERIFY2(designer.document().graph().error.isEmpty(),
             qPrintable(designer.document().graph().error));
    QCOMPARE(designer.document().graph().nodes.back().shape, QVector<qint64>({10}));
    QVERIFY(model.open(QIODevice::WriteOnly));
    model.write("input image 1 28 28\nnode logits Linear image out_features=ten\n");
    model.close();
    QVERIFY(!openModelFile(designer, tiny));
    QVERIFY2(designer.findChild<QLabel*>("designerStatus")->text().contains("small.tiny:2:"),
             qPrintable(designer.findChild<QLabel*>("designerStatus")->text()));
    QCOMPARE(designer.document().boxes(), QStringList({"image", "flatten", "logits"}));  // kept
    // ONNX, a built-in model format: the int8 mlp exported earlier opens (QDQ read back) and
    // is laid out within a second; a file that is no ONNX model is refused, naming it.
    QElapsedTimer clock;
    clock.start();
    QVERIFY2(openModelFile(designer, m_dir.filePath("mlp-int8.onnx")),
             qPrintable(designer.findChild<QLabel*>("designerStatus")->text()));
    QVERIFY2(clock.elapsed() < 1000, qPrintable(QString("%1 ms").arg(clock.elapsed())));
    QVERIFY2(designer.document().graph().error.isEmpty(),
             qPrintable(designer.document().graph().error));
    const QStringList onnxBoxes = designer.document().boxes();
    QVERIFY2(onnxBoxes.size() > 5 && onnxBoxes.contains("logits"),
             qPrintable(onnxBoxes.join(", ")));
    for (int i = 0; i < onnxBoxes.size(); ++i)
      for (int j = i + 1; j < onnxBoxes.size(); ++j)
        QVERIFY(!QRectF(designer.document().position(onnxBoxes[i]),
                        designer.canvas()->boxSize(onnxBoxes[i]))
                     .intersects(QRectF(designer.document().position(onnxBoxes[j]),
                                        designer.canvas()->boxSize(onnxBoxes[j]))));
    // Saved as .twbm after an edit of the last layer: the ONNX file's weights are kept for the
    // layers left as they were (tst_model_file checks the values), and the file opens.
    designer.document().setAttribute("logits", "out_features", 12);
    const QString edited = data.filePath("edited.twbm");
    // Written off the GUI thread: the busy bar shows, without Cancel (a save does not stop
    // half-written), until fileSaved says it is done.
    window.tabs()->setCurrentWidget(&designer);
    QSignalSpy saved(&designer, &ui::ModelDesigner::fileSaved);
    QVERIFY(designer.saveFile(edited));
    auto* busy = designer.findChild<QProgressBar*>("designerReading");
    QVERIFY(busy->isVisible());
    QVERIFY(!designer.findChild<QPushButton*>("designerCancelReading")->isVisible());
    QVERIFY2(designer.findChild<QLabel*>("designerStatus")->text().startsWith("Saving "),
             qPrintable(designer.findChild<QLabel*>("designerStatus")->text()));
    QVERIFY(window.grab().save(TWB_BINARY_DIR "/screenshots/designer-saving.png"));
    QVERIFY(saved.wait(twb::test::timeScaled(30000)));
    QCOMPARE(saved.last(), QVariantList({edited, true}));
    QVERIFY(!busy->isVisible());
    QVERIFY2(designer.findChild<QLabel*>("designerStatus")
                 ->text()
                 .contains("kept for 4 of 6 parameters; new: logits.weight, logits.bias"),
             qPrintable(designer.findChild<QLabel*>("designerStatus")->text()));
    QVERIFY(openModelFile(designer, edited));
    QCOMPARE(designer.document().graph().nodes.back().shape, QVector<qint64>({12}));
    QVERIFY(!designer.saveFile(data.filePath("model.tiny")));  // the tiny format only reads
    QVERIFY2(designer.findChild<QLabel*>("designerStatus")
                 ->text()
                 .contains("no plugin writes .tiny files"),
             qPrintable(designer.findChild<QLabel*>("designerStatus")->text()));
    designer.document().setAttribute("logits", "out_features", 10);
    const QString notOnnx = data.filePath("broken.onnx");
    QFile garbage(notOnnx);
    QVERIFY(garbage.open(QIODevice::WriteOnly) &&
            garbage.write("\x08\x07garbage, not a protobuf") > 0);
    garbage.close();
    QVERIFY(!openModelFile(designer, notOnnx));
    QVERIFY2(designer.findChild<QLabel*>("designerStatus")->text().contains(notOnnx),
             qPrintable(designer.findChild<QLabel*>("designerStatus")->text()));
    QCOMPARE(designer.document().boxes(), onnxBoxes);
    // A model file is read off the GUI thread: while it is, a busy bar and Cancel show and the
    // model shown stays. Cancelled, its model is dropped when the read ends (reads end in the
    // order they began: by the time the next file opens, the cancelled one has ended).
    const QString cancelled = data.filePath("cancelled.tiny");
    QFile small(cancelled);
    QVERIFY(small.open(QIODevice::WriteOnly) &&
            small.write("input image 1 28 28\nnode flatten Flatten image\n") > 0);
    small.close();
    QSignalSpy opened(&designer, &ui::ModelDesigner::fileOpened);
    const QString onnx = m_dir.filePath("mlp-int8.onnx");
    window.tabs()->setCurrentWidget(&designer);
    QVERIFY(designer.openFile(cancelled));
    QVERIFY(designer.findChild<QProgressBar*>("designerReading")->isVisible());
    QCOMPARE(designer.findChild<QLabel*>("designerStatus")->text(),
             QString("Opening %1…").arg(cancelled));
    QCOMPARE(designer.document().boxes(), onnxBoxes);
    QVERIFY(designer.grab().save(TWB_BINARY_DIR "/screenshots/designer-opening.png"));
    designer.findChild<QPushButton*>("designerCancelReading")->click();
    QVERIFY(!designer.findChild<QProgressBar*>("designerReading")->isVisible());
    QVERIFY2(designer.findChild<QLabel*>("designerStatus")->text().contains("cancelled"),
             qPrintable(designer.findChild<QLabel*>("designerStatus")->text()));
    QVERIFY(openModelFile(designer, onnx));
    QCOMPARE(opened.size(), 2);
    QCOMPARE(opened.at(0), QVariantList({cancelled, false}));
    QCOMPARE(opened.at(1), QVariantList({onnx, true}));
    QCOMPARE(designer.document().boxes(), onnxBoxes);
    // A template opened while a file is read is the model asked for last: the read is dropped.
    QVERIFY(designer.openFile(cancelled));
    QVERIFY(designer.openModelOf(QJsonObject{{"model", QJsonObject{{"template", "lenet5"}}}}));
    QVERIFY(!designer.findChild<QProgressBar*>("designerReading")->isVisible());
    QVERIFY(openModelFile(designer, onnx));
    QCOMPARE(opened.size(), 4);
    QCOMPARE(opened.at(2), QVariantList({cancelled, false}));
    // An ONNX file that fixes its batch (torch.onnx.export's default) is read with the batch
    // free: the Model tab says so over the model while it shows that file's model, and not
    // over another's.
    auto* fileNotes = designer.findChild<QLabel*>("designerFileNotes");
    QVERIFY(!fileNotes->isVisible());  // mlp-int8.onnx leaves its batch free
    const QString fixedBatch = data.filePath("fixed-batch.onnx");
    twb::test::ProgramRun python = twb::test::runPython(
        {"-c",
         "import sys, numpy as np, onnx\n"
         "from onnx import helper as h, TensorProto as T, numpy_helper\n"
         "w = numpy_helper.from_array(np.ones((784, 10), np.float32), 'w')\n"
         "x = h.make_tensor_value_info('x', T.FLOAT, [1, 784])\n"
         "y = h.make_tensor_value_info('y', T.FLOAT, [1, 10])\n"
         "g = h.make_graph([h.make_node('MatMul', ['x', 'w'], ['y'])], 'g', [x], [y], [w])\n"
         "onnx.save(h.make_model(g, opset_imports=[h.make_opsetid('', 13)]), sys.argv[1])",
         fixedBatch});
    QVERIFY2(python.exitCode == 0, qPrintable(python.output));
    QVERIFY(openModelFile(designer, fixedBatch));
    QVERIFY(fileNotes->isVisible());
    QCOMPARE(fileNotes->text(),
             QString("The model shown differs from what fixed-batch.onnx says:\n• input 'x': the "
                     "file fixes its batch at 1; read with the batch free, any batch runs"));
    QVERIFY(window.grab().save(TWB_BINARY_DIR "/screenshots/designer-file-notes.png"));
    designer.document().setAttribute(designer.document().boxes().back(), "out_features", 12);
    QVERIFY(fileNotes->isVisible());  // an edit keeps the model the file's
    QVERIFY(!openModelFile(designer, notOnnx));
    QVERIFY(fileNotes->isVisible());  // a refused file leaves the model shown, and its note
    QVERIFY(designer.openModelOf(QJsonObject{{"model", QJsonObject{{"template", "lenet5"}}}}));
    QVERIFY(!fileNotes->isVisible());
    QVERIFY(openModelFile(designer, fixedBatch));
    QVERIFY(openModelFile(designer, onnx));
    QVERIFY(!fileNotes->isVisible());
    // A file that leaves sizes free (a text model's sequence length, an image's height and
    // width): the Model tab asks for them, the file's own sizes shown and a field for each free
    // one named as the file names it, "Open" off until each holds a size; the model opens with
    // them and Save reads its weights with them. Cancelled, the model shown stays.
    const QString freeSizes = data.filePath("free-sizes.onnx");
    python = twb::test::runPython(
        {"-c",
         "import sys, numpy as np, onnx\n"
         "from onnx import helper as h, TensorProto as T, numpy_helper\n"
         "w = numpy_helper.from_array(np.ones((4, 3, 3, 3), np.float32), 'w')\n"
         "c = numpy_helper.from_array(np.zeros(4, np.float32), 'c')\n"
         "t = h.make_tensor_value_info('tokens', T.FLOAT, ['batch', 'sequence'])\n"
         "p = h.make_tensor_value_info('picture', T.FLOAT, ['batch', 3, 'height', None])\n"
         "a = h.make_tensor_value_info('a', T.FLOAT, ['batch', 'sequence'])\n"
         "b = h.make_tensor_value_info('b', T.FLOAT, ['batch', 4, None, None])\n"
         "g = h.make_graph([h.make_node('Relu', ['tokens'], ['a']),\n"
         "                  h.make_node('Conv', ['picture', 'w', 'c'], ['b'], "
         "kernel_shape=[3, 3])],\n"
         "                 'g', [t, p], [a, b], [w, c])\n"
         "onnx.save(h.make_model(g, opset_imports=[h.make_opsetid('', 13)]), sys.argv[1])",
         freeSizes});
    QVERIFY2(python.exitCode == 0, qPrintable(python.output));
    const auto inputShapeOf = [&designer](const QString& name) {
      for (const QJsonValue& input : designer.document().spec().value("inputs").toArray())
        if (input["name"].toString() == name) return input["shape"].toArray();
      return QJsonArray();
    };
    QSignalSpy openedWithSizes(&designer, &ui::ModelDesigner::fileOpened);
    const QStringList modelBefore = designer.document().boxes();
    QVERIFY(designer.openFile(freeSizes));
    ui::InputSizesDialog* sizes = shownSizesDialog(&designer);
    QVERIFY(sizes);
    auto* sequence = sizes->findChild<QLineEdit*>("inputSize_tokens_1");
    auto* height = sizes->findChild<QLineEdit*>("inputSize_picture_2");
    auto* width = sizes->findChild<QLineEdit*>("inputSize_picture_3");
    QVERIFY(sequence && height && width);
    QVERIFY(!sizes->findChild<QLineEdit*>("inputSize_picture_1"));  // the file fixes it at 3
    QCOMPARE(sequence->placeholderText(), QString("sequence"));
    QCOMPARE(height->placeholderText(), QString("height"));
    QCOMPARE(width->placeholderText(), QString("dimension 3"));  // the file names it not
    auto* openWithSizes = sizes->findChild<QPushButton*>("inputSizesAccept");
    QVERIFY(!openWithSizes->isEnabled());
    QTest::keyClicks(sequence, "12");
    QTest::keyClicks(height, "0");  // not a size
    QTest::keyClicks(width, "6");
    QVERIFY(!openWithSizes->isEnabled());
    height->clear();
    QTest::keyClicks(height, "8");
    QVERIFY(openWithSizes->isEnabled());
    QVERIFY(sizes->grab().save(TWB_BINARY_DIR "/screenshots/designer-input-sizes.png"));
    QCOMPARE(designer.document().boxes(), modelBefore);  // nothing shown before it is read
    openWithSizes->click();
    QVERIFY(openedWithSizes.wait(twb::test::timeScaled(30000)));
    QCOMPARE(openedWithSizes.last(), QVariantList({freeSizes, true}));
    QCOMPARE(inputShapeOf("tokens"), QJsonArray({12}));
    QCOMPARE(inputShapeOf("picture"), QJsonArray({3, 8, 6}));
    QVERIFY2(designer.document().graph().error.isEmpty(),
             qPrintable(designer.document().graph().error));
    QSignalSpy savedWithSizes(&designer, &ui::ModelDesigner::fileSaved);
    QVERIFY(designer.saveFile(data.filePath("free-sizes.twbm")));
    QVERIFY(savedWithSizes.wait(twb::test::timeScaled(30000)));
    QCOMPARE(savedWithSizes.last(), QVariantList({data.filePath("free-sizes.twbm"), true}));
    QVERIFY2(designer.findChild<QLabel*>("designerStatus")
                 ->text()
                 .contains("kept for 2 of 2 parameters; new: none"),
             qPrintable(designer.findChild<QLabel*>("designerStatus")->text()));
    const QStringList sized = designer.document().boxes();
    QVERIFY(designer.openFile(freeSizes));
    const qsizetype answered = openedWithSizes.size();
    shownSizesDialog(&designer)->reject();
    QCOMPARE(openedWithSizes.size(), answered + 1);  // said as the question is put away
    QCOMPARE(openedWithSizes.last(), QVariantList({freeSizes, false}));
    QCOMPARE(designer.findChild<QLabel*>("designerStatus")->text(),
             freeSizes +
                 ": input 'tokens': dimension 1 ('sequence') has no fixed size; input "
                 "'picture': dimension 2 ('height') has no fixed size; not opened: its "
                 "sizes were not given.");
    QCOMPARE(designer.document().boxes(), sized);
    // A job's model gives them in "input_shape": what it gives is not asked again.
    QVERIFY(designer.openModelOf(QJsonObject{
        {"model", QJsonObject{{"file", freeSizes},
                              {"input_shape", QJsonObject{{"tokens", QJsonArray{5}}}}}}}));
    sizes = shownSizesDialog(&designer);
    QVERIFY(!sizes->findChild<QLineEdit*>("inputSize_tokens_1"));
    QTest::keyClicks(sizes->findChild<QLineEdit*>("inputSize_picture_2"), "4");
    QTest::keyClicks(sizes->findChild<QLineEdit*>("inputSize_picture_3"), "5");
    sizes->findChild<QPushButton*>("inputSizesAccept")->click();
    QVERIFY(openedWithSizes.wait(twb::test::timeScaled(30000)));
    QCOMPARE(openedWithSizes.last(), QVariantList({freeSizes, true}));
    QCOMPARE(inputShapeOf("tokens"), QJsonArray({5}));
    QCOMPARE(inputShapeOf("picture"), QJsonArray({3, 4, 5}));
    // Another file opened while the sizes are asked for is the one shown; the question goes.
    QVERIFY(designer.openFile(freeSizes));
    QPointer<ui::InputSizesDialog> abandoned = shownSizesDialog(&designer);
    QVERIFY(openModelFile(designer, onnx));
    QTRY_VERIFY(!abandoned || !abandoned->isVisible());
    QCOMPARE(designer.document().boxes(), onnxBoxes);

    // The node kind: a daemon serving on a unix socket, added as a node of the plugin's kind
    // in the Nodes dialog and reached through it (GetNodeInfo over the plugin's endpoint).
    QProcess daemon;
    const QString socket = data.filePath("daemon.sock");
    daemon.start(TWB_ENGINE_BINARY,
                 {"serve", "--listen", "unix:" + socket, "--data-dir", data.filePath("daemon")});
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(socket), twb::test::timeScaled(20000));
    app::NodeManager nodes(data.filePath("nodes.json"),
                           {TWB_ENGINE_BINARY, {}, data.filePath("known_hosts"), {}},
                           window.plugins());
    {
      ui::NodesDialog nodesDialog(nodes, &window);
      nodesDialog.show();
      auto* kind = nodesDialog.findChild<QComboBox*>("nodeKind");
      QCOMPARE(kind->itemData(0).toString(), QString("ssh"));  // the default stays first
      kind->setCurrentIndex(kind->findData("direct-test"));
      QCOMPARE(nodesDialog.findChild<QLineEdit*>("nodeHost")->placeholderText(),
               QString("unix:PATH of a running twb-engine serve"));
      nodesDialog.findChild<QLineEdit*>("nodeName")->setText("daemon");
      nodesDialog.findChild<QLineEdit*>("nodeHost")->setText("unix:" + socket);
      QTest::mouseClick(nodesDialog.findChild<QPushButton*>("testNode"), Qt::LeftButton);
      QTRY_VERIFY_WITH_TIMEOUT(
          nodesDialog.findChild<QLabel*>("nodeStatus")->text().contains("connected"),
          twb::test::timeScaled(30000));
      QCOMPARE(nodes.find("daemon")->kind, QString("direct-test"));
      QVERIFY2(nodesDialog.findChild<QLabel*>("nodeCapabilities")->text().contains(TWB_VERSION),
               qPrintable(nodesDialog.findChild<QLabel*>("nodeCapabilities")->text()));
    }
    daemon.terminate();
    QVERIFY(daemon.waitForFinished(10000));
    // A node list naming a kind no plugin offers: the node is kept and its use says why.
    app::NodeEntry orphan = *nodes.find("daemon");
    orphan.kind = "gone";
    nodes.save(orphan);
    try {
      nodes.endpoint("daemon");
      QFAIL("a node of an unknown kind was reached");
    } catch (const std::exception& e) {
      QVERIFY2(QString(e.what()).contains("kind: no plugin offers 'gone'"), e.what());
    }
    QCOMPARE(nodes.find("daemon")->target.host, "unix:" + socket);

    // The report format: the Compare table as Markdown, every run in it.
    QHash<QString, const plugins::ReportFormat*> formats;
    for (const plugins::ReportFormat* f : window.plugins().reportFormats()) formats[f->name()] = f;
    QCOMPARE(formats.keys().size(), 3);  // the test's Markdown, the built-in HTML and PDF
    ui::ComparePanel* compare =
        m_window->comparePanel();                 // the project with the earlier tests' runs
    m_window->tabs()->setCurrentWidget(compare);  // a hidden Compare tab does not read
    compare->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(compare->table()->rowCount() > 0, twb::test::timeScaled(10000));
    // The Export menu offers every report format the window's plugins bring, by name.
    QStringList offered;
    for (const QAction* action :
         compare->findChild<QPushButton*>("compareExport")->menu()->actions())
      offered << action->text();
    QVERIFY(!m_window->plugins().reportFormats().isEmpty());
    for (const plugins::ReportFormat* f : m_window->plugins().reportFormats())
      QVERIFY2(offered.contains(QString("Report as %1…").arg(f->name())),
               qPrintable(offered.join(", ")));
    QString error;
    const QString report = data.filePath("compare.md");
    QVERIFY2(compare->exportReport(*formats["Markdown"], report, &error), qPrintable(error));
    QFile written(report);
    QVERIFY(written.open(QIODevice::ReadOnly));
    const QString markdown = QString::fromUtf8(written.readAll());
    QVERIFY2(markdown.startsWith("# Comparison of"), qPrintable(markdown));
    for (int row = 0; row < compare->table()->rowCount(); ++row)
      QVERIFY2(markdown.contains("| " + compare->table()->item(row, 0)->text() + " |"),
               qPrintable(markdown));
    QVERIFY(QFile::exists(report + ".chart.png"));

    // The built-in comparison report: HTML with the chart inlined, and a PDF whose pages
    // poppler turns into PNGs (kept with the screenshots, to be looked at).
    QVERIFY(formats.contains("HTML") && formats.contains("PDF"));
    const QString html = data.filePath("compare.html"), pdf = data.filePath("compare.pdf");
    QVERIFY2(compare->exportReport(*formats["HTML"], html, &error), qPrintable(error));
    QVERIFY2(compare->exportReport(*formats["PDF"], pdf, &error), qPrintable(error));
    QFile page(html);
    QVERIFY(page.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(page.readAll());
    QVERIFY(text.contains("<img src=\"data:image/png;base64,"));
    for (int row = 0; row < compare->table()->rowCount(); ++row)
      QVERIFY(
          text.contains("<td>" + compare->table()->item(row, 0)->text().toHtmlEscaped() + "</td>"));
    // Each profiled run's per-layer profile, its costliest layer (from the store) first.
    int profiled = 0;
    for (int row = 0; row < compare->table()->rowCount(); ++row) {
      const QTableWidgetItem* run = compare->table()->item(row, 0);
      const QByteArray profile =
          m_store->lastEvent(run->data(Qt::UserRole).toLongLong(), "profile");
      if (profile.isEmpty()) continue;
      ++profiled;
      QString costliest;
      double most = -1;
      for (const QJsonValue& v :
           QJsonDocument::fromJson(profile).object().value("layers").toArray()) {
        const double ms = v["forward_ms"].toDouble() + v["backward_ms"].toDouble();
        if (ms > most) most = ms, costliest = v["name"].toString();
      }
      const qsizetype section = text.indexOf("<h3>" + run->text().toHtmlEscaped() + "</h3>");
      QVERIFY2(section > 0, qPrintable(run->text()));
      const qsizetype firstCell = text.indexOf("</th></tr><tr><td>", section) + 18;
      QCOMPARE(text.mid(firstCell, costliest.size()), costliest);
    }
    QVERIFY2(profiled > 0, "no run of the project has a profile to report");
    // Test accuracy by class: the first class's row holds each evaluated run's stored counts,
    // in the table's order, the lowest in bold where they differ.
    QVERIFY(text.contains("<h2>Test accuracy by class (%)</h2>"));
    QStringList expected;
    double lowest = 101, highest = -1;
    QList<double> values;
    for (int row = 0; row < compare->table()->rowCount(); ++row) {
      const qint64 runId = compare->table()->item(row, 0)->data(Qt::UserRole).toLongLong();
      const bool quantized = compare->table()->item(row, 1)->text() == "int8";
      const QJsonObject event =
          QJsonDocument::fromJson(m_store->lastEvent(runId, quantized ? "quantize" : "eval"))
              .object();
      const QJsonValue perClass =
          quantized ? event.value("report")["int8"]["per_class"] : event.value("per_class");
      if (!perClass["correct"].isArray()) continue;
      values << 100 * perClass["correct"][0].toDouble() / perClass["samples"][0].toDouble();
      lowest = std::min(lowest, values.back());
      highest = std::max(highest, values.back());
    }
    QVERIFY(values.size() >= 2);
    for (double value : values) {
      const QString cell = QString::number(value, 'f', 2);
      expected << "<td align=\"right\">" +
                      (value == lowest && lowest < highest ? "<b>" + cell + "</b>" : cell) +
                      "</td>";
    }
    QVERIFY2(text.contains("<tr><td>T-shirt/top</td>" + expected.join("") + "</tr>"),
             qPrintable(expected.join("")));
    QProcess poppler;
    poppler.start("pdftoppm",
                  {"-png", "-r", "50", pdf, QString(TWB_BINARY_DIR "/screenshots/report-pdf")});
    QVERIFY2(poppler.waitForFinished(60000) && poppler.exitCode() == 0,
             poppler.readAllStandardError().constData());
    QVERIFY(QImage(TWB_BINARY_DIR "/screenshots/report-pdf-1.png").width() > 300);
  }
  qputenv("XDG_DATA_HOME", previous);
}
