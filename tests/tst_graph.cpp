// Model specs: JSON round trip, shape inference and parameter counts of the templates, the
// errors of bad graphs, and that docs/model-file.md lists every op and attribute.
#include <QtTest>

#include <fstream>
#include <sstream>

#include "core/error.h"
#include "graph/graph.h"
#include "graph/templates.h"
#include "ops/op_catalog.h"
#include "ops/op_registry.h"
#include "test_support.h"

using namespace twb;

namespace {
std::string buildError(const ModelSpec& spec) {
  return test::errorOf([&] { Graph::build(spec, 4); });
}
}  // namespace

class TestGraph : public QObject {
  Q_OBJECT
 private slots:
  void templatesHaveTheirKnownSizes_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<qint64>("parameters");
    QTest::addColumn<double>("megaFlops");
    // Counts as torch.nn would report them; FLOPs of one forward sample, worked out by hand:
    // 2 per multiply-add, 1 per activation or pooled element, 4 per 2x2 max-pool output.
    QTest::newRow("mlp") << "mlp" << qint64(535818) << 1.070848;
    QTest::newRow("lenet5") << "lenet5" << qint64(61706) << 0.845852;
    QTest::newRow("cnn-small") << "cnn-small" << qint64(421642) << 8.557696;
  }

  // Parameter counts as torchvision's resnet18/34/50 and the common CIFAR ResNet-18 report.
  void resnetsHaveTorchvisionSizes_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<qint64>("parameters");
    QTest::addColumn<int>("classes");
    QTest::newRow("resnet18") << "resnet18" << qint64(11689512) << 1000;
    QTest::newRow("resnet34") << "resnet34" << qint64(21797672) << 1000;
    QTest::newRow("resnet50") << "resnet50" << qint64(25557032) << 1000;
    QTest::newRow("resnet18-cifar") << "resnet18-cifar" << qint64(11173962) << 10;
  }

  void resnetsHaveTorchvisionSizes() {
    QFETCH(QString, name);
    QFETCH(qint64, parameters);
    QFETCH(int, classes);
    const Graph g = Graph::build(makeTemplate(name.toStdString(), {}), 2);
    QCOMPARE(g.parameterCount(), parameters);
    QCOMPARE(g.values()[g.outputs()[0]].shape, (Shape{2, classes}));
    if (name == "resnet50") QCOMPARE(g.values()[g.valueIndex("pool")].shape, (Shape{2, 2048}));
  }

  void templatesHaveTheirKnownSizes() {
    QFETCH(QString, name);
    QFETCH(qint64, parameters);
    QFETCH(double, megaFlops);
    const Graph g = Graph::build(makeTemplate(name.toStdString(), {}), 1);
    QCOMPARE(g.parameterCount(), parameters);
    QVERIFY2(std::abs(g.forwardFlops() / 1e6 - megaFlops) < 1e-9,
             std::to_string(g.forwardFlops()).c_str());
    QCOMPARE(g.values()[g.outputs()[0]].shape, (Shape{1, 10}));
  }

  void jsonRoundTrip() {
    const ModelSpec spec = makeTemplate("cnn-small", {{"input", {3, 32, 32}}, {"classes", 100}});
    const ModelSpec back = ModelSpec::fromJson(spec.toJson());
    QCOMPARE(back.toJson().dump(), spec.toJson().dump());
    const Graph g = Graph::build(back, 8);
    QCOMPARE(g.values()[g.valueIndex("pool2")].shape, (Shape{8, 64, 8, 8}));
    QCOMPARE(g.values()[g.outputs()[0]].shape, (Shape{8, 100}));
  }

  // Named blocks: kept through JSON, no effect on the graph, and wrong ones refused at the field.
  void blocksNameGroupsOfNodes() {
    nlohmann::json json = makeTemplate("lenet5", {}).toJson();
    json["blocks"] = {{{"name", "features"}, {"nodes", {"conv1", "relu1", "pool1"}}},
                      {{"name", "classifier"}, {"nodes", {"fc1", "relu3", "fc2"}}}};
    const ModelSpec spec = ModelSpec::fromJson(json);
    QCOMPARE(spec.blocks.size(), size_t{2});
    QCOMPARE(spec.toJson().dump(), json.dump());
    QCOMPARE(Graph::build(spec, 2).nodes().size(), Graph::build(makeTemplate("lenet5", {}), 2).nodes().size());
    QVERIFY(!makeTemplate("lenet5", {}).toJson().contains("blocks"));  // none: no key
    const auto refused = [&](const char* blocks) {
      nlohmann::json bad = json;
      bad["blocks"] = nlohmann::json::parse(blocks);
      return test::errorOf([&] { ModelSpec::fromJson(bad); });
    };
    QCOMPARE(refused(R"([{"name": "b", "nodes": ["conv1", "nope"]}])"),
             std::string("model.blocks[0].nodes[1]: no node named 'nope'"));
    QCOMPARE(refused(R"([{"name": "a", "nodes": ["conv1"]}, {"name": "b", "nodes": ["conv1"]}])"),
             std::string("model.blocks[1].nodes[0]: 'conv1' is in block 'a' already"));
    QCOMPARE(refused(R"([{"name": "fc1", "nodes": ["conv1"]}])"),
             std::string("model.blocks[0].name: 'fc1' is already the name of a node, input or block"));
    QCOMPARE(refused(R"([{"name": "b", "nodes": []}])"), std::string("model.blocks[0].nodes: a block holds at least one node"));
    QVERIFY(refused(R"([{"name": "b", "nodes": ["conv1"], "colour": "red"}])").find("colour") != std::string::npos);
  }

  void nodesMayBeListedInAnyOrder() {
    ModelSpec s = ModelSpec::fromJson(nlohmann::json::parse(R"({"inputs": [{"name": "x", "shape": [6]}],
      "nodes": [{"name": "b", "op": "ReLU", "inputs": ["a"]}, {"name": "a", "op": "Linear", "inputs": ["x"], "attrs": {"out_features": 3}}],
      "outputs": ["b"]})"));
    const Graph g = Graph::build(s, 2);
    QCOMPARE(g.nodes()[0].name, std::string("a"));
    QCOMPARE(g.values()[g.outputs()[0]].shape, (Shape{2, 3}));
  }

  void badGraphsNameTheNode() {
    auto spec = [](const char* nodes) {
      return ModelSpec::fromJson(nlohmann::json::parse(
          std::string(R"({"inputs": [{"name": "x", "shape": [3, 8, 8]}], "nodes": )") + nodes + "}"));
    };
    QVERIFY(buildError(spec(R"([{"name": "a", "op": "Add", "inputs": ["x", "p"]},
                               {"name": "p", "op": "MaxPool2d", "inputs": ["x"], "attrs": {"kernel": 2}}])"))
                .find("node 'a' (Add): input 1 has shape [4, 3, 4, 4] but input 0 has [4, 3, 8, 8]") != std::string::npos);
    QVERIFY(buildError(spec(R"([{"name": "c", "op": "Conv2d", "inputs": ["x"], "attrs": {"out_channels": 4, "kernel": 3, "groups": 2}}])"))
                .find("node 'c' (Conv2d): input channels 3 and out_channels 4 must both be divisible by groups 2") != std::string::npos);
    QVERIFY(buildError(spec(R"([{"name": "c", "op": "Conv2d", "inputs": ["x"], "attrs": {"out_channels": 4, "kernel": 9}}])"))
                .find("does not fit the height of 8") != std::string::npos);
    // Outside an attribute's range (the catalogue's min and max), named with its value.
    QVERIFY(buildError(spec(R"([{"name": "c", "op": "Conv2d", "inputs": ["x"], "attrs": {"out_channels": 4, "kernel": [3, 0]}}])"))
                .find("nodes[0] 'c'.attrs.kernel: must be >= 1, got 0") != std::string::npos);
    QVERIFY(buildError(spec(R"([{"name": "d", "op": "Dropout", "inputs": ["x"], "attrs": {"p": 1.5}}])"))
                .find("nodes[0] 'd'.attrs.p: must be <= 1, got 1.5") != std::string::npos);
    QVERIFY(buildError(spec(R"([{"name": "a", "op": "ReLU", "inputs": ["y"]}])"))
                .find("nodes[0] 'a': input 'y' is neither a model input nor a node") != std::string::npos);
    QVERIFY(buildError(spec(R"([{"name": "a", "op": "ReLU", "inputs": ["x"]}, {"name": "a", "op": "ReLU", "inputs": ["x"]}])"))
                .find("the name is used twice") != std::string::npos);
    QVERIFY(buildError(spec(R"([{"name": "a", "op": "Add", "inputs": ["x"]}])"))
                .find("Add takes 2 or more inputs, got 1") != std::string::npos);
    QVERIFY(
        buildError(
            spec(
                R"([{"name": "c", "op": "Conv2d", "inputs": ["x"], "attrs": {"out_channels": 4, "kernel": 3, "activation": "tanh"}}])"))
            .find("node 'c' (Conv2d): attribute activation must be none, relu, relu6, gelu, silu "
                  "or hardswish, not 'tanh'") != std::string::npos);
    // x (4, 3, 8, 8) read as 3 steps of (8, 8): an LSTM's h0 must be (N, directions, hidden).
    QVERIFY(
        buildError(
            spec(R"([{"name": "s", "op": "Reshape", "inputs": ["x"], "attrs": {"shape": [3, 64]}},
                               {"name": "h", "op": "Slice", "inputs": ["s"], "attrs": {"axis": 2, "start": 0, "end": 5}},
                               {"name": "l", "op": "LSTM", "inputs": ["s", "h"], "attrs": {"hidden_size": 5}}])"))
            .find("node 'l' (LSTM): initial hidden state (input 2) must be (N, directions, hidden) "
                  "[4, 1, 5], not [4, 3, 5]") != std::string::npos);
    QVERIFY(buildError(spec(R"([{"name": "a", "op": "Reshape", "inputs": ["x"], "attrs": {"shape": [5, -1]}}])"))
                .find("cannot infer the -1") != std::string::npos);
    QVERIFY(buildError(spec(R"([{"name": "a", "op": "ReLU", "inputs": ["c"]}, {"name": "b", "op": "ReLU", "inputs": ["a"]},
                               {"name": "c", "op": "ReLU", "inputs": ["b"]}])"))
                .find("has a cycle: a <- c <- b <- a") != std::string::npos);
    // 8 rows, 3 / 2 with padding 1 in ceil_mode: the last window (rows 7 to 9) reaches past the
    // padding; counting the padding is refused, leaving it out is not.
    const std::string refused =
        "node 'p' (AvgPool2d): ceil_mode with count_include_pad and "
        "padding: the last window reaches past the padding";
    QVERIFY(buildError(spec(R"([{"name": "p", "op": "AvgPool2d", "inputs": ["x"],
                                 "attrs": {"kernel": 3, "stride": 2, "padding": 1, "ceil_mode": true}}])"))
                .find(refused) != std::string::npos);
    QVERIFY(buildError(spec(R"([{"name": "p", "op": "AvgPool2d", "inputs": ["x"],
                                 "attrs": {"kernel": 3, "stride": 2, "padding": 1, "ceil_mode": true,
                                           "count_include_pad": false}}])")) == "no error");
    // Padded in height only, reaching past the edge in width (8 columns, 3 / 2: the last window
    // 6 to 8).
    QVERIFY(buildError(spec(R"([{"name": "p", "op": "AvgPool2d", "inputs": ["x"],
                                 "attrs": {"kernel": 3, "stride": [1, 2], "padding": [1, 0], "ceil_mode": true}}])"))
                .find(refused) != std::string::npos);
  }

  // The catalogue the designer and `twb-engine ops` read: every op, each attribute typed.
  void catalogueListsEveryOp() {
    const auto catalog = opCatalog();
    QCOMPARE(catalog.size(), OpRegistry::instance().all().size());
    for (const auto& op : catalog)
      if (op["name"] == "Conv2d") {
        QCOMPARE(op["attrs"].size(), size_t(8));  // with the fused activation
        QCOMPARE(op["attrs"][0]["name"].get<std::string>(), std::string("out_channels"));
        QVERIFY(op["attrs"][0]["required"].get<bool>());
        QCOMPARE(op["attrs"][2]["default"].get<int>(), 1);  // stride
        QCOMPARE(op["attrs"][2]["min"].get<double>(), 1.0);
        QCOMPARE(op["attrs"][3]["min"].get<double>(), 0.0);  // padding
        QVERIFY(!op["attrs"][0].contains("max"));
      }
  }

  void everyListedTemplateBuilds() {
    for (const auto& t : templateList()) {
      const std::string error = test::errorOf([&] { Graph::build(makeTemplate(t.name, {}), 2); });
      QVERIFY2(error == "no error", (t.name + ": " + error).c_str());
    }
  }

  void documentedCatalogueCoversEveryOp() {
    std::ifstream in(std::string(TWB_SOURCE_DIR) + "/docs/model-file.md");
    std::stringstream text;
    text << in.rdbuf();
    for (const OpDef* op : OpRegistry::instance().all()) {
      QVERIFY2(text.str().find("`" + op->name + "`") != std::string::npos, op->name.c_str());
      for (const auto& attr : op->attrs)
        QVERIFY2(text.str().find("`" + attr.name + "`") != std::string::npos,
                 (op->name + "." + attr.name).c_str());
    }
  }
};

QTEST_APPLESS_MAIN(TestGraph)
#include "tst_graph.moc"
