// The .twbm model file: a round trip keeps spec and weights, the file is a valid safetensors
// file (read here by an independent parser in Python), and damaged files give located errors.
#include <unistd.h>

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "graph/templates.h"
#include "io/edited_model.h"
#include "io/model_file.h"
#include "test_support.h"

using namespace twb;

class TestModelFile : public QObject {
  Q_OBJECT
 private slots:
  void roundTrip() {
    QTemporaryDir dir;
    const ModelSpec spec = makeTemplate("lenet5", {});
    ParameterStore params;
    params.ensure(Graph::build(spec, 1), 17);
    const std::string path = dir.filePath("m.twbm").toStdString();
    saveModel(path, spec, params);
    const ModelFile back = loadModel(path);
    QCOMPARE(back.spec.toJson().dump(), spec.toJson().dump());
    QCOMPARE(back.params.all().size(), params.all().size());
    for (size_t i = 0; i < params.all().size(); ++i) {
      const Parameter& p = params.all()[i];
      const Parameter& q = back.params.all()[i];  // in the graph's order, as ensure() makes them
      QCOMPARE(q.name, p.name);
      QVERIFY(std::memcmp(q.value.raw(), p.value.raw(), p.value.bytes()) == 0);
      // A gradient for each trainable one, zero (lenet5's fc1 is past the 64 KiB from which
      // gradients come on fresh pages).
      QCOMPARE(q.grad.empty(), !q.spec.trainable);
      if (q.grad.empty()) continue;
      QCOMPARE(toString(q.grad.shape()), toString(p.value.shape()));
      const float* g = q.grad.data<float>();
      QVERIFY(std::all_of(g, g + q.grad.numel(), [](float v) { return v == 0.f; }));
    }
    QVERIFY(!QFile::exists(dir.filePath("m.twbm.tmp")));
    // A parameter added twice, or of another shape than its spec's, is refused by name.
    ParameterStore store;
    const Parameter& first = params.all().front();
    store.add(first.name, first.spec, first.value.clone());
    QVERIFY(test::errorOf([&] {
              store.add(first.name, first.spec, first.value.clone());
            }).find("parameter '" + first.name + "' is there already") != std::string::npos);
    QVERIFY(test::errorOf([&] {
              store.add("other", first.spec, Tensor({3}, DType::f32));
            }).find("parameter 'other' is f32 [3] but the model needs f32 ") != std::string::npos);
  }

  // A model is written whole or not at all: where it cannot go is said by name, and a disk that
  // fills up mid-write leaves the model that was there before as it was, with no temporary.
  void aModelThatCannotBeWrittenIsSaidAndTheOldOneKept() {
    QTemporaryDir dir;
    const ModelSpec spec = makeTemplate("mlp", {});
    ParameterStore params;
    params.ensure(Graph::build(spec, 1), 3);
    const auto refused = [&](const QString& path) {
      try {
        saveModel(path.toStdString(), spec, params);
      } catch (const Error& e) {
        return QString(e.what());
      }
      return QString("written");
    };
    QCOMPARE(refused(dir.path()), dir.path() + ": is a folder; name the file to write");
    QCOMPARE(refused(dir.filePath("missing/m.twbm")),
             dir.filePath("missing/m.twbm") + ": the folder " + dir.filePath("missing") +
                 " does not exist");
    if (::geteuid() != 0) QSKIP("needs root to mount a small tmpfs (CI runs as root)");
    const QString small = dir.filePath("small");
    const test::SmallDisk disk(small, "3m");
    QVERIFY(disk.mounted());
    const QString model = small + "/m.twbm";  // the mlp: 2.1 MB, so a second copy does not fit
    saveModel(model.toStdString(), spec, params);
    const QByteArray before = [&] {
      QFile file(model);
      return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }();
    QVERIFY(before.size() > 2000000);
    ParameterStore other;
    other.ensure(Graph::build(spec, 1), 4);
    try {
      saveModel(model.toStdString(), spec, other);
      QFAIL("a model was written on a full disk");
    } catch (const Error& e) {
      QCOMPARE(QString(e.what()), model + ": cannot write: No space left on device");
    }
    QFile after(model);
    QVERIFY(after.open(QIODevice::ReadOnly));
    QVERIFY(after.readAll() == before);
    QVERIFY(!QFile::exists(model + ".tmp"));
  }

  void anEditKeepsTheWeightsOfUnchangedLayers() {
    // lenet5 edited as in the designer: logits given more outputs, conv2 renamed. Every other
    // layer keeps the source's weights bit for bit; logits and the renamed layer start afresh.
    const ModelSpec source = makeTemplate("lenet5", {});
    ModelFile file{source, {}, {}, {}, {}};
    file.params.ensure(Graph::build(source, 1), 17);
    nlohmann::json json = source.toJson();
    for (auto& node : json["nodes"]) {
      if (node["name"] == "logits") node["attrs"]["out_features"] = 12;
      if (node["name"] == "conv2") node["name"] = "conv2b";
      for (auto& input : node["inputs"])
        if (input == "conv2") input = "conv2b";
    }
    const EditedModel edited = carryWeights(file, ModelSpec::fromJson(json), 5);
    QCOMPARE(edited.fresh, (std::vector<std::string>{"conv2b.weight", "conv2b.bias", "logits.weight", "logits.bias"}));
    QCOMPARE(edited.kept.size() + edited.fresh.size(), edited.model.params.all().size());
    for (const std::string& name : edited.kept) {
      const Parameter& before = file.params.at(name);
      const Parameter& after = edited.model.params.at(name);
      QVERIFY2(std::memcmp(before.value.raw(), after.value.raw(), before.value.bytes()) == 0, name.c_str());
    }
    QVERIFY(std::find(edited.kept.begin(), edited.kept.end(), "fc1.weight") != edited.kept.end());
    QCOMPARE(edited.model.params.at("logits.weight").value.shape(), Shape({12, 84}));
    // What a new model of the edited spec would be given from the same seed.
    ParameterStore fresh;
    fresh.ensure(Graph::build(ModelSpec::fromJson(json), 1), 5);
    const Parameter& expected = fresh.at("logits.weight");
    QVERIFY(std::memcmp(expected.value.raw(), edited.model.params.at("logits.weight").value.raw(),
                        expected.value.bytes()) == 0);
    // Without a source every parameter is new.
    QCOMPARE(carryWeights(ModelFile{}, source).kept.size(), size_t{0});
  }

  void readableAsSafetensorsByPython() {
    QTemporaryDir dir;
    ParameterStore params;
    const ModelSpec spec = makeTemplate("mlp", {{"hidden", {5}}});
    params.ensure(Graph::build(spec, 1), 1);
    const QString path = dir.filePath("m.twbm");
    saveModel(path.toStdString(), spec, params);
    QProcess python;
    python.start("/usr/bin/python3", {"-c", R"(
import json, struct, sys, numpy as np
data = open(sys.argv[1], 'rb').read()
n, = struct.unpack('<Q', data[:8])
h = json.loads(data[8:8 + n])
e = h['fc1.weight']
w = np.frombuffer(data[8 + n + e['data_offsets'][0]:8 + n + e['data_offsets'][1]], np.float32).reshape(e['shape'])
print(h['__metadata__']['format'], list(w.shape), json.loads(h['__metadata__']['spec'])['name'], float(w[0, 0]))
)", path});
    QVERIFY(python.waitForFinished(60000));
    const QStringList words = QString(python.readAll()).trimmed().split(' ');
    QCOMPARE(words.value(0), QString("twbm/1"));
    QCOMPARE(words.value(1) + words.value(2), QString("[5,784]"));
    QCOMPARE(words.value(3), QString("mlp"));
    QCOMPARE(words.value(4).toFloat(), params.at("fc1.weight").value.data<float>()[0]);
  }

  void damagedFilesGiveLocatedErrors() {
    QTemporaryDir dir;
    const ModelSpec spec = makeTemplate("mlp", {{"hidden", {5}}});
    ParameterStore params;
    params.ensure(Graph::build(spec, 1), 1);
    const std::string good = dir.filePath("good.twbm").toStdString();
    saveModel(good, spec, params);
    const auto size = std::filesystem::file_size(good);
    auto errorOf = [](const std::string& path) {
      return test::errorOf([&] { loadModel(path); });
    };
    const std::string cut = dir.filePath("cut.twbm").toStdString();
    std::filesystem::copy_file(good, cut);
    std::filesystem::resize_file(cut, size - 100);
    QVERIFY2(errorOf(cut).find("outside the file's") != std::string::npos, errorOf(cut).c_str());
    std::filesystem::resize_file(cut, 5);
    QVERIFY2(errorOf(cut).find("shorter than the 8-byte header length") != std::string::npos, errorOf(cut).c_str());
    const std::string other = dir.filePath("other.twbm").toStdString();
    std::ofstream(other, std::ios::binary) << std::string("\x08\0\0\0\0\0\0\0{}      ", 16);
    QVERIFY2(errorOf(other).find("not a Tensor Workbench model") != std::string::npos, errorOf(other).c_str());
    QVERIFY(errorOf(dir.filePath("none").toStdString()).find("cannot open") != std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestModelFile)
#include "tst_model_file.moc"
