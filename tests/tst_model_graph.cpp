// The models the graph views draw (app/model_graph) and their layered layout
// (app/graph_layout): shapes from the engine, errors as the engine words them, and layouts of
// real models, templates and a PyTorch export, without overlaps and in well under a second.
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "app/graph_layout.h"
#include "app/model_document.h"
#include "app/model_graph.h"
#include "graph/templates.h"
#include "graph/graph.h"
#include "io/model_file.h"
#include "io/onnx_import.h"

using namespace twb;

namespace {

QJsonObject toQt(const nlohmann::json& json) {
  return QJsonDocument::fromJson(QByteArray::fromStdString(json.dump())).object();
}

// Box sizes as the view would make them: wider for longer texts.
QVector<QSizeF> boxSizes(const app::ModelGraph& g) {
  QVector<QSizeF> sizes;
  for (const app::ModelGraphNode& n : g.nodes) {
    const qsizetype longest =
        std::max({n.op.size(), n.name.size(), app::batchedShapeText(n.shape).size()});
    sizes.append(QSizeF(7.0 * static_cast<double>(longest) + 12, 52));
  }
  return sizes;
}

// Segments (a, b) and (c, d) cross where they are not sharing an end point.
bool segmentsCross(QPointF a, QPointF b, QPointF c, QPointF d) {
  const auto side = [](QPointF p, QPointF q, QPointF r) {
    const double cross = (q.x() - p.x()) * (r.y() - p.y()) - (q.y() - p.y()) * (r.x() - p.x());
    return (cross > 1e-9) - (cross < -1e-9);
  };
  if (a == c || a == d || b == c || b == d) return false;
  return side(a, b, c) * side(a, b, d) < 0 && side(c, d, a) * side(c, d, b) < 0;
}

int crossings(const app::GraphLayout& layout) {
  QVector<std::pair<QPointF, QPointF>> segments;
  for (const auto& line : layout.edges)
    for (int i = 0; i + 1 < line.size(); ++i) segments.append({line[i], line[i + 1]});
  int count = 0;
  for (int i = 0; i < segments.size(); ++i)
    for (int j = i + 1; j < segments.size(); ++j)
      count += segmentsCross(segments[i].first, segments[i].second, segments[j].first,
                             segments[j].second);
  return count;
}

}  // namespace

class ModelGraphTest : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;

  // Lays `g` out, timed, and checks what any layout must give: no two boxes overlap, every
  // edge runs from its source's bottom to its target's top, downwards. Returns the layout.
  app::GraphLayout laidOut(const app::ModelGraph& g, double maxSeconds = 1.0) {
    QElapsedTimer clock;
    clock.start();
    const app::GraphLayout layout = app::layoutLayered(boxSizes(g), g.edges);
    const double seconds = clock.elapsed() / 1e3;
    if (seconds > maxSeconds) qWarning("layout of %s took %.3f s", qPrintable(g.name), seconds);
    [&] {
      QVERIFY2(seconds <= maxSeconds, qPrintable(QString("%1 s").arg(seconds)));
      QCOMPARE(layout.nodes.size(), g.nodes.size());
      QCOMPARE(layout.edges.size(), g.edges.size());
      for (int i = 0; i < layout.nodes.size(); ++i)
        for (int j = i + 1; j < layout.nodes.size(); ++j)
          QVERIFY2(!layout.nodes[i].intersects(layout.nodes[j]),
                   qPrintable(g.nodes[i].name + " overlaps " + g.nodes[j].name));
      for (int e = 0; e < g.edges.size(); ++e) {
        const QRectF from = layout.nodes[g.edges[e].from], to = layout.nodes[g.edges[e].to];
        const QVector<QPointF>& line = layout.edges[e];
        QCOMPARE(line.front(), QPointF(from.center().x(), from.bottom()));
        QCOMPARE(line.back(), QPointF(to.center().x(), to.top()));
        for (int i = 0; i + 1 < line.size(); ++i) QVERIFY(line[i + 1].y() > line[i].y());
        // Between its ends the edge passes beside every box, never through one.
        for (int i = 0; i + 1 < line.size(); ++i)
          for (int n = 0; n < layout.nodes.size(); ++n) {
            const bool end =
                (i == 0 && n == g.edges[e].from) || (i + 2 == line.size() && n == g.edges[e].to);
            const QRectF inner = layout.nodes[n].adjusted(1, 1, -1, -1);
            if (!end && line[i].x() == line[i + 1].x())
              QVERIFY2(!inner.intersects(
                           QRectF(line[i], line[i + 1]).normalized().adjusted(-0.01, 0, 0.01, 0)),
                       qPrintable(QString("edge %1 -> %2 runs through %3")
                                      .arg(g.nodes[g.edges[e].from].name,
                                           g.nodes[g.edges[e].to].name, g.nodes[n].name)));
          }
      }
    }();
    return layout;
  }

 private slots:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  void templatesBecomeGraphsWithTheEnginesShapes() {
    const app::ModelGraph g =
        app::modelGraphOfJob(QJsonObject{{"model", QJsonObject{{"template", "lenet5"}}}});
    QVERIFY2(g.error.isEmpty(), qPrintable(g.error));
    QCOMPARE(g.nodes.front().op, QString("Input"));
    QCOMPARE(g.nodes.front().shape, QVector<qint64>({1, 28, 28}));
    const int logits = g.indexOf(g.nodes.back().name);
    QCOMPARE(g.nodes[logits].shape, QVector<qint64>({10}));
    QCOMPARE(app::batchedShapeText(g.nodes[logits].shape), QString("N×10"));
    qint64 parameters = 0;
    double flops = 0;
    for (const app::ModelGraphNode& n : g.nodes) parameters += n.parameters, flops += n.flops;
    const Graph engine = Graph::build(makeTemplate("lenet5", nlohmann::json::object()), 1);
    QCOMPARE(parameters, engine.parameterCount());
    QCOMPARE(flops, engine.forwardFlops());
    // Every node but the input reads something drawn before it.
    QVector<bool> read(g.nodes.size(), false);
    for (const app::LayoutEdge& e : g.edges) {
      QVERIFY(e.from < e.to);
      read[e.to] = true;
    }
    for (int i = 1; i < g.nodes.size(); ++i) QVERIFY2(read[i], qPrintable(g.nodes[i].name));
  }

  void badModelsCarryTheEnginesMessage() {
    // A convolution straight after a Linear (no Reshape back to an image), a cycle, a missing
    // attribute.
    const QJsonObject input{{"name", "image"}, {"shape", QJsonArray{1, 28, 28}}};
    const auto spec = [&](const QJsonArray& nodes) {
      return QJsonObject{{"name", "bad"},
                         {"inputs", QJsonArray{input}},
                         {"nodes", nodes},
                         {"outputs", QJsonArray{"fc"}}};
    };
    const app::ModelGraph noReshape = app::modelGraphOfSpec(
        spec({QJsonObject{{"name", "flat"}, {"op", "Flatten"}, {"inputs", QJsonArray{"image"}}},
              QJsonObject{{"name", "dense"},
                          {"op", "Linear"},
                          {"inputs", QJsonArray{"flat"}},
                          {"attrs", QJsonObject{{"out_features", 64}}}},
              QJsonObject{{"name", "fc"},
                          {"op", "Conv2d"},
                          {"inputs", QJsonArray{"dense"}},
                          {"attrs", QJsonObject{{"out_channels", 4}, {"kernel", 3}}}}}));
    QVERIFY(noReshape.nodes.isEmpty());
    QVERIFY2(noReshape.error.contains("'fc'"), qPrintable(noReshape.error));
    const app::ModelGraph cycle = app::modelGraphOfSpec(
        spec({QJsonObject{{"name", "a"}, {"op", "ReLU"}, {"inputs", QJsonArray{"fc"}}},
              QJsonObject{{"name", "fc"}, {"op", "ReLU"}, {"inputs", QJsonArray{"a"}}}}));
    QVERIFY2(!cycle.error.isEmpty() && cycle.nodes.isEmpty(), qPrintable(cycle.error));
    const app::ModelGraph missing =
        app::modelGraphOfSpec(spec({QJsonObject{{"name", "fc"},
                                                {"op", "Conv2d"},
                                                {"inputs", QJsonArray{"image"}},
                                                {"attrs", QJsonObject{{"kernel", 3}}}}}));
    QVERIFY2(missing.error.contains("out_channels"), qPrintable(missing.error));
    const app::ModelGraph file =
        app::modelGraphOfJob(QJsonObject{{"model", QJsonObject{{"file", "/runs/m.twbm"}}}});
    QVERIFY2(file.error.contains("/runs/m.twbm"), qPrintable(file.error));
    // A model file on this machine is drawn from the spec it holds; a damaged one says so.
    const QString twbm = m_dir.filePath("lenet5.twbm");
    const ModelSpec lenet5 = makeTemplate("lenet5", {});
    ParameterStore params;
    params.ensure(Graph::build(lenet5, 1), 3);
    saveModel(twbm.toStdString(), lenet5, params);
    const app::ModelGraph drawn = app::modelGraphOfJob(QJsonObject{{"model", QJsonObject{{"file", twbm}}}});
    QVERIFY2(drawn.error.isEmpty(), qPrintable(drawn.error));
    QCOMPARE(drawn.nodes.back().name, QString("logits"));
    // A job file naming it relatively, read from its folder as `twb-engine train FILE` reads it.
    const QJsonObject besideTheJob{{"model", QJsonObject{{"file", "lenet5.twbm"}}}};
    QString error;
    QCOMPARE(app::modelSpecOfJob(besideTheJob, &error, m_dir.path()).value("name"),
             QJsonValue("lenet5"));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(app::modelSpecOfJob(besideTheJob, &error, m_dir.filePath("elsewhere")).isEmpty());
    QCOMPARE(error, "model.file: " + m_dir.filePath("elsewhere/lenet5.twbm") + ": no such file");
    QFile damaged(twbm);
    QVERIFY(damaged.resize(40));
    const app::ModelGraph broken = app::modelGraphOfJob(QJsonObject{{"model", QJsonObject{{"file", twbm}}}});
    QVERIFY2(broken.error.contains(twbm), qPrintable(broken.error));
  }

  void deepModelsLayOutWithoutOverlapsWithinASecond_data() {
    QTest::addColumn<QString>("name");
    for (const char* name :
         {"resnet50", "resnet18-cifar", "mobilenet-v2-cifar", "vit-tiny", "cnn-small"})
      QTest::newRow(name) << name;
  }
  void deepModelsLayOutWithoutOverlapsWithinASecond() {
    QFETCH(QString, name);
    QElapsedTimer clock;
    clock.start();
    const app::ModelGraph g =
        app::modelGraphOfJob(QJsonObject{{"model", QJsonObject{{"template", name}}}});
    QVERIFY2(g.error.isEmpty(), qPrintable(g.error));
    const app::GraphLayout layout = laidOut(g);
    qInfo("%s: %lld boxes, %lld edges, drawn and laid out in %lld ms", qPrintable(name),
          static_cast<long long>(g.nodes.size()), static_cast<long long>(g.edges.size()),
          static_cast<long long>(clock.elapsed()));
    QVERIFY2(clock.elapsed() < 1000, qPrintable(QString("%1 ms").arg(clock.elapsed())));
    // Residual and attention blocks are planar: drawn without a crossing.
    QCOMPARE(crossings(layout), 0);
    // A plain chain stays one straight column: a ResNet's main path is not zig-zagged.
    if (name == "cnn-small") {
      for (const QRectF& r : layout.nodes)
        QCOMPARE(r.center().x(), layout.nodes.front().center().x());
    }
  }

  void aPyTorchExportLaysOut() {
    // nn.MultiheadAttention as PyTorch 2 exports it, imported by the engine.
    QProcess python;
    python.setProcessChannelMode(QProcess::MergedChannels);
    const QString path = m_dir.filePath("vit-mha.onnx");
    python.start(
        "/usr/bin/python3",
        {"-c", QString("import sys; sys.path.insert(0, '%1/tests'); import onnx_models as m; "
                       "m.export(m.VitStyle(torch_attention=True), (1, 28, 28), '%2', 17)")
                   .arg(TWB_SOURCE_DIR, path)});
    QVERIFY(python.waitForFinished(300000));
    QVERIFY2(python.exitCode() == 0, python.readAll().constData());
    const ModelFile imported = importOnnx(path.toStdString());
    const app::ModelGraph g = app::modelGraphOfSpec(toQt(imported.spec.toJson()));
    QVERIFY2(g.error.isEmpty(), qPrintable(g.error));
    QVERIFY(g.nodes.size() > 20);
    laidOut(g);
  }

  // A job's ONNX model file that leaves its sequence length free is drawn with the sizes the
  // job's "input_shape" gives; without them, or with bad ones, the job's field is named.
  void aJobsModelFileIsDrawnWithItsInputShape() {
    QProcess python;
    python.setProcessChannelMode(QProcess::MergedChannels);
    const QString path = m_dir.filePath("text.onnx");
    python.start("/usr/bin/python3",
                 {"-c", QString("import sys, torch; sys.path.insert(0, '%1/tests'); "
                                "import onnx_models as m; torch.onnx.export(m.TextClassifier(), "
                                "torch.randint(0, 50, (2, 7)), '%2', opset_version=17, "
                                "input_names=['ids'], dynamic_axes={'ids': {0: 'batch', 1: "
                                "'sequence'}})")
                            .arg(TWB_SOURCE_DIR, path)});
    QVERIFY(python.waitForFinished(300000));
    QVERIFY2(python.exitCode() == 0, python.readAll().constData());
    const auto jobOf = [&](const QJsonValue& inputShape) {
      QJsonObject model{{"file", path}};
      if (!inputShape.isUndefined()) model["input_shape"] = inputShape;
      return QJsonObject{{"model", model}};
    };
    const app::ModelGraph sized = app::modelGraphOfJob(jobOf(QJsonObject{{"ids", QJsonArray{12}}}));
    QVERIFY2(sized.error.isEmpty(), qPrintable(sized.error));
    QCOMPARE(sized.nodes.front().shape, QVector<qint64>({12}));
    const app::ModelGraph unsized = app::modelGraphOfJob(jobOf(QJsonValue::Undefined));
    QCOMPARE(unsized.error, "model.file: " + path +
                                ": input 'ids': dimension 1 ('sequence') has no fixed size; give "
                                "the sizes after the batch in the model's \"input_shape\": "
                                "{\"ids\": [sequence]}, with a size in place of each name");
    const app::ModelGraph zero = app::modelGraphOfJob(jobOf(QJsonObject{{"ids", QJsonArray{0}}}));
    QVERIFY2(zero.error.startsWith("model.input_shape.ids: must be a list of sizes of at least 1"),
             qPrintable(zero.error));
  }

  // The Job tab's "Input sizes" text: each input once, a malformed or repeated part named.
  void inputSizesTextGivesEachInputOnce() {
    QString error;
    QCOMPARE(app::inputShapeOfText("ids = 128; image=3x224x224", &error),
             QJsonObject({{"ids", QJsonArray{128}}, {"image", QJsonArray{3, 224, 224}}}));
    QVERIFY(error.isEmpty());
    QVERIFY(app::inputShapeOfText("ids=128; image=3xz", &error).isEmpty());
    QCOMPARE(error, QString("Input sizes are NAME=D1xD2... for each input, separated by ';' "
                            "(each size at least 1): 'image=3xz' is not"));
    error.clear();
    QVERIFY(app::inputShapeOfText("ids=128; ids=256", &error).isEmpty());
    QCOMPARE(error, QString("Input sizes give each input once: 'ids=256' gives 'ids' again"));
  }

  void aBlockIsRepeatedAsOneEdit() {
    // image -> flatten -> fc -> relu -> logits; the block [fc, relu] three times in a row.
    app::ModelDocument document;
    const QString flatten = document.addNode("Flatten", {});
    QVERIFY(document.connectBoxes("image", flatten));
    const QString fc = document.addNode("Linear", {}), relu = document.addNode("ReLU", {}),
                  logits = document.addNode("Linear", {});
    document.setAttribute(fc, "out_features", 32);
    document.setAttribute(logits, "out_features", 10);
    QVERIFY(document.connectBoxes(flatten, fc) && document.connectBoxes(fc, relu) &&
            document.connectBoxes(relu, logits));
    QVERIFY2(document.graph().error.isEmpty(), qPrintable(document.graph().error));
    const QJsonObject before = document.spec();
    QString why;
    QVERIFY(!document.repeat({flatten, relu}, 3, &why));  // not one block: fc is between them
    QVERIFY2(why.contains("read outside") || why.contains("reads"), qPrintable(why));
    QVERIFY(!document.repeat({"image", flatten}, 2, &why));
    QVERIFY(document.repeat({fc, relu}, 3, &why));
    QCOMPARE(document.inputsOf(fc + "_2"), QStringList({relu}));
    QCOMPARE(document.inputsOf(relu + "_2"), QStringList({fc + "_2"}));
    QCOMPARE(document.inputsOf(fc + "_3"), QStringList({relu + "_2"}));
    QCOMPARE(document.inputsOf(logits), QStringList({relu + "_3"}));
    QCOMPARE(document.spec().value("outputs").toArray(), QJsonArray({logits}));
    QVERIFY2(document.graph().error.isEmpty(), qPrintable(document.graph().error));
    const int fcs = static_cast<int>(
        std::count_if(document.graph().nodes.begin(), document.graph().nodes.end(),
                      [](const app::ModelGraphNode& n) { return n.op == "Linear"; }));
    QCOMPARE(fcs, 4);
    document.undoStack()->undo();  // one edit
    QCOMPARE(document.spec(), before);
  }

  void namedBlocksFollowEveryEdit() {
    // lenet5's convolutions grouped as "features": kept in the spec the engine accepts, renamed
    // and pruned with their nodes, refused where they make no block, each one edit.
    app::ModelDocument document;
    QString error;
    document.reset(app::modelSpecOfJob(QJsonObject{{"model", QJsonObject{{"template", "lenet5"}}}}, &error));
    const QJsonObject plain = document.spec();
    QString why;
    QVERIFY(document.group("features", {"pool1", "conv1", "relu1"}, &why));
    QCOMPARE(document.blocks().size(), 1);
    QCOMPARE(document.blocks()[0].nodes, QStringList({"conv1", "relu1", "pool1"}));  // node order
    QCOMPARE(document.blockOf("relu1"), QString("features"));
    QVERIFY2(document.graph().error.isEmpty(), qPrintable(document.graph().error));
    QVERIFY(!document.group("features", {"fc1"}, &why));
    QVERIFY2(why.contains("'features' is the name of a box or block"), qPrintable(why));
    QVERIFY(!document.group("head", {"fc1", "conv1"}, &why));
    QVERIFY2(why.contains("'conv1' is in block 'features' already"), qPrintable(why));
    QVERIFY(!document.group("in", {"image"}, &why));
    QVERIFY(!document.group(" ", {"fc1"}, &why));
    QVERIFY(!document.rename("fc1", "features", &why));
    QVERIFY(document.rename("relu1", "act1"));
    QCOMPARE(document.blocks()[0].nodes, QStringList({"conv1", "act1", "pool1"}));
    document.removeBoxes({"conv1", "act1", "pool1"});  // its last nodes gone: the block too
    QVERIFY(!document.spec().contains("blocks"));
    document.undoStack()->undo();
    QCOMPARE(document.blocks()[0].nodes, QStringList({"conv1", "act1", "pool1"}));
    document.undoStack()->undo();  // the rename
    document.ungroup("features");
    QCOMPARE(document.spec(), plain);
    document.undoStack()->undo();
    QCOMPARE(document.blockOf("conv1"), QString("features"));
    document.undoStack()->undo();  // the grouping: exactly the template again
    QCOMPARE(document.spec(), plain);
  }

  void aCollapsedBlockGivesBackItsRoom() {
    // image -> a -> b -> sum, and image -> side -> sum beside the block [a, b]: collapsing moves
    // what is below the block up (sum), not what is beside it (side); opening puts every box
    // back where it was.
    app::ModelDocument document;
    const QString a = document.addNode("ReLU", {}), b = document.addNode("ReLU", {}),
                  side = document.addNode("ReLU", {}), sum = document.addNode("Add", {});
    QVERIFY(document.connectBoxes("image", a) && document.connectBoxes(a, b) &&
            document.connectBoxes("image", side) && document.connectBoxes(b, sum) &&
            document.connectBoxes(side, sum));
    document.layOut();
    QVERIFY2(document.graph().error.isEmpty(), qPrintable(document.graph().error));
    QVERIFY(document.group("pair", {a, b}));
    QHash<QString, QPointF> open;
    for (const QString& box : document.boxes()) open[box] = document.position(box);
    QVERIFY(open[side].y() > open[a].y() - 1 && open[side].y() < open[b].y() + 1);  // beside
    document.setCollapsed("pair", true);
    QVERIFY(document.isCollapsed("pair"));
    QVERIFY(document.position(sum).y() < open[sum].y() - 40);
    QCOMPARE(document.position(side), open[side]);
    document.setCollapsed("pair", false);
    for (const QString& box : document.boxes()) QCOMPARE(document.position(box), open[box]);
    document.undoStack()->undo();  // the opening
    QVERIFY(document.isCollapsed("pair"));
    document.layOut();  // laid out collapsed: still one box's room
    QVERIFY(document.isCollapsed("pair"));
    QVERIFY(document.position(sum).y() < document.position(b).y() + 10);
  }

  void crossingsAreUndoneAndCyclesStillDrawn() {
    // Two chains whose second layer starts crossed: a->d, b->c with c before d.
    const QVector<QSizeF> sizes(4, QSizeF(40, 20));
    const app::GraphLayout crossed = app::layoutLayered(sizes, {{0, 3}, {1, 2}});
    QCOMPARE(crossings(crossed), 0);
    QVERIFY((crossed.nodes[0].center().x() < crossed.nodes[1].center().x()) ==
            (crossed.nodes[3].center().x() < crossed.nodes[2].center().x()));
    // A cycle (an edit the designer must show, not hang on): every box placed, apart.
    const app::GraphLayout cycle =
        app::layoutLayered(QVector<QSizeF>(3, QSizeF(40, 20)), {{0, 1}, {1, 2}, {2, 0}});
    QCOMPARE(cycle.nodes.size(), 3);
    for (int i = 0; i < 3; ++i)
      for (int j = i + 1; j < 3; ++j) QVERIFY(!cycle.nodes[i].intersects(cycle.nodes[j]));
    QCOMPARE(cycle.edges.size(), 3);
  }
};

QTEST_GUILESS_MAIN(ModelGraphTest)
#include "tst_model_graph.moc"
