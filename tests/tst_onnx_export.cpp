// ONNX export: every exported file passes the ONNX checker (ours before writing, and Python's
// onnx package reading it back), and engine -> ONNX -> engine gives the same outputs.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <tuple>

#include "core/random.h"
#include "exec/executor.h"
#include "graph/templates.h"
#include "io/onnx_export.h"
#include "io/onnx_import.h"
#include "test_support.h"

using namespace twb;

namespace {
// Ops the templates do not use, in one net: batch norm, sigmoid, GELU (five ONNX nodes and
// back), tanh, dropout, concat, a three-way add, average pooling without padding counted,
// upsampling, a transposed convolution, reshape and softmax.
ModelSpec mixedOps() {
  ModelSpec s;
  s.name = "mixed";
  s.inputs = {{"image", {3, 8, 8}, DType::f32}};
  s.nodes = {
      {"bn", "BatchNorm2d", {"image"}, {}},
      {"a", "Conv2d", {"bn"}, {{"out_channels", 4}, {"kernel", 3}, {"padding", 1}}},
      {"b", "Conv2d", {"bn"}, {{"out_channels", 4}, {"kernel", 1}}},
      {"c",
       "Conv2d",
       {"bn"},
       {{"out_channels", 4}, {"kernel", 3}, {"padding", 1}, {"dilation", 1}}},
      {"sum", "Add", {"a", "b", "c"}, {}},
      {"sig", "Sigmoid", {"sum"}, {}},
      {"cat", "Concat", {"sig", "a"}, {}},
      {"pool",
       "AvgPool2d",
       {"cat"},
       {{"kernel", 3}, {"stride", 2}, {"padding", 1}, {"count_include_pad", false}}},
      {"ceiled", "MaxPool2d", {"pool"}, {{"kernel", 3}, {"stride", 2}, {"ceil_mode", true}}},
      {"up", "Upsample", {"ceiled"}, {{"scale", {2, 3}}, {"mode", "bilinear"}}},
      {"near", "Upsample", {"up"}, {{"scale", 2}}},
      {"deconv",
       "ConvTranspose2d",
       {"near"},
       {{"out_channels", 8}, {"kernel", 3}, {"stride", 2}, {"padding", 1}, {"output_padding", 1}}},
      {"down", "AvgPool2d", {"deconv"}, {{"kernel", {8, 12}}}},
      {"gamma", "LayerScale", {"down"}, {{"shape", {8, 1, 1}}}},
      {"g", "GELU", {"gamma"}, {}},
      {"t", "Tanh", {"g"}, {}},
      {"drop", "Dropout", {"t"}, {{"p", 0.3}}},
      {"grid", "Reshape", {"drop"}, {{"shape", {8, 4}}}},
      {"flat", "Flatten", {"grid"}, {}},
      {"fc", "Linear", {"flat"}, {{"out_features", 6}}},
      {"out", "Softmax", {"fc"}, {}}};
  s.outputs = {"out"};
  return s;
}

// Every activation that is not one ONNX op of the same meaning, or has attributes, and a
// LayerNorm.
ModelSpec activations() {
  ModelSpec s;
  s.name = "activations";
  s.inputs = {{"x", {12}, DType::f32}};
  s.nodes = {{"fc1", "Linear", {"x"}, {{"out_features", 16}}},
             {"ln", "LayerNorm", {"fc1"}, {}},
             {"leaky", "LeakyReLU", {"ln"}, {{"negative_slope", 0.2}}},
             {"silu", "SiLU", {"leaky"}, {}},
             {"hswish", "Hardswish", {"silu"}, {}},
             {"elu", "ELU", {"hswish"}, {{"alpha", 0.7}}},
             {"mish", "Mish", {"elu"}, {}},
             {"softplus", "Softplus", {"mish"}, {}},
             {"prelu", "PReLU", {"softplus"}, {{"shape", {16}}}},
             {"abs", "Abs", {"prelu"}, {}},
             {"exp", "Exp", {"abs"}, {}},
             {"log", "Log", {"exp"}, {}},
             {"fc2", "Linear", {"log"}, {{"out_features", 16}}},
             {"hsig", "HardSigmoid", {"fc2"}, {{"alpha", 0.2}, {"beta", 0.4}}},
             {"cube", "Pow", {"hsig"}, {{"exponent", 3}}},
             {"root", "Sqrt", {"cube"}, {}},
             {"relu6", "ReLU6", {"root"}, {}},
             {"clip", "Clip", {"relu6"}, {{"min", 0.1}, {"max", 0.6}}},
             {"fc3", "Linear", {"clip"}, {{"out_features", 4}}},
             {"out", "LogSoftmax", {"fc3"}, {}}};
  s.outputs = {"out"};
  return s;
}

// Linear layers and LayerNorm without parameters over tokens (N, T, D) (MatMul + Add in ONNX; its
// scale of ones a Constant, read back as no parameter), a class token put
// first (Expand to the batch and Concat), and one head of attention between them.
ModelSpec tokens() {
  ModelSpec s;
  s.name = "tokens";
  s.inputs = {{"x", {6, 12}, DType::f32}};
  s.nodes = {{"embed", "Linear", {"x"}, {{"out_features", 16}}},
             {"class_token", "PrependTokens", {"embed"}, {}},
             {"ln", "LayerNorm", {"class_token"}, {{"affine", false}}},
             {"q", "Linear", {"ln"}, {{"out_features", 16}}},
             {"k", "Linear", {"ln"}, {{"out_features", 16}}},
             {"k_t", "Transpose", {"k"}, {{"perm", {0, 2, 1}}}},
             {"scores", "MatMul", {"q", "k_t"}, {}},
             {"weights", "Softmax", {"scores"}, {}},
             {"mixed", "MatMul", {"weights", "ln"}, {}},
             {"pooled", "ReduceMean", {"mixed"}, {{"axes", {1}}}},
             {"centred", "Sub", {"mixed", "pooled"}, {}},
             {"summed", "ReduceSum", {"centred"}, {{"axes", {-1}}}},
             {"scaled", "Div", {"centred", "summed"}, {}},
             {"g", "GELU", {"scaled"}, {}},
             {"proj", "Linear", {"g"}, {{"out_features", 8}, {"bias", false}}},
             {"out", "Softmax", {"proj"}, {}}};
  s.outputs = {"out"};
  return s;
}

// The recurrent ops over (N, 6, 12): a bidirectional LSTM started from states projected from
// the sequence's mean, one without biases, a GRU started from such a state, an RNN with relu,
// then the flattened steps.
ModelSpec recurrent() {
  ModelSpec s;
  s.name = "recurrent";
  s.inputs = {{"x", {6, 12}, DType::f32}};
  const auto state = [](const std::string& name, int64_t directions, int64_t hidden) {
    return std::vector<NodeSpec>{
        {name + "/projected", "Linear", {"mean"}, {{"out_features", directions * hidden}}},
        {name, "Reshape", {name + "/projected"}, {{"shape", {directions, hidden}}}}};
  };
  s.nodes = {{"mean", "ReduceMean", {"x"}, {{"axes", {1}}, {"keepdims", false}}}};
  for (const auto& [name, directions, hidden] :
       {std::tuple{"h0", 2, 8}, std::tuple{"c0", 2, 8}, std::tuple{"g0", 2, 4}})
    for (NodeSpec& node : state(name, directions, hidden)) s.nodes.push_back(node);
  const std::vector<NodeSpec> layers{
      {"both", "LSTM", {"x", "h0", "c0"}, {{"hidden_size", 8}, {"bidirectional", true}}},
      {"forward", "LSTM", {"both"}, {{"hidden_size", 5}, {"bias", false}}},
      {"gated", "GRU", {"forward", "g0"}, {{"hidden_size", 4}, {"bidirectional", true}}},
      {"elman", "RNN", {"gated"}, {{"hidden_size", 6}, {"nonlinearity", "relu"}}},
      {"flat", "Flatten", {"elman"}, {}},
      {"out", "Linear", {"flat"}, {{"out_features", 3}}}};
  s.nodes.insert(s.nodes.end(), layers.begin(), layers.end());
  s.outputs = {"out"};
  return s;
}

// Token ids (N, 5) through an embedding table (Cast + Gather in ONNX) and a Linear.
ModelSpec embedding() {
  ModelSpec s;
  s.name = "embedding";
  s.inputs = {{"ids", {5}, DType::f32}};
  s.nodes = {{"embed", "Embedding", {"ids"}, {{"num_embeddings", 10}, {"embedding_dim", 4}}},
             {"flat", "Flatten", {"embed"}, {}},
             {"out", "Linear", {"flat"}, {{"out_features", 3}}}};
  s.outputs = {"out"};
  return s;
}

std::vector<float> run(const ModelSpec& spec, ParameterStore& params, const std::vector<float>& x,
                       int64_t batch) {
  Executor exec(Graph::build(spec, batch), params, {ExecMode::infer});
  std::copy(x.begin(), x.end(), static_cast<float*>(exec.inputBuffer(spec.inputs[0].name)));
  exec.forward();
  return exec.read(spec.outputs.empty() ? spec.nodes.back().name : spec.outputs[0]);
}
}  // namespace

class TestOnnxExport : public QObject {
  Q_OBJECT
 private slots:
  void roundTripKeepsOutputs_data() {
    QTest::addColumn<QString>("model");
    for (const char* m : {"mlp", "lenet5", "cnn-small", "resnet18-cifar", "mobilenet-v2-cifar",
                          "vit-tiny", "mixed", "activations", "tokens", "embedding", "recurrent"})
      QTest::newRow(m) << m;
  }

  void roundTripKeepsOutputs() {
    QFETCH(QString, model);
    const ModelSpec spec = model == "mixed"         ? mixedOps()
                           : model == "activations" ? activations()
                           : model == "tokens"      ? tokens()
                           : model == "embedding"   ? embedding()
                           : model == "recurrent"   ? recurrent()
                                                    : makeTemplate(model.toStdString(), {});
    ParameterStore params;
    params.ensure(Graph::build(spec, 1), 3);
    Random random(4);
    for (auto& p : params.all()) {  // statistics, scales and offsets that are not the identity
      const bool statistic = p.name.find("running") != std::string::npos;
      const bool constant = p.spec.init == ParamInit::zeros || p.spec.init == ParamInit::ones;
      if (!statistic && !constant) continue;
      for (int64_t i = 0; i < p.value.numel(); ++i)
        p.value.data<float>()[i] =
            statistic ? random.uniform(0.5f, 1.5f) : random.uniform(-0.5f, 0.5f);
    }
    const int64_t batch = 3;
    std::vector<float> x(static_cast<size_t>(batch * numel(spec.inputs[0].shape)));
    const float spread = model == "activations" ? 4.f : 1.f;  // past the activations' kinks
    for (auto& v : x) v = model == "embedding" ? static_cast<float>(random.below(10)) : spread * random.normal();

    QTemporaryDir dir;
    const std::string path = dir.filePath("model.onnx").toStdString();
    exportOnnx(path, spec, params);
    QProcess python;  // an independent reader: Python's onnx package and its checker
    python.start(
        "/usr/bin/python3",
        {"-c",
         "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)",
         QString::fromStdString(path)});
    QVERIFY(python.waitForFinished(60000));
    QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());

    ModelFile back = importOnnx(path);
    // What trains comes back, no more (a constant the export adds is no parameter).
    QCOMPARE(Graph::build(back.spec, 1).parameterCount(), Graph::build(spec, 1).parameterCount());
    const auto before = run(spec, params, x, batch);
    const auto after = run(back.spec, back.params, x, batch);
    QCOMPARE(after.size(), before.size());
    const double error =
        test::relativeError(after.data(), before.data(), static_cast<int64_t>(before.size()));
    QVERIFY2(error <= 1e-6, std::to_string(error).c_str());
  }

  // The normalisation a model's inputs need and its class names go with it into ONNX (where
  // another runtime's user reads them) and come back on import, so that predict and eval of the
  // imported model normalise as training did (without them, Fashion-MNIST's mlp went from
  // 85.9 % to 84.7 % through ONNX and back). A broken entry is an error naming it.
  void theDataItWasTrainedOnTravelsWithTheModel() {
    const ModelSpec spec = makeTemplate("mlp", {});
    ParameterStore params;
    params.ensure(Graph::build(spec, 1), 1);
    DatasetInfo dataset;
    dataset.normalization = Normalization{{0.286f}, {0.353f}};
    dataset.classNames = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    QTemporaryDir dir;
    const QString path = dir.filePath("mlp.onnx");
    exportOnnx(path.toStdString(), spec, params, nullptr, dataset);

    const auto python = [](const QString& script, const QStringList& args) {
      QProcess p;
      p.start("/usr/bin/python3", QStringList{"-c", script} + args);
      p.waitForFinished(60000);
      return std::make_pair(
          p.exitCode(), QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError()));
    };
    const auto [read, said] = python(
        "import json, onnx, sys; m = onnx.load(sys.argv[1]); "
        "d = json.loads({p.key: p.value for p in m.metadata_props}['twb.dataset']); "
        "print(round(d['normalization']['mean'][0], 6), round(d['normalization']['std'][0], 6), "
        "d['class_names'][9])",
        {path});
    QVERIFY2(read == 0, qPrintable(said));
    QCOMPARE(said.trimmed(), QString("0.286 0.353 Ankle boot"));

    const ModelFile back = importOnnx(path.toStdString());
    QVERIFY(back.dataset.normalization.has_value());
    QCOMPARE(back.dataset.normalization->mean, dataset.normalization->mean);
    QCOMPARE(back.dataset.normalization->std, dataset.normalization->std);
    QCOMPARE(back.dataset.classNames, dataset.classNames);

    const QString rewrite =
        "import onnx, sys; m = onnx.load(sys.argv[1]); m.metadata_props[0].value = sys.argv[2]; "
        "onnx.save(m, sys.argv[3])";
    const QString notJson = dir.filePath("not-json.onnx"), noStd = dir.filePath("no-std.onnx");
    QCOMPARE(python(rewrite, {path, "{", notJson}).first, 0);
    QCOMPARE(python(rewrite, {path, R"({"normalization": {"mean": [0.5]}})", noStd}).first, 0);
    const std::string brokenJson = test::errorOf([&] { importOnnx(notJson.toStdString()); });
    QVERIFY2(brokenJson == notJson.toStdString() + ": metadata_props 'twb.dataset' is not JSON",
             brokenJson.c_str());
    const std::string missing = test::errorOf([&] { importOnnx(noStd.toStdString()); });
    QVERIFY2(missing.starts_with(noStd.toStdString() + ": metadata_props 'twb.dataset': ") &&
                 missing.find("std") != std::string::npos,
             missing.c_str());
  }

  void lossesAreRefused() {
    const ModelSpec spec = withLoss(makeTemplate("mlp", {}), "SoftmaxCrossEntropy", {1, 10});
    ParameterStore params;
    params.ensure(Graph::build(spec, 1), 1);
    QTemporaryDir dir;
    const std::string error =
        test::errorOf([&] { exportOnnx(dir.filePath("x.onnx").toStdString(), spec, params); });
    QVERIFY2(error.find("node 'loss' (SoftmaxCrossEntropy) has no ONNX inference form") !=
                 std::string::npos,
             error.c_str());
  }
};

QTEST_APPLESS_MAIN(TestOnnxExport)
#include "tst_onnx_export.moc"
