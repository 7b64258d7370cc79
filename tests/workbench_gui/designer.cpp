#include "workbench_gui_test.h"

void WorkbenchGuiTest::aResNetIsDrawnWithinASecond() {
  ui::ModelGraphView view;
  view.resize(900, 700);
  view.show();
  QVERIFY(QTest::qWaitForWindowExposed(&view));
  QElapsedTimer clock;
  clock.start();
  view.setModel(
      app::modelGraphOfJob(QJsonObject{{"model", QJsonObject{{"template", "resnet50"}}}}));
  QCoreApplication::processEvents();  // drawn
  QVERIFY2(clock.elapsed() < 1000, qPrintable(QString("%1 ms").arg(clock.elapsed())));
  const QStringList layers = view.layers();
  QVERIFY(layers.size() > 150);
  for (int i = 0; i < layers.size(); ++i)
    for (int j = i + 1; j < layers.size(); ++j)
      QVERIFY2(!view.boxOf(layers[i]).intersects(view.boxOf(layers[j])),
               qPrintable(layers[i] + " / " + layers[j]));
  view.centerOn(view.boxOf("layer1_0_add").center());
  QVERIFY(view.grab().save(TWB_BINARY_DIR "/screenshots/graph-resnet50.png"));
}

void WorkbenchGuiTest::designerBuildsLenet5ByHandAndItTrains() {
  OwnProject own(*m_window, *m_controller, "designed");
  ui::ModelDesigner& designer = *m_window->designer();
  m_window->tabs()->setCurrentWidget(&designer);
  ui::DesignerCanvas& canvas = *designer.canvas();
  app::ModelDocument& document = designer.document();
  QCOMPARE(document.boxes(), QStringList({"image"}));            // a new model: its input alone
  auto* status = designer.findChild<QLabel*>("designerStatus");  // a hint, not an error
  QVERIFY2(status->text().startsWith("No ops yet") && status->styleSheet().isEmpty(),
           qPrintable(status->text()));
  QVERIFY(!designer.findChild<QPushButton*>("designerUseInJob")->isEnabled());
  // The palette offers the local node's op catalogue (GetOpCatalog): what `twb-engine ops`
  // lists, and the search narrows it.
  QTRY_VERIFY(designer.findChild<QLabel*>("catalogSource")->text().contains("node local"));
  QString opsJson;
  QCOMPARE(test::runCommand(TWB_ENGINE_BINARY, {"ops", "--json"}, &opsJson), 0);
  QStringList ops;
  for (const QJsonValue& op : QJsonDocument::fromJson(opsJson.toUtf8()).array())
    ops << op["name"].toString();
  QStringList offered;
  for (int i = 0; i < designer.palette()->count(); ++i)
    offered << designer.palette()->item(i)->text();
  QCOMPARE(offered, ops);
  designer.findChild<QLineEdit*>("paletteFilter")->setText("conv");
  QVERIFY(designer.palette()->count() >= 1 && designer.palette()->count() < ops.size());
  designer.findChild<QLineEdit*>("paletteFilter")->clear();

  // LeNet-5, layer by layer: each op added under the selected box (and reading it), then
  // named and given its attributes in the property editor.
  struct Layer {
    QString op, name;
    QList<std::pair<QString, QString>> attrs;
  };
  const QList<Layer> layers{
      {"Conv2d", "conv1", {{"out_channels", "6"}, {"kernel", "5"}, {"padding", "2"}}},
      {"ReLU", "relu1", {}},
      {"MaxPool2d", "pool1", {{"kernel", "2"}}},
      {"Conv2d", "conv2", {{"out_channels", "16"}, {"kernel", "5"}}},
      {"ReLU", "relu2", {}},
      {"MaxPool2d", "pool2", {{"kernel", "2"}}},
      {"Flatten", "flatten", {}},
      {"Linear", "fc1", {{"out_features", "120"}}},
      {"ReLU", "relu3", {}},
      {"Linear", "fc2", {{"out_features", "84"}}},
      {"ReLU", "relu4", {}},
      {"Linear", "logits", {{"out_features", "10"}}}};
  QTest::mouseClick(canvas.viewport(), Qt::LeftButton, {}, canvas.centreOf("image"));
  QCOMPARE(canvas.selectedBoxes(), QStringList({"image"}));
  QString previous = "image";
  for (const Layer& layer : layers) {
    if (layer.name == "fc1") {
      // This one dropped with nothing selected, and connected by dragging from pool2's output.
      canvas.scene()->clearSelection();
      const QString added = addOp(designer, layer.op);
      QVERIFY(document.inputsOf(added).isEmpty());
      dragConnect(canvas, "flatten", added);
      QCOMPARE(document.inputsOf(added), QStringList({"flatten"}));
      QTest::mouseClick(canvas.viewport(), Qt::LeftButton, {}, canvas.centreOf(added));
    } else {
      QVERIFY2(!addOp(designer, layer.op).isEmpty(), qPrintable(layer.op));
    }
    QVERIFY(typeInto(designer, "propName", layer.name));
    QTRY_COMPARE(canvas.selectedBoxes(), QStringList({layer.name}));
    for (const auto& [attr, value] : layer.attrs)
      QVERIFY2(typeInto(designer, "attr_" + attr, value), qPrintable(attr));
    QCOMPARE(document.inputsOf(layer.name), QStringList({previous}));
    previous = layer.name;
  }
  // The same model as the lenet5 template.
  QString error;
  const QJsonObject lenet5 =
      app::modelSpecOfJob(QJsonObject{{"model", QJsonObject{{"template", "lenet5"}}}}, &error);
  for (const char* key : {"inputs", "nodes", "outputs"})  // as JSON text: 6 and 6.0 are one number
    QCOMPARE(QJsonDocument(document.spec().value(key).toArray()).toJson(),
             QJsonDocument(lenet5.value(key).toArray()).toJson());
  QVERIFY(document.graph().error.isEmpty());
  auto* use = field<QPushButton>("designerUseInJob");
  QVERIFY(use->isEnabled());
  QVERIFY(field<QLabel>("designerStatus")->text().contains("61,706"));  // LeNet-5's parameters
  // Every box with its costs (conv1: 6 × 5 × 5 weights + 6 biases; 28 × 28 × 6 outputs of 25
  // multiply-adds and a bias each), every edge with the shape it carries.
  const QStringList conv1 = canvas.textOf("conv1");
  QCOMPARE(conv1.mid(0, 3), QStringList({"Conv2d", "conv1", "N×6×28×28"}));
  QVERIFY2(QRegularExpression(R"(^156 params, 23\d\.\d kFLOP$)").match(conv1.value(3)).hasMatch(),
           qPrintable(conv1.value(3)));
  QCOMPARE(canvas.textOf("relu1").value(3), QString("4.7 kFLOP"));  // one op per element
  QCOMPARE(canvas.edgeLabel("conv1", "relu1"), QString("N×6×28×28"));
  QCOMPARE(canvas.edgeLabel("flatten", "fc1"), QString("N×400"));
  // The chain wraps into a second column: no edge runs through a box or loops above its
  // ends, the one up to the next column included.
  // The chain goes on in a second column: the edge up to it does not loop over its target.
  const QPainterPath upward = canvas.edgePath("flatten", "fc1");
  QVERIFY(upward.boundingRect().top() >= canvas.boxRect("fc1").top() - 30);
  canvas.fit();
  screenshot("designer-lenet5");

  // An invalid edit: the required out_channels of conv2 removed. The engine's message is on
  // conv2, Use in job is off; undo gives back exactly the valid model.
  const QJsonObject valid = document.spec();
  QTest::mouseClick(canvas.viewport(), Qt::LeftButton, {}, canvas.centreOf("conv2"));
  // A value outside the attribute's range (the op catalogue's min) is refused beside its
  // field before it reaches the model.
  QVERIFY(typeInto(designer, "attr_kernel", "5, 0"));
  QCOMPARE(field<QLabel>("propertyProblem")->text(), QString("kernel: 0 is outside ≥ 1"));
  QCOMPARE(document.spec(), valid);
  QVERIFY(designer.findChild<QLineEdit*>("attr_stride")->toolTip().contains("≥ 1"));
  QVERIFY(typeInto(designer, "attr_out_channels", ""));
  QTRY_VERIFY(canvas.isMarkedWrong("conv2"));
  QVERIFY2(field<QLabel>("designerStatus")->text().contains("out_channels"),
           qPrintable(field<QLabel>("designerStatus")->text()));
  QVERIFY(!use->isEnabled());
  screenshot("designer-error");
  QTest::mouseClick(field<QToolButton>("designerUndo"), Qt::LeftButton);
  QCOMPARE(document.spec(), valid);
  QVERIFY(use->isEnabled() && !canvas.isMarkedWrong("conv2"));
  // A cycle: logits fed back into conv1.
  dragConnect(canvas, "logits", "conv1");
  QVERIFY2(!document.errorNode().isEmpty() && canvas.isMarkedWrong(document.errorNode()),
           qPrintable(document.graph().error));
  QVERIFY(document.graph().error.contains("cycle"));
  QVERIFY(!use->isEnabled());
  QTest::mouseClick(field<QToolButton>("designerUndo"), Qt::LeftButton);
  QCOMPARE(document.spec(), valid);

  // Copy and paste: two boxes and the edge between them, renamed; one undo takes them away.
  QTest::mouseClick(canvas.viewport(), Qt::LeftButton, {}, canvas.centreOf("conv1"));
  QTest::mouseClick(canvas.viewport(), Qt::LeftButton, Qt::ControlModifier,
                    canvas.centreOf("relu1"));
  QCOMPARE(canvas.selectedBoxes(), QStringList({"conv1", "relu1"}));
  QTest::keyClick(canvas.viewport(), Qt::Key_C, Qt::ControlModifier);
  QTest::keyClick(canvas.viewport(), Qt::Key_V, Qt::ControlModifier);
  QCOMPARE(canvas.selectedBoxes(), QStringList({"conv1_2", "relu1_2"}));
  QCOMPARE(document.inputsOf("relu1_2"), QStringList({"conv1_2"}));
  QVERIFY(document.inputsOf("conv1_2").isEmpty());
  QCOMPARE(document.node("conv1_2").value("attrs"), document.node("conv1").value("attrs"));
  QTest::mouseClick(field<QToolButton>("designerUndo"), Qt::LeftButton);
  QCOMPARE(document.spec(), valid);

  // Into the Job tab, and trained there.
  m_window->jobForm()->setJob(everyFieldJob());
  QTest::mouseClick(use, Qt::LeftButton);
  QCOMPARE(m_window->tabs()->currentWidget(), m_window->jobForm());
  QCOMPARE(m_window->jobForm()->job()["model"].toObject()["spec"].toObject(), valid);
  QPersistentModelIndex run;
  runToSuccess(own.id, run);
  QVERIFY(run.isValid());
  const app::Run stored = m_store->run(runIdOf(run));
  QCOMPARE(QJsonDocument::fromJson(stored.jobJson.toUtf8())
               .object()["model"]
               .toObject()["spec"]
               .toObject(),
           valid);
  QVERIFY(!m_store->events(stored.id, "eval").isEmpty());

  // ResNet-50 from the template menu: drawn and laid out, no box over another, within 1 s.
  m_window->tabs()->setCurrentWidget(&designer);
  QElapsedTimer clock;
  clock.start();
  QVERIFY(designer.openModelOf(QJsonObject{{"model", QJsonObject{{"template", "resnet50"}}}}));
  QCoreApplication::processEvents();
  QVERIFY2(clock.elapsed() < 1000, qPrintable(QString("%1 ms").arg(clock.elapsed())));
  const QStringList boxes = document.boxes();
  QVERIFY(boxes.size() > 150);
  QVector<QRectF> rects;
  for (const QString& box : boxes)
    rects.append(QRectF(document.position(box), canvas.boxSize(box)));
  for (int i = 0; i < rects.size(); ++i)
    for (int j = i + 1; j < rects.size(); ++j)
      QVERIFY2(!rects[i].intersects(rects[j]), qPrintable(boxes[i] + " / " + boxes[j]));
  QVERIFY(document.undoStack()->count() == 0);  // a new model, a new history
  canvas.centerOn(document.position("layer1_0_add"));
  screenshot("designer-resnet50");
}

// LeNet-5 laid out by hand in two columns, the second to the right of the first and then to
// its left: no edge runs through a box or loops above its ends, the one up to the next column
// included (it runs in the gap between the columns).
// The lstm template, picked from the designer's list: an image's rows as the LSTM's steps, its
// box with PyTorch's parameter count and its sequence shapes on the edges, its hidden size
// editable beside it.
void WorkbenchGuiTest::designerDrawsTheLstmTemplate() {
  OwnProject own(*m_window, *m_controller, "recurrent");
  ui::ModelDesigner& designer = *m_window->designer();
  m_window->tabs()->setCurrentWidget(&designer);
  auto* templates = designer.findChild<QComboBox*>("designerTemplate");
  const int lstm = templates->findText("lstm");
  QVERIFY(lstm > 0);
  emit templates->activated(lstm);
  ui::DesignerCanvas& canvas = *designer.canvas();
  QTRY_COMPARE(designer.document().boxes(),
               QStringList({"image", "rows", "lstm1", "last_step", "flatten", "logits"}));
  // 4 gates x 128 x (28 inputs + 128 states) weights, two biases of 4 x 128.
  const QStringList box = canvas.textOf("lstm1");
  QCOMPARE(box.mid(0, 3), QStringList({"LSTM", "lstm1", "N×28×128"}));
  QVERIFY2(box.value(3).startsWith("80,896 params"), qPrintable(box.value(3)));
  QCOMPARE(canvas.edgeLabel("rows", "lstm1"), QString("N×28×28"));
  QCOMPARE(canvas.edgeLabel("last_step", "flatten"), QString("N×1×128"));
  QTRY_VERIFY2(field<QLabel>("designerStatus")->text().contains("82,186"),
               qPrintable(field<QLabel>("designerStatus")->text()));
  QTest::mouseClick(canvas.viewport(), Qt::LeftButton, {}, canvas.centreOf("lstm1"));
  QTRY_VERIFY(designer.findChild<QLineEdit*>("attr_hidden_size"));
  QCOMPARE(designer.findChild<QLineEdit*>("attr_hidden_size")->text(), QString("128"));
  canvas.fit();
  screenshot("designer-lstm");
}

void WorkbenchGuiTest::designerRoutesEdgesBetweenColumns() {
  QString error;
  app::ModelDocument document;
  document.reset(
      app::modelSpecOfJob(QJsonObject{{"model", QJsonObject{{"template", "lenet5"}}}}, &error));
  QVERIFY2(error.isEmpty(), qPrintable(error));
  ui::DesignerCanvas canvas(document);
  canvas.resize(900, 700);
  canvas.show();
  const QStringList boxes = document.boxes();
  const qsizetype wrap = boxes.indexOf("fc1");
  QVERIFY(wrap > 0);
  for (const double secondColumn : {320.0, -320.0}) {
    QHash<QString, QPointF> placed;
    for (qsizetype i = 0; i < boxes.size(); ++i)
      placed[boxes[i]] =
          i < wrap ? QPointF(0, 110.0 * i) : QPointF(secondColumn, 110.0 * (i - wrap) + 60);
    document.moveBoxes(placed);
    QCoreApplication::processEvents();
    for (const QString& node : boxes)
      for (const QString& input : document.inputsOf(node)) {
        const QPainterPath edge = canvas.edgePath(input, node);
        const QString name =
            QString("%1 -> %2 (second column at %3)").arg(input, node).arg(secondColumn);
        QVERIFY2(!edge.isEmpty(), qPrintable(name));
        const double top = std::min(canvas.boxRect(input).bottom(), canvas.boxRect(node).top());
        QVERIFY2(edge.boundingRect().top() >= top - 30, qPrintable(name + " loops above its ends"));
        for (const QString& other : boxes) {
          if (other == input || other == node) continue;
          for (int i = 0; i <= 200; ++i)
            QVERIFY2(!canvas.boxRect(other).contains(edge.pointAtPercent(i / 200.0)),
                     qPrintable(name + " runs through " + other));
        }
      }
  }
}

void WorkbenchGuiTest::designerGroupsBlocksThatCollapse() {
  // resnet18-cifar's first two residual blocks grouped by name: the first collapsed into one
  // box by a double-click on its frame's name, the second left open as a frame around its
  // boxes; the spec the engine accepts holds both, and undo gives back the template exactly.
  ui::ModelDesigner& designer = *m_window->designer();
  m_window->tabs()->setCurrentWidget(&designer);
  QVERIFY(
      designer.openModelOf(QJsonObject{{"model", QJsonObject{{"template", "resnet18-cifar"}}}}));
  ui::DesignerCanvas& canvas = *designer.canvas();
  app::ModelDocument& document = designer.document();
  const QJsonObject plain = document.spec();
  const auto nodesOf = [&](const QString& prefix) {
    QStringList nodes;
    for (const QString& box : document.boxes())
      if (box.startsWith(prefix)) nodes << box;
    return nodes;
  };
  const QStringList first = nodesOf("layer1_0_"), second = nodesOf("layer1_1_");
  QVERIFY(first.size() >= 5 && second.size() >= 5);
  canvas.selectBoxes(first);
  QVERIFY(designer.groupSelection("layer1.0"));
  canvas.selectBoxes(second);
  QVERIFY(designer.groupSelection("layer1.1"));
  QVERIFY(!designer.groupSelection("layer1.1"));  // the name is taken: said, nothing changed
  QVERIFY2(designer.findChild<QLabel*>("designerStatus")->text().contains("layer1.1"),
           qPrintable(designer.findChild<QLabel*>("designerStatus")->text()));
  QCOMPARE(document.blocks().size(), 2);
  QVERIFY2(document.graph().error.isEmpty(), qPrintable(document.graph().error));
  QVERIFY(designer.findChild<QPushButton*>("designerUseInJob")->isEnabled());
  for (const QString& node : second)
    QVERIFY(
        canvas.frameOf("layer1.1").contains(QRectF(document.position(node), canvas.boxSize(node))));
  // A double-click on the first frame's name collapses it: its nodes are one box, and the
  // boxes below move up into the room it no longer takes.
  const QRectF frame = canvas.frameOf("layer1.0");
  const QPointF secondOpen = document.position(second.back());
  canvas.centerOn(frame.center());
  QTest::mouseDClick(canvas.viewport(), Qt::LeftButton, {},
                     canvas.mapFromScene(frame.topLeft() + QPointF(30, 8)));
  QVERIFY(document.isCollapsed("layer1.0"));
  for (const QString& node : first) QCOMPARE(canvas.centreOf(node), canvas.centreOf(first.front()));
  QVERIFY(canvas.frameOf("layer1.0").isNull());
  QVERIFY(!canvas.frameOf("layer1.1").isNull());
  QVERIFY(document.position(second.back()).y() < secondOpen.y() - 100);
  QVERIFY(canvas.frameOf("layer1.1").top() > canvas.mapToScene(canvas.centreOf(first.front())).y());
  canvas.centerOn(canvas.mapToScene(canvas.centreOf(first.front())));
  screenshot("designer-blocks");
  // Laid out again while collapsed, the block is its one box: what reads it starts a gap below
  // that box, not below where its open nodes would end; opened, they push what is below down.
  document.layOut();
  const QRectF collapsed(document.position(first.front()), canvas.boxSize(first.front()));
  const double next = document.position(second.front()).y();
  const double layerGap = document.position("stem_bn").y() - document.position("stem").y() -
                          canvas.boxSize("stem").height();  // between any two layers
  QVERIFY2(qAbs(next - collapsed.bottom() - layerGap) < 1,
           qPrintable(QString("%1 after a box ending at %2").arg(next).arg(collapsed.bottom())));
  canvas.centerOn(canvas.mapToScene(canvas.centreOf(first.front())));
  screenshot("designer-blocks-laid-out");
  document.setCollapsed("layer1.0", false);
  for (const QString& member : first)
    for (const QString& below : second)
      QVERIFY2(!QRectF(document.position(member), canvas.boxSize(member))
                    .intersects(QRectF(document.position(below), canvas.boxSize(below))),
               qPrintable(member + " over " + below));
  document.undoStack()->undo();  // the opening
  document.undoStack()->undo();  // the layout
  QVERIFY(document.isCollapsed("layer1.0"));
  // Selecting the collapsed box selects its nodes; dragging it moves them all.
  canvas.selectBoxes({first.front()});
  QCOMPARE(canvas.selectedBoxes(), first);
  const QPointF before = document.position(first.back());
  const QPoint grab = canvas.centreOf(first.front());
  QTest::mousePress(canvas.viewport(), Qt::LeftButton, {}, grab);
  QMouseEvent move(QEvent::MouseMove, grab + QPoint(60, 0),
                   canvas.viewport()->mapToGlobal(grab + QPoint(60, 0)), Qt::NoButton,
                   Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(canvas.viewport(), &move);
  QTest::mouseRelease(canvas.viewport(), Qt::LeftButton, {}, grab + QPoint(60, 0));
  QVERIFY2(
      document.position(first.back()).x() > before.x() + 30,
      qPrintable(QString("%1 -> %2").arg(before.x()).arg(document.position(first.back()).x())));
  document.undoStack()->undo();  // the move
  // A double-click on the box opens it again, the boxes below back where they were; undoing
  // the collapse, the opening and both groupings restores the template.
  QTest::mouseDClick(canvas.viewport(), Qt::LeftButton, {}, canvas.centreOf(first.front()));
  QVERIFY(!document.isCollapsed("layer1.0"));
  QCOMPARE(document.position(second.back()), secondOpen);
  for (int edits = 0; edits < 4; ++edits) document.undoStack()->undo();
  QCOMPARE(document.spec(), plain);
}

// A model drawn is never replaced or closed away unasked: a template chosen, a file opened or
// the window closed asks first while it has edits not saved (in a file or in the job).
void WorkbenchGuiTest::designerNeverDropsEditsUnasked() {
  const QJsonObject job = m_window->jobForm()->job();
  m_window->jobForm()->markSaved();  // the question here is the designer's alone
  ui::ModelDesigner& designer = *m_window->designer();
  m_window->tabs()->setCurrentWidget(&designer);
  QVERIFY(designer.openModelOf(QJsonObject{{"model", QJsonObject{{"template", "mlp"}}}}));
  QVERIFY(!designer.hasUnsavedEdits());  // opened as it is
  const int tab = m_window->tabs()->indexOf(&designer);
  QCOMPARE(m_window->tabs()->tabText(tab), QString("Model"));
  QVERIFY(!addOp(designer, "ReLU").isEmpty());
  QVERIFY(designer.hasUnsavedEdits());
  QCOMPARE(m_window->tabs()->tabText(tab), QString("Model *"));  // marked, as an unsaved file
  const QJsonObject drawn = designer.document().spec();
  auto* templates = designer.findChild<QComboBox*>("designerTemplate");
  const int lenet = templates->findText("lenet5");
  // Kept: the template asked for is not opened.
  QString asked;
  answerTheQuestion(QMessageBox::Cancel, &asked);
  emit templates->activated(lenet);
  QCOMPARE(asked, QString("The model in the Model tab has edits that are not saved. Discard them?\n"
                          "Save… writes the model to a file; Use in job puts it into the job."));
  QCOMPARE(designer.document().spec(), drawn);
  // Closing the window asks too, on the Model tab; kept, the window stays.
  m_window->tabs()->setCurrentWidget(m_window->jobForm());
  answerTheQuestion(QMessageBox::Cancel, &asked);
  QVERIFY(!windowWouldClose());
  QCOMPARE(m_window->tabs()->currentWidget(), &designer);
  QCOMPARE(designer.document().spec(), drawn);
  // Saved, nothing is asked.
  QSignalSpy saved(&designer, &ui::ModelDesigner::fileSaved);
  QVERIFY(designer.saveFile(m_dir.filePath("drawn.json")));
  QCOMPARE(saved.last(), QVariantList({m_dir.filePath("drawn.json"), true}));
  QVERIFY(!designer.hasUnsavedEdits());
  QCOMPARE(m_window->tabs()->tabText(tab), QString("Model"));
  QVERIFY(windowWouldClose());
  // Discarded: the template opens.
  QVERIFY(!addOp(designer, "ReLU").isEmpty());
  answerTheQuestion(QMessageBox::Discard, &asked);
  emit templates->activated(lenet);
  QVERIFY(designer.document().boxes().contains("conv1"));
  QVERIFY(!designer.hasUnsavedEdits());
  // Put into the job, the job keeps it: the designer asks no more, the job does.
  designer.canvas()->selectBoxes({"logits"});
  QVERIFY(!addOp(designer, "ReLU").isEmpty());  // after the logits: a model still
  QTRY_VERIFY(designer.findChild<QPushButton*>("designerUseInJob")->isEnabled());
  designer.findChild<QPushButton*>("designerUseInJob")->click();
  QVERIFY(!designer.hasUnsavedEdits());
  QVERIFY(m_window->jobForm()->hasUnsavedChanges());
  m_window->jobForm()->setJob(job);
  m_window->jobForm()->markSaved();
}
