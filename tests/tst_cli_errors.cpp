// Bad inputs give a clear error and a non-zero exit from twb-engine: never a crash, never a
// hang. Each case writes a real bad file and runs the real binary.
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

#include "data/npy_file.h"
#include "memory_cgroup.h"
#include "test_support.h"
#include "train/job_config.h"

namespace {
using twb::test::EngineRun;
using twb::test::runEngine;

void writeFile(const QString& path, const std::string& bytes) {
  std::ofstream out(path.toStdString(), std::ios::binary);
  out << bytes;
}

// Runs the engine with `args` in `cgroup` and checks that it ends with an error matching `said`,
// where CGROUP stands for the cgroup's path.
void expectRefusedIn(const twb::test::MemoryCgroup& cgroup, const QStringList& args,
                     const QString& said) {
  const EngineRun o =
      twb::test::runProgram("/bin/bash", cgroup.bashArguments(TWB_ENGINE_BINARY, args));
  QVERIFY2(o.finished && !o.crashed && o.exitCode == 1, qPrintable(o.output));
  const QRegularExpression expected(
      QString(said).replace("CGROUP", QRegularExpression::escape(cgroup.path())));
  QVERIFY2(expected.match(o.output).hasMatch(), qPrintable(o.output));
}

// A memory cgroup of its own and a temporary folder, DIR: a job trained there is expected to be
// refused with words, where without its check the kernel's out-of-memory killer ended it.
class CgroupTrial {
 public:
  explicit CgroupTrial(int64_t limitBytes) : m_cgroup(limitBytes) {}
  // Why the cgroup could not be made (not root, no memory controller); empty when it was.
  QString unavailable() const { return m_cgroup.error(); }
  QString dir() const { return m_dir.path(); }
  // Trains `jobText` (DIR in it standing for the folder) with `extraArgs` and checks that it
  // ends with an error matching `said` (CGROUP and DIR standing for the cgroup and the folder).
  void expectTrainingRefused(const QString& jobText, const QString& said,
                             const QStringList& extraArgs = {}) const {
    QVERIFY(m_dir.isValid());
    const QString job = m_dir.filePath("job.json");
    writeFile(job, QString(jobText).replace("DIR", m_dir.path()).toStdString());
    expectRefusedIn(m_cgroup, QStringList{"train", job, "--out", m_dir.filePath("run")} + extraArgs,
                    QString(said).replace("DIR", QRegularExpression::escape(m_dir.path())));
  }

 private:
  twb::test::MemoryCgroup m_cgroup;
  QTemporaryDir m_dir;
};

std::string be32(uint32_t v) {
  return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

// An IDX header for unsigned bytes with the given dimensions.
std::string idxHeader(std::initializer_list<uint32_t> dims) {
  std::string h{0, 0, 8, static_cast<char>(dims.size())};
  for (uint32_t d : dims) h += be32(d);
  return h;
}

// A job that trains the mlp on `dataset`, with `extra` merged over it.
std::string job(const std::string& dataset, const std::string& extra = "") {
  return R"({"name": "bad", "model": {"template": "mlp", "args": {"hidden": [8]}},
            "dataset": ")" + dataset + R"(", "batch": 4, "epochs": 1)" +
         (extra.empty() ? "" : ", " + extra) + "}";
}
}  // namespace

class TestCliErrors : public QObject {
  Q_OBJECT
 private slots:
  void badInputFails_data() {
    QTest::addColumn<QString>("jobText");
    QTest::addColumn<QString>("expected");
    QTest::newRow("missing dataset path") << QString::fromStdString(job("idx:/no/such/folder"))
                                          << "dataset folder /no/such/folder does not exist";
    QTest::newRow("truncated IDX file") << QString::fromStdString(job("idx:truncated"))
                                        << "truncated: the header promises 7840 bytes";
    QTest::newRow("wrong IDX magic") << QString::fromStdString(job("idx:badmagic"))
                                     << "not an IDX file";
    QTest::newRow("label count differs") << QString::fromStdString(job("idx:mismatch"))
                                         << "holds 9 labels but";
    QTest::newRow("cycle") << R"({"model": {"spec": {"inputs": [{"name": "image", "shape": [1, 28, 28]}],
        "nodes": [{"name": "a", "op": "ReLU", "inputs": ["b"]}, {"name": "b", "op": "ReLU", "inputs": ["a"]}]}}})"
                           << "has a cycle: a <- b <- a";
    QTest::newRow("shape mismatch")
        << R"({"model": {"spec": {"inputs": [{"name": "image", "shape": [1, 28, 28]}],
        "nodes": [{"name": "conv", "op": "Conv2d", "inputs": ["image"], "attrs": {"out_channels": 4, "kernel": 3}},
                  {"name": "fc", "op": "Linear", "inputs": ["conv"], "attrs": {"out_features": 10}}]}}})"
        << "model: output 'fc' is [1, 4, 26, 10] at batch 1; training "
           "needs one score per class of each sample, [batch, classes]";
    QTest::newRow("matrix product of unequal inner sizes")
        << R"({"model": {"spec": {"inputs": [{"name": "a", "shape": [3, 4]}],
        "nodes": [{"name": "b", "op": "Linear", "inputs": ["a"], "attrs": {"out_features": 5}},
                  {"name": "m", "op": "MatMul", "inputs": ["a", "b"]}]}}})"
        << "node 'm' (MatMul): cannot multiply [1, 3, 4] by [1, 3, 5]: 4 != 3";
    QTest::newRow("unknown op") << R"({"model": {"spec": {"inputs": [{"name": "image", "shape": [4]}],
        "nodes": [{"name": "x", "op": "Frobnicate", "inputs": ["image"]}]}}})"
                                << "nodes[0] 'x': unknown op 'Frobnicate'";
    QTest::newRow("lr zero") << QString::fromStdString(
                                    job("fashion-mnist", R"("optimizer": {"lr": 0})"))
                             << "optimizer.lr: must be > 0, got 0";
    QTest::newRow("lr negative") << QString::fromStdString(
                                        job("fashion-mnist",
                                            R"("optimizer": {"type": "adam", "lr": -1})"))
                                 << "optimizer.lr: must be > 0, got -1";
    QTest::newRow("momentum out of range")
        << QString::fromStdString(
               job("fashion-mnist", R"("optimizer": {"lr": 0.1, "momentum": 1.5})"))
        << "optimizer.momentum: must be within [0, 1), got 1.5";
    QTest::newRow("batch zero") << R"({"model": {"template": "mlp"}, "batch": 0})"
                                << "batch: must be > 0, got 0";
    QTest::newRow("nothing to train")
        << R"({"model": {"template": "mlp"}, "epochs": 0, "max_steps": 0})"
        << "epochs: is 0 and so is max_steps: set either to train";
    QTest::newRow("not JSON") << "{\"model\": {\"template\": \"mlp\"},\n  \"batch\": 64,,}"
                              << "job.json:2:15: not valid JSON";
    QTest::newRow("wrong field type") << R"({"model": {"template": "mlp"}, "epochs": "five"})"
                                      << "epochs: must be an integer, got a string";
    QTest::newRow("allow_winograd not a boolean")
        << R"({"model": {"template": "mlp"}, "allow_winograd": "no"})"
        << "allow_winograd: must be true or false, got a string";
    QTest::newRow("misspelt allow_winograd")
        << R"({"model": {"template": "mlp"}, "allow_winnograd": false})"
        << "allow_winnograd: unknown field (did you mean \"allow_winograd\"?)";
    QTest::newRow("unknown field")
        << R"({"model": {"template": "mlp"}, "optimizer": {"lr": 0.1, "mommentum": 0.9}})"
        << "optimizer.mommentum: unknown field (did you mean \"momentum\"?)";
    QTest::newRow("misspelt top-level field") << R"({"model": {"template": "mlp"}, "epcohs": 2})"
                                              << "epcohs: unknown field (did you mean \"epochs\"?)";
    QTest::newRow("misspelt model source")
        << R"({"model": {"templat": "mlp"}})"
        << "model.templat: unknown field (did you mean \"template\"?)";
    QTest::newRow("misspelt required field")
        << R"({"model": {"template": "mlp"}, "dataset": {"trian": "fashion-mnist"}})"
        << "dataset.train: is required (is \"trian\" a misspelling of it?)";
    QTest::newRow("unknown field, nothing near it")
        << R"({"model": {"template": "mlp"}, "colour": "red"})"
        << "colour: unknown field (known here: allow_tf32, allow_winograd, batch, checkpoint, ";
    QTest::newRow("unknown field of a block, nothing near it")
        << R"({"model": {"template": "mlp"}, "optimizer": {"name": "adam"}})"
        << "optimizer.name: unknown field (known here: lr, momentum, nesterov, type, "
           "weight_decay)\n";
    QTest::newRow("Adam's field in an SGD optimizer")
        << R"({"model": {"template": "mlp"}, "optimizer": {"lr": 0.1, "beta1": 0.8}})"
        << "optimizer.beta1: read only with \"type\": \"adam\" or \"adamw\"\n";
    QTest::newRow("SGD's field in an Adam optimizer")
        << R"({"model": {"template": "mlp"}, "optimizer": {"type": "adamw", "momentum": 0.9}})"
        << "optimizer.momentum: read only with \"type\": \"sgd\"\n";
    QTest::newRow("a step schedule's field in a cosine one")
        << R"({"model": {"template": "mlp"}, "schedule": {"type": "cosine", "gamma": 0.5}})"
        << "schedule.gamma: read only with \"type\": \"step\"\n";
    QTest::newRow("wrong attribute type") << R"({"model": {"spec": {"inputs": [{"name": "image", "shape": [1, 28, 28]}],
        "nodes": [{"name": "conv", "op": "Conv2d", "inputs": ["image"], "attrs": {"out_channels": "4", "kernel": 3}}]}}})"
                                          << "nodes[0] 'conv'.attrs.out_channels: must be an integer";
    QTest::newRow("device not a device") << QString::fromStdString(job("fashion-mnist", R"("device": "gpu")"))
                                         << "device: 'gpu' is not a device (expected cpu, cuda or cuda:N)";
    QTest::newRow("device index not a number")
        << QString::fromStdString(job("fashion-mnist", R"("device": "cuda:one")"))
        << "device: 'cuda:one' is not a device";
    QTest::newRow("data parallel on a GPU")
        << QString::fromStdString(
               job("fashion-mnist", R"("device": "cuda", "parallel": {"strategy": "data"})"))
        << "device: data-parallel training runs on CPUs in this engine version";
    QTest::newRow("freeze of a misspelt layer")
        << R"({"model": {"template": "mlp"}, "freeze": ["fc1", "fc_2"]})"
        << "freeze[1]: 'fc_2' names no layer or block with parameters (did you mean 'fc2'?)";
    QTest::newRow("freeze of a layer without parameters")
        << R"({"model": {"template": "mlp"}, "freeze": ["relu1"]})"
        << "freeze[0]: 'relu1' names no layer or block with parameters (the model's are fc1, "
           "fc2, logits)";
    QTest::newRow("freeze of a pattern that matches nothing")
        << R"({"model": {"template": "lenet5"}, "freeze": ["backbone.*"]})"
        << "freeze[0]: 'backbone.*' names no layer or block with parameters (the model's are "
           "conv1, conv2, fc1, fc2, logits)";
    QTest::newRow("freeze of every layer")
        << R"({"model": {"template": "mlp"}, "freeze": ["fc*", "logits"]})"
        << "freeze: holds every layer with parameters still, so nothing would train";
    QTest::newRow("freeze not a list of names")
        << R"({"model": {"template": "mlp"}, "freeze": "fc1"})"
        << "freeze: must be an array of strings, got a string";
    QTest::newRow("freeze on a GPU")
        << QString::fromStdString(job("fashion-mnist", R"("device": "cuda", "freeze": ["fc1"])"))
        << "device: training with frozen layers (\"freeze\") runs on CPUs in this engine version";
    QTest::newRow("normalization for three channels on one")
        << R"({"model": {"template": "mlp"}, "dataset": {"train": "fashion-mnist",
              "normalize": {"mean": [0.5, 0.5, 0.5], "std": [0.2, 0.2, 0.2]}}})"
        << "dataset.normalize: mean and std need 1 value each for the 1-channel samples of "
           "fashion-mnist, got 3 and 3";
    QTest::newRow("model input does not fit the data")
        << R"({"model": {"template": "mlp", "args": {"input": [3, 32, 32]}}})"
        << "has samples of [1, 28, 28] (give the template \"args\": {\"input\": [1, 28, 28]})";
    QTest::newRow("template with fewer classes than the data")
        << R"({"model": {"template": "mlp"}, "dataset": "synthetic:1x28x28:12"})"
        << "model: output 'logits' gives 10 class scores a sample, but synthetic:1x28x28:12 has "
           "12 classes (give the template \"args\": {\"classes\": 12})";
  }

  void badInputFails() {
    QFETCH(QString, jobText);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // Datasets the rows above refer to, relative to the job file.
    QDir(dir.path()).mkdir("truncated");
    writeFile(dir.filePath("truncated/train-images-idx3-ubyte"), idxHeader({10, 28, 28}) + std::string(100, '\1'));
    writeFile(dir.filePath("truncated/train-labels-idx1-ubyte"), idxHeader({10}) + std::string(10, '\1'));
    QDir(dir.path()).mkdir("badmagic");
    writeFile(dir.filePath("badmagic/train-images-idx3-ubyte"), "\x12\x34\x08\x03" + std::string(64, '\0'));
    writeFile(dir.filePath("badmagic/train-labels-idx1-ubyte"), idxHeader({10}) + std::string(10, '\1'));
    QDir(dir.path()).mkdir("mismatch");
    writeFile(dir.filePath("mismatch/train-images-idx3-ubyte"), idxHeader({10, 28, 28}) + std::string(7840, '\1'));
    writeFile(dir.filePath("mismatch/train-labels-idx1-ubyte"), idxHeader({9}) + std::string(9, '\1'));
    const QString jobPath = dir.filePath("job.json");
    writeFile(jobPath, jobText.toStdString());

    const EngineRun o = runEngine({"train", jobPath, "--out", dir.filePath("run")});
    QVERIFY2(o.finished, "twb-engine hung on bad input");
    QVERIFY2(!o.crashed, qPrintable("twb-engine crashed: " + o.output));
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.output.contains(expected), qPrintable("expected '" + expected + "' in: " + o.output));
    // Every one of them is about the job: the message names its file first.
    QVERIFY2(o.output.startsWith("error: " + jobPath + ":"), qPrintable(o.output));
  }

  // A job refused before it writes anything leaves no empty run folder behind (runs/NAME-TIME,
  // made for it when no --out is given), from train and from compare-precisions alike.
  void aRefusedJobLeavesNoRunFolder() {
    QTemporaryDir dir;
    writeFile(dir.filePath("job.json"), job("idx:/no/such/folder"));
    for (const QString command : {"train", "compare-precisions"}) {
      QProcess engine;
      engine.setWorkingDirectory(dir.path());
      engine.setProcessChannelMode(QProcess::MergedChannels);
      // --int8: compare-precisions runs on a CPU without bf16 too.
      engine.start(TWB_ENGINE_BINARY, command == "train"
                                          ? QStringList{command, "job.json"}
                                          : QStringList{command, "job.json", "--int8"});
      QVERIFY(engine.waitForFinished(60000));
      const QString output = QString::fromUtf8(engine.readAll());
      QCOMPARE(engine.exitCode(), 1);
      QVERIFY2(output.contains("dataset folder /no/such/folder does not exist"),
               qPrintable(output));
      QVERIFY2(QDir(dir.filePath("runs")).entryList(QDir::Dirs | QDir::NoDotAndDotDot).isEmpty(),
               qPrintable(command));
    }
  }

  // A GPU job on a node without a usable GPU stops before training and says why: no driver,
  // or a CUDA library the backend needs that the node lacks (a real plugin whose cuBLASLt
  // dependency is renamed, as on a node with another CUDA major version), or no backend at all.
  void gpuJobWithoutUsableGpuFails_data() {
    QTest::addColumn<QString>("backend");  // "plugin": the build's; "renamed": its broken copy
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("no GPU") << "plugin" << QStringList{"device: cuda asked for, but"};
    QTest::newRow("cuBLASLt missing")
        << "renamed"
        << QStringList{"device: cuda asked for, but", "cannot be loaded", "libcublasLt.so.99",
                       "LD_LIBRARY_PATH"};
    QTest::newRow("no backend file")
        << "/no/such/libtwb-cuda.so"
        << QStringList{"device: cuda asked for, but", "/no/such/libtwb-cuda.so cannot be loaded"};
  }

  void gpuJobWithoutUsableGpuFails() {
    QFETCH(QString, backend);
    QFETCH(QStringList, expected);
    const QJsonObject facts = QJsonDocument::fromJson(runEngine({"info", "--json"}).output.toUtf8()).object();
    QVERIFY2(facts.contains("gpus"), "twb-engine info --json lists no gpus");
    if (!facts["gpus"].toArray().isEmpty()) QSKIP("this machine has a GPU: tests/gpu/cuda_checks covers it");
    const QString plugin = QFileInfo(TWB_ENGINE_BINARY).dir().filePath("libtwb-cuda.so");
    QTemporaryDir dir;
    QString path = backend;
    if (backend == "plugin" || backend == "renamed") {
      if (!QFileInfo::exists(plugin)) QSKIP("built without the CUDA backend (no nvcc)");
      path = plugin;
    }
    if (backend == "renamed") {
      path = dir.filePath("libtwb-cuda.so");
      QVERIFY(QFile::copy(plugin, path));
      QCOMPARE(QProcess::execute("patchelf", {"--replace-needed", "libcublasLt.so.13",
                                              "libcublasLt.so.99", path}),
               0);
    }
    const QString jobPath = dir.filePath("job.json");
    writeFile(jobPath, job("fashion-mnist", R"("device": "cuda")"));
    qputenv("TWB_CUDA_BACKEND", path.toUtf8());
    const EngineRun o = runEngine({"train", jobPath, "--out", dir.filePath("run")});
    qunsetenv("TWB_CUDA_BACKEND");
    QVERIFY2(o.finished && !o.crashed, qPrintable(o.output));
    QCOMPARE(o.exitCode, 1);
    for (const QString& words : expected)
      QVERIFY2(o.output.contains(words), qPrintable("expected '" + words + "' in: " + o.output));
    QVERIFY(!QFileInfo::exists(dir.filePath("run/model.twbm")));
  }

  // Every job file we ship is valid (and so is what the docs point people to).
  void shippedExamplesAreValid() {
    const QDir examples(QString(TWB_SOURCE_DIR) + "/resources/examples");
    const QStringList jobs = examples.entryList({"*.json"});
    QVERIFY(jobs.size() >= 3);
    for (const QString& job : jobs) {
      const std::string path = examples.filePath(job).toStdString();
      std::string error = twb::test::errorOf([&] { twb::JobConfig::load(path); });
      // A bf16 example on a CPU without bf16 is refused for that alone: the rest must hold.
      if (!twb::bf16Unavailable().empty() && error.find("precision: bf16 is not available") != std::string::npos) {
        std::ifstream in(path);
        nlohmann::json asFp32 = nlohmann::json::parse(in);
        asFp32["precision"] = "fp32";
        error = twb::test::errorOf([&] { twb::JobConfig::fromJson(asFp32, examples.path().toStdString()); });
      }
      QVERIFY2(error == "no error", (job.toStdString() + ": " + error).c_str());
    }
  }

  // A trace written at the end of a run: a folder that does not exist is refused before the first
  // step, and one that goes away during the run costs the trace, not the trained model.
  void aTraceThatCannotBeWrittenCostsNoWork() {
    QTemporaryDir dir;
    const QString jobPath = dir.filePath("job.json");
    // The mlp's default layers: 3000 steps take seconds, ample time to take the folder away.
    writeFile(jobPath, R"({"model": {"template": "mlp"}, "dataset": "synthetic:1x28x28:10",
                           "batch": 64, "max_steps": 3000, "epochs": 0, "threads": 1})");
    const EngineRun missing =
        runEngine({"train", jobPath, "--out", dir.filePath("first"), "--trace", "/no/such/t.json"});
    QCOMPARE(missing.exitCode, 1);
    QVERIFY2(
        missing.output.startsWith("error: /no/such/t.json: the folder /no/such does not exist"),
        qPrintable(missing.output));
    QVERIFY(!QFileInfo::exists(dir.filePath("first")));  // nothing trained
    const EngineRun noEvents = runEngine(
        {"train", jobPath, "--out", dir.filePath("first"), "--events", "/no/such/e.jsonl"});
    QCOMPARE(noEvents.exitCode, 1);
    QVERIFY2(
        noEvents.output.startsWith("error: /no/such/e.jsonl: the folder /no/such does not exist"),
        qPrintable(noEvents.output));

    QVERIFY(QDir(dir.path()).mkdir("traces"));
    const QString events = dir.filePath("events.jsonl");
    QProcess run;
    run.setProcessChannelMode(QProcess::MergedChannels);
    run.start(TWB_ENGINE_BINARY, {"train", jobPath, "-o", dir.filePath("second"), "--events",
                                  events, "--trace", dir.filePath("traces/t.json")});
    QVERIFY(run.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(events).size() > 0, 30000);  // under way
    QVERIFY(QDir(dir.filePath("traces")).removeRecursively());
    QVERIFY(run.waitForFinished(120000));
    QCOMPARE(run.exitCode(), 1);
    const QString output = QString::fromUtf8(run.readAll());
    QVERIFY2(output.contains("traces/t.json: the folder"), qPrintable(output));
    QVERIFY(QFileInfo::exists(dir.filePath("second/model.twbm")));
    QVERIFY(QFileInfo::exists(dir.filePath("second/checkpoints/step-3000.twbc")));
  }

  // Files written at the end of long work (bench's trace, a sweep's CSV) are checked before it:
  // a billion steps to bench, a sweep on a node that is not there, refused for the file first.
  void outputsWrittenAfterTheWorkAreCheckedBeforeIt_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("file");
    QTest::newRow("bench --trace")
        << QStringList{"bench", "mlp", "--steps", "1000000000", "--trace", "/no/such/t.json"}
        << "/no/such/t.json";
    QTest::newRow("client sweep --csv")
        << QStringList{"client", "--node", "unix:/nonexistent/n.sock", "sweep",
                       "SWEEP",  "--csv",  "/no/such/trials.csv"}
        << "/no/such/trials.csv";
  }
  void outputsWrittenAfterTheWorkAreCheckedBeforeIt() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, file);
    QTemporaryDir dir;
    const QString sweep = dir.filePath("sweep.json");
    writeFile(sweep, R"({"model": {"template": "mlp"}, "max_steps": 10, "epochs": 0,
                         "sweep": {"parameters": {"optimizer.lr": [0.01, 0.1]}}})");
    arguments.replaceInStrings("SWEEP", sweep);
    const EngineRun o = runEngine(arguments, 60000);
    QVERIFY2(o.finished, "it did the work first");
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.output.startsWith("error: " + file + ": the folder /no/such does not exist"),
             qPrintable(o.output));
  }

  void corruptModelFileFails() {
    QTemporaryDir dir;
    const QString model = dir.filePath("model.twbm");
    writeFile(model, std::string("\x40\0\0\0\0\0\0\0{\"a\": 1}", 16));
    const EngineRun o = runEngine({"eval", model, "--dataset", "synthetic:1x28x28:10"});
    QVERIFY(o.finished && !o.crashed);
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.output.contains("exceeds the file"), qPrintable(o.output));
  }

  void badDatasetSpecFails() {
    QTemporaryDir dir;
    writeFile(dir.filePath("job.json"), job("synthetic:3x0x2:10"));
    const EngineRun o = runEngine({"train", dir.filePath("job.json")});
    QVERIFY(o.finished && !o.crashed);
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.output.contains("synthetic:3x0x2:10: bad shape"), qPrintable(o.output));
  }

  // Options that count (batches, steps, samples, threads) refuse what is not a whole number in
  // range, saying the rule and the value given.
  void optionsSayTheRuleAndTheValue_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("expected");
    QTest::newRow("bench --batch 0") << QStringList{"bench", "mlp", "--batch", "0"}
                                     << "--batch: must be a whole number >= 1, got 0";
    QTest::newRow("bench --steps 1.5") << QStringList{"bench", "mlp", "--steps", "1.5"}
                                       << "--steps: must be a whole number >= 1, got 1.5";
    QTest::newRow("bench --warmup -1") << QStringList{"bench", "mlp", "--warmup", "-1"}
                                       << "--warmup: must be a whole number >= 0, got -1";
    QTest::newRow("train --epochs ten") << QStringList{"train", "job.json", "--epochs", "ten"}
                                        << "--epochs: must be a whole number >= 0, got ten";
    QTest::newRow("eval --batch too large for any count")
        << QStringList{"eval",          "m.twbm",  "--dataset",
                       "fashion-mnist", "--batch", "99999999999999999999"}
        << "--batch: must be a whole number >= 1, got 99999999999999999999";
    QTest::newRow("quantize --window 0")
        << QStringList{"quantize", "m.twbm", "--calib",  "fashion-mnist",
                       "--out",    "q.twbm", "--window", "0"}
        << "--window: must be a whole number >= 1, got 0";
    QTest::newRow("train --ranks 100") << QStringList{"train", "job.json", "--ranks", "100"}
                                       << "--ranks: must be a whole number within [1, 64], got 100";
    QTest::newRow("quantize --percentile 20")
        << QStringList{"quantize", "m.twbm", "--calib",      "fashion-mnist",
                       "--out",    "q.twbm", "--percentile", "20"}
        << "--percentile: must be a number within [50, 100], got 20";
    QTest::newRow("quantize --percentile abc")
        << QStringList{"quantize", "m.twbm", "--calib",      "fashion-mnist",
                       "--out",    "q.twbm", "--percentile", "abc"}
        << "--percentile: must be a number within [50, 100], got abc";
    QTest::newRow("quantize --max-drop -3")
        << QStringList{"quantize", "m.twbm", "--calib",    "fashion-mnist",
                       "--out",    "q.twbm", "--max-drop", "-3"}
        << "--max-drop: must be a number within [0, 100], got -3";
    QTest::newRow("quantize --max-drop 150")
        << QStringList{"quantize", "model.twbm", "--calib",    "fashion-mnist",
                       "--out",    "q.twbm",     "--max-drop", "150"}
        << "--max-drop: must be a number within [0, 100], got 150";
    QTest::newRow("client quantize --max-drop nan")
        << QStringList{"client",        "--node",     "unix:/nonexistent/n.sock",
                       "quantize",      "j0001",      "--calib",
                       "fashion-mnist", "--max-drop", "nan"}
        << "--max-drop: must be a number within [0, 100], got nan";
    QTest::newRow("client --keepalive 0")
        << QStringList{"client", "--node", "unix:/nonexistent/n.sock", "--keepalive", "0", "info"}
        << "--keepalive: must be a number within [0.5, 3600], got 0";
    // The client names its own options, not the node's fields they become.
    QTest::newRow("client quantize --observer kl")
        << QStringList{"client",     "--node", "unix:/nonexistent/n.sock", "quantize", "j0001",
                       "--observer", "kl"}
        << "--observer: kl not in {minmax,percentile,entropy}";
    QTest::newRow("client quantize --scheme global")
        << QStringList{"client",   "--node", "unix:/nonexistent/n.sock", "quantize", "j0001",
                       "--scheme", "global"}
        << "--scheme: global not in {per-channel,local}";
    // A node address without its scheme names the address it would be.
    QTest::newRow("client --node HOST:PORT")
        << QStringList{"client", "--node", "127.0.0.1:7070", "info"}
        << "node address '127.0.0.1:7070': no scheme; is it tcp:127.0.0.1:7070? (expected "
           "unix:PATH or tcp:HOST:PORT)";
    QTest::newRow("client --node PATH")
        << QStringList{"client", "--node", "/run/twb/node.sock", "info"}
        << "node address '/run/twb/node.sock': no scheme; is it unix:/run/twb/node.sock?";
    QTest::newRow("client --node tcp:HOST:99999")
        << QStringList{"client", "--node", "tcp:lab:99999", "info"}
        << "node address 'tcp:lab:99999': the port '99999' is not a number from 0 to 65535";
  }

  // bench --mode data runs the loader alone: an option about the model's steps would be dropped
  // without a word, so it is refused, naming the option.
  void benchRefusesOptionsItWouldIgnore_data() {
    QTest::addColumn<QString>("option");
    QTest::newRow("trace") << "--trace=DIR/t.json";
    QTest::newRow("profile") << "--profile";
    QTest::newRow("precision") << "--precision=bf16";
  }

  void benchRefusesOptionsItWouldIgnore() {
    QFETCH(QString, option);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const EngineRun o =
        runEngine({"bench", "mlp", "--mode", "data", "--dataset", "fashion-mnist", "--steps", "2",
                   "--warmup", "0", QString(option).replace("DIR", dir.path())});
    QVERIFY(o.finished && !o.crashed);
    QCOMPARE(o.exitCode, 1);
    const QString name = option.section('=', 0, 0);
    QVERIFY2(o.output.contains("error: " + name +
                               " is about the model's steps, which --mode data "
                               "does not run"),
             qPrintable(o.output));
    QVERIFY(!QFile::exists(dir.filePath("t.json")));
  }

  // Values that cannot fit in memory are refused before any is allocated (Linux would grant them
  // and kill the engine once they are touched), naming what they need, the largest and what
  // there is; under a limit on the process (ulimit -v) the allocation that fails says the same.
  void valuesBeyondMemoryAreRefusedNamingTheLargest_data() {
    QTest::addColumn<QString>("limit");  // ulimit -v, KiB
    QTest::addColumn<QString>("batch");
    QTest::addColumn<QString>("why");
    QTest::newRow("beyond the machine") << "unlimited"
                                        << "1000000000"
                                        << "this machine has [0-9.]+ GiB available, swap included";
    QTest::newRow("beyond a limit on the process")
        << "1500000"
        << "200000"
        << "the memory could not be had \\(the step's arena of [0-9.]+ [GM]iB could not be "
           "allocated\\)";
  }

  void valuesBeyondMemoryAreRefusedNamingTheLargest() {
    QFETCH(QString, limit);
    QFETCH(QString, batch);
    QFETCH(QString, why);
#ifdef __SANITIZE_ADDRESS__
    if (limit != "unlimited") QSKIP("AddressSanitizer's shadow memory needs more address space");
#endif
    const EngineRun o = twb::test::runProgram(
        "/bin/bash", {"-c", "ulimit -v " + limit + " && exec \"$0\" \"$@\"", TWB_ENGINE_BINARY,
                      "bench", "mlp", "--batch", batch, "--steps", "1", "--warmup", "0"});
    QVERIFY2(o.finished && !o.crashed && o.exitCode == 1, qPrintable(o.output));
    const QRegularExpression said("error: the step's values and kernel buffers at batch " + batch +
                                  " need [0-9.]+ GiB \\(the largest, the values and "
                                  "gradients a step holds at once, [0-9.]+ [GM]iB\\); " +
                                  why + ": give a smaller batch or smaller inputs");
    QVERIFY2(said.match(o.output).hasMatch(), qPrintable(o.output));
  }

  // The same of a model's parameters, before they are made.
  void parametersBeyondMemoryAreRefusedNamingTheLargest() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString job = dir.filePath("huge.json");
    writeFile(job, R"({"model": {"template": "mlp", "args": {"hidden": [100000000000]}}})");
    const EngineRun o = runEngine({"bench", job, "--steps", "1", "--warmup", "0"});
    QVERIFY2(o.finished && !o.crashed && o.exitCode == 1, qPrintable(o.output));
    const QRegularExpression said(
        "error: the model's parameters need [0-9.]+ GiB \\(the largest, 'fc1.weight' of "
        "\\[100000000000, 784\\] with its gradient, [0-9.]+ GiB\\); this machine has [0-9.]+ GiB "
        "available, swap included: give a smaller model");
    QVERIFY2(said.match(o.output).hasMatch(), qPrintable(o.output));
  }

  // In a container (a memory cgroup with a limit) /proc/meminfo shows the whole machine: the
  // limit is what the kernel holds the process to, killing it past it, so it is what is said.
  void valuesBeyondACgroupLimitAreRefused() {
    const twb::test::MemoryCgroup cgroup(int64_t{512} << 20);
    if (!cgroup.error().isEmpty()) QSKIP(qPrintable(cgroup.error()));
    expectRefusedIn(
        cgroup, {"bench", "mlp", "--batch", "200000", "--steps", "1", "--warmup", "0"},
        "error: the step's values and kernel buffers at batch 200000 need [0-9.]+ GiB "
        "\\(the largest, the values and gradients a step holds at once, [0-9.]+ [GM]iB\\); "
        "the memory "
        "cgroup CGROUP allows [0-9]+ MiB more \\(its limit is 512 MiB, [0-9]+ MiB of "
        "it in use\\): give a smaller batch or smaller inputs");
  }

  // The step's sum holds what the kernels make for themselves, in a cgroup the step's values alone
  // fit: a convolution run by Winograd keeps its kernel transformed (4 times its weights, twice
  // when training: 19 MiB for each of five 256-channel layers at 16x16, whose values are 2 MiB at
  // batch 8) and the kernels share one scratchpad (27 MiB); what kernels make as they bind
  // (weights and inputs laid out for a primitive, oneDNN's workspaces) is measured (resnet50-cifar
  // at batch 1: 273 MiB of its 298). Without either, the kernel killed the run in its first step.
  void kernelBuffersAreCountedWithTheValues_data() {
    QTest::addColumn<int>("limitMiB");
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("dataset");
    QTest::addColumn<int>("batch");
    QTest::addColumn<QString>("said");
    nlohmann::json layers = nlohmann::json::array();
    std::string previous = "image";
    for (int i = 1; i <= 5; ++i) {
      const std::string name = "conv" + std::to_string(i);
      layers.push_back({{"name", name},
                        {"op", "Conv2d"},
                        {"inputs", {previous}},
                        {"attrs", {{"out_channels", 256}, {"kernel", 3}, {"padding", 1}}}});
      previous = name;
    }
    layers.push_back({{"name", "pool"}, {"op", "GlobalAvgPool"}, {"inputs", {previous}}});
    layers.push_back({{"name", "logits"},
                      {"op", "Linear"},
                      {"inputs", {"pool"}},
                      {"attrs", {{"out_features", 10}}}});
    const nlohmann::json winograd = {
        {"spec", {{"inputs", {{{"name", "image"}, {"shape", {256, 16, 16}}}}}, {"nodes", layers}}}};
    QTest::newRow("transformed weights, scratchpad")
        << 100 << QString::fromStdString(winograd.dump()) << "synthetic:256x16x16:10:100" << 8
        << "need 1[0-9][0-9] MiB \\(the largest, (the kernels' scratchpad|the transformed weights "
           "of '[a-z0-9_.]+'), [0-9]+ MiB\\); the memory cgroup CGROUP allows [0-9]+ MiB more";
    QTest::newRow("made as the kernels bind")
        << 300 << R"({"template": "resnet50-cifar"})"
        << "synthetic:3x32x32:10:100" << 1
        << "need 2[0-9][0-9] MiB \\(the largest, the kernels' workspaces and layout copies, "
           "2[0-9][0-9] MiB\\); the memory cgroup CGROUP allows [12][0-9][0-9] MiB more";
  }

  void kernelBuffersAreCountedWithTheValues() {
    QFETCH(int, limitMiB);
    QFETCH(QString, model);
    QFETCH(QString, dataset);
    QFETCH(int, batch);
    QFETCH(QString, said);
    const CgroupTrial trial(int64_t{limitMiB} << 20);
    if (!trial.unavailable().isEmpty()) QSKIP(qPrintable(trial.unavailable()));
    trial.expectTrainingRefused(
        QString(R"({"model": %1, "dataset": "%2", "batch": %3, "max_steps": 1})")
            .arg(model, dataset)
            .arg(batch),
        QString("error: the step's values and kernel buffers at batch %1 ").arg(batch) + said);
  }

  // The evaluation's executors are made with the training's, before the first step, and checked
  // with the training's buffers and the parameters' gradients held aside though they are not
  // written yet: the training alone fits this limit, the two together do not. Found when it was
  // said only at the evaluation, after the last step, or the kernel killed the run there (the
  // gradients, left out, made 340 and 380 MiB fail there).
  void evaluationMemoryIsSaidBeforeTheFirstStep() {
    const CgroupTrial trial(int64_t{350} << 20);
    if (!trial.unavailable().isEmpty()) QSKIP(qPrintable(trial.unavailable()));
    const QString events = trial.dir() + "/events.jsonl";
    trial.expectTrainingRefused(
        R"({"model": {"template": "resnet18-cifar"}, "dataset": "synthetic:3x32x32:10:100",
            "batch": 16, "max_steps": 2})",
        "error: evaluation: the step's values and kernel buffers at batch 20 need "
        "[0-9]+ MiB \\(the largest, [^)]+\\); the memory cgroup CGROUP allows "
        "[0-9]+ MiB more \\(its limit is 350 MiB, [0-9]+ MiB of it in use\\), "
        "[0-9]+ MiB of it promised to buffers this process made and has not yet "
        "written: give a smaller batch or smaller inputs",
        {"--events", events});
    QFile log(events);
    QVERIFY(log.open(QIODevice::ReadOnly));
    QVERIFY2(!log.readAll().contains("\"type\":\"step\""), "a step ran before the refusal");
  }

  // An .npz or IDX dataset is read into memory whole: data that will not fit is refused, naming it
  // and the form that streams from disk, before it is inflated (hundreds of MiB of zeros take
  // kilobytes compressed).
  void datasetsHeldInMemoryBeyondALimitAreRefused_data() {
    QTest::addColumn<QString>("dataset");  // in the test's folder, DIR
    QTest::addColumn<QString>("writer");   // Python writing it there (argv[1]: the folder)
    QTest::addColumn<QString>("said");
    QTest::newRow("npz")
        << "npz:DIR/big.npz"
        << "import numpy as np, sys; np.savez_compressed(sys.argv[1] + "
           "'/big.npz', x_train=np.zeros((100000, 1000), np.uint8), "
           "y_train=np.zeros(100000, np.int64))"
        << "the float32 values of DIR/big.npz: array 'x_train' need 381 MiB "
           "\\(shape \\[100000, 1000\\]\\); WHY: an .npz is read whole; save "
           "its arrays with np.save and give npy:X.npy,Y.npy, which stream from disk";
    QTest::newRow("idx")
        << "idx:DIR"
        << "import gzip, struct, sys\n"
           "for name, dims in (('images-idx3', (100000, 60, 60)), "
           "('labels-idx1', (100000,))):\n"
           "  n = 1\n"
           "  for d in dims: n *= d\n"
           "  with gzip.open(sys.argv[1] + '/train-' + name + '-ubyte.gz', 'wb') as f:\n"
           "    f.write(bytes([0, 0, 8, len(dims)]) + struct.pack('>' + 'i' * "
           "len(dims), *dims) + bytes(n))"
        << "the data of DIR/train-images-idx3-ubyte.gz need 343 MiB "
           "\\(\\[100000, 60, 60\\]\\); WHY: an IDX file is read whole; give the "
           "samples as npy:X.npy,Y.npy, which stream from disk";
    // A plain file's header that promises more than the file holds is what is wrong with it,
    // whatever memory has: said from the file's size.
    QTest::newRow("idx promising more than it holds")
        << "idx:DIR"
        << "import struct, sys\n"
           "d = sys.argv[1] + '/train-'\n"
           "open(d + 'images-idx3-ubyte', 'wb').write(bytes([0, 0, 8, 3]) + "
           "struct.pack('>iii', 8192, 1024, 1024) + bytes(10))\n"
           "open(d + 'labels-idx1-ubyte', 'wb').write(bytes([0, 0, 8, 1]) + "
           "struct.pack('>i', 8192) + bytes(8192))"
        << "DIR/train-images-idx3-ubyte: truncated: the header promises 8589934592 bytes of "
           "data, the file holds 10";
  }

  void datasetsHeldInMemoryBeyondALimitAreRefused() {
    QFETCH(QString, dataset);
    QFETCH(QString, writer);
    QFETCH(QString, said);
    const CgroupTrial trial(int64_t{256} << 20);
    if (!trial.unavailable().isEmpty()) QSKIP(qPrintable(trial.unavailable()));
    const auto written = twb::test::runPython({"-c", writer, trial.dir()});
    QVERIFY2(written.exitCode == 0, qPrintable(written.output));
    trial.expectTrainingRefused(
        R"({"model": {"template": "mlp"}, "dataset": ")" + dataset +
            R"(", "batch": 32, "max_steps": 1})",
        "dataset: " +
            said.replace("WHY", "the memory cgroup CGROUP allows [0-9]+ MiB more \\(.*\\)"));
  }

  // A loader that decodes files keeps two batches in flight a thread, allocated when it starts:
  // here 4 of 300 MiB (images scaled to the model's 3 x 512 x 512), where the step's values fit,
  // held aside though the first step has not written them yet.
  void loaderBatchesBeyondALimitAreRefused() {
    const CgroupTrial trial(int64_t{1} << 30);
    if (!trial.unavailable().isEmpty()) QSKIP(qPrintable(trial.unavailable()));
    const auto written = twb::test::runPython(
        {"-c",
         "import os, sys; from PIL import Image\n"
         "for c in ('a', 'b'):\n"
         "  os.makedirs(f'{sys.argv[1]}/images/{c}')\n"
         "  for i in range(60): Image.new('RGB', (8, 8)).save(f'{sys.argv[1]}/images/{c}/{i}.png')",
         trial.dir()});
    QVERIFY2(written.exitCode == 0, qPrintable(written.output));
    trial.expectTrainingRefused(
        R"({"model": {"template": "mlp", "args": {"input": [3, 512, 512], "hidden": [4],
            "classes": 2}}, "dataset": "images:DIR/images", "batch": 100, "max_steps": 1,
            "threads": 2})",
        "error: the data loader's 4 batches in flight need 1.2 GiB \\(batches of 100 x "
        "\\[3, 512, 512\\]\\); the memory cgroup CGROUP allows [0-9]+ MiB more "
        "\\(.*\\), [0-9]+ MiB of it promised to buffers this process made and has not "
        "yet written: give a smaller batch, or fewer threads \\(each of the loader's 2 "
        "threads holds two batches\\)");
  }

  // Ranks of one job on one machine check what it has at the same moment and allocate after:
  // each is held to its share, where a step of each fits alone but not of both. Every rank
  // refuses alike; the launcher says it once, with the rank that failed first.
  void ranksOnOneMachineShareItsMemory() {
    const CgroupTrial trial(int64_t{1} << 30);
    if (!trial.unavailable().isEmpty()) QSKIP(qPrintable(trial.unavailable()));
    // About 700 MiB of values and gradients a rank: under the limit, over half of it.
    trial.expectTrainingRefused(
        R"({"model": {"template": "mlp"}, "dataset": "synthetic:1x28x28:10:100000",
            "batch": 50000, "max_steps": 1, "threads": 1})",
        "^error: data-parallel job failed: rank [01] \\(pid [0-9]+\\) exited with code 1: "
        "the step's values and kernel buffers at batch 50000 need [0-9]+ MiB \\([^)]*\\); the "
        "memory "
        "cgroup CGROUP allows [0-9]+ MiB more \\(.*\\), [0-9]+ MiB for each of the "
        "job's 2 ranks here: give a smaller batch or smaller inputs, or run fewer "
        "ranks on this machine\\n$",
        {"--ranks", "2"});
  }

  // Adam keeps two tensors the size of each parameter, made at the first step once the values
  // and gradients hold their memory: checked then, against what is left beside the evaluation's
  // buffers, made and not yet written.
  void optimizerStateBeyondALimitIsRefused() {
    const CgroupTrial trial(int64_t{1} << 30);
    if (!trial.unavailable().isEmpty()) QSKIP(qPrintable(trial.unavailable()));
    // 299 MiB of weights in fc1: they and their gradients fit, Adam's 598 MiB more do not.
    trial.expectTrainingRefused(
        R"({"model": {"template": "mlp", "args": {"hidden": [100000]}},
            "dataset": "synthetic:1x28x28:10:100", "batch": 8, "max_steps": 1,
            "optimizer": {"type": "adam", "lr": 0.001}})",
        "error: the optimizer's state tensors need [0-9]+ MiB \\(the largest, "
        "'fc1.weight' of \\[100000, 784\\]'s exp_avg, exp_avg_sq, 598 MiB\\); the "
        "memory cgroup CGROUP allows [0-9]+ MiB more \\(its limit is 1.0 GiB, [0-9]+ "
        "MiB of it in use\\), [0-9]+ MiB of it promised to buffers this process made "
        "and has not yet written: give a smaller model, or an optimizer that keeps less "
        "\\(sgd without momentum keeps none\\)");
  }

  void optionsSayTheRuleAndTheValue() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, expected);
    const EngineRun o = runEngine(arguments);
    QVERIFY(o.finished && !o.crashed);
    QVERIFY(o.exitCode != 0);
    QVERIFY2(o.output.contains(expected),
             qPrintable("expected '" + expected + "' in: " + o.output));
  }

  // quantize refuses a calibration set of the wrong shape, no samples, an unknown observer, a
  // report it could not write and an int8 model given to quantize again, each with the reason
  // and where, before it calibrates.
  void badQuantizeInputFails_data() {
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("expected");
    QTest::newRow("calibration set of the wrong shape")
        << QStringList{"--calib", "synthetic:3x32x32:10"}
        << "calibration set synthetic:3x32x32:10 has samples of shape [3, 32, 32], but "
           "input 'image' of model 'cnn-small' takes [1, 28, 28]";
    QTest::newRow("--samples 0") << QStringList{"--calib", "synthetic:1x28x28:10", "--samples", "0"}
                                 << "--samples: must be a whole number >= 1, got 0";
    QTest::newRow("negative --max-drop")
        << QStringList{"--calib", "synthetic:1x28x28:10", "--max-drop", "-1"}
        << "--max-drop: must be a number within [0, 100], got -1";
    QTest::newRow("unknown observer") << QStringList{"--calib", "synthetic:1x28x28:10", "--observer", "kl"}
                                      << "--observer: kl not in {minmax,percentile,entropy}";
    QTest::newRow("--report into a folder that does not exist")
        << QStringList{"--calib", "synthetic:1x28x28:10", "--report", "/nonexistent-folder/r.json"}
        << "/nonexistent-folder/r.json: the folder /nonexistent-folder does not exist";
  }

  void badQuantizeInputFails() {
    QFETCH(QStringList, extra);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const EngineRun exported = runEngine({"export", "cnn-small", "--format", "twbm", "--out", dir.filePath("m.twbm")});
    QCOMPARE(exported.exitCode, 0);
    const EngineRun o = runEngine(QStringList{"quantize", dir.filePath("m.twbm"), "--out", dir.filePath("q.twbm"),
                                              "--no-throughput"} + extra);
    QVERIFY2(o.finished && !o.crashed, qPrintable(o.output));
    QVERIFY(o.exitCode != 0);
    QVERIFY2(o.output.contains(expected), qPrintable("expected '" + expected + "' in: " + o.output));
    QVERIFY(!QFileInfo::exists(dir.filePath("q.twbm")));  // nothing half-written
    QVERIFY2(!o.output.contains("calibrating"), qPrintable(o.output));  // refused before the work
  }

  // Each command's help describes each argument once: an option that is also a positional
  // (predict's INPUT and -i) names the positional instead of repeating its text.
  void helpDescribesEachArgumentOnce() {
    const EngineRun top = runEngine({"--help"});
    const QString commands = top.output.mid(top.output.indexOf("Subcommands:"));
    const QRegularExpression command("^  ([a-z-]+) ", QRegularExpression::MultilineOption);
    int checked = 0;
    for (const QRegularExpressionMatch& m : command.globalMatch(commands)) {
      const EngineRun help = runEngine({m.captured(1), "--help"});
      QCOMPARE(help.exitCode, 0);
      // A description is the text after the name column (30 characters), or the line after a
      // name too long for it.
      QStringList seen;
      for (const QString& line : help.output.split('\n')) {
        const QString description = line.size() > 30 ? line.mid(30).trimmed() : QString();
        if (description.size() < 20 || !line.startsWith("  ")) continue;
        QVERIFY2(!seen.contains(description),
                 qPrintable(m.captured(1) + " --help repeats: " + description));
        seen << description;
      }
      ++checked;
    }
    QCOMPARE(checked, 14);
    QVERIFY(runEngine({"predict", "--help"}).output.contains("INPUT given as an option"));
  }

  // MODEL is read for what it is: an ONNX model by eval, export and bench as by predict (eval
  // read it as a .twbm and failed on a "header length" of its protobuf bytes; the others took its
  // name for a template's), a path to nothing as a missing file, another file as not a model.
  void modelArgumentsAreReadForWhatTheyAre() {
    QTemporaryDir dir;
    const QString twbm = dir.filePath("m.twbm"), onnx = dir.filePath("m.onnx");
    QCOMPARE(runEngine({"export", "mlp", "--out", twbm}).exitCode, 0);
    QCOMPARE(runEngine({"export", twbm, "--out", onnx}).exitCode, 0);
    const QString data = "synthetic:1x28x28:10";
    const EngineRun fromTwbm = runEngine({"eval", twbm, "--dataset", data});
    const EngineRun fromOnnx = runEngine({"eval", onnx, "--dataset", data});
    QVERIFY2(fromOnnx.exitCode == 0, qPrintable(fromOnnx.output));
    const QRegularExpression accuracy("accuracy [0-9.]+ .*loss [0-9.]+");
    QVERIFY(accuracy.match(fromTwbm.output).hasMatch());
    QCOMPARE(accuracy.match(fromOnnx.output).captured(0),
             accuracy.match(fromTwbm.output).captured(0));
    const EngineRun bench =
        runEngine({"bench", onnx, "--mode", "infer", "--steps", "2", "--warmup", "0"});
    QVERIFY2(bench.exitCode == 0, qPrintable(bench.output));
    QCOMPARE(runEngine({"export", onnx, "--out", dir.filePath("back.twbm")}).exitCode, 0);
    // A job's model file may be an ONNX model: its spec and weights, as import reads them.
    writeFile(dir.filePath("onnx-job.json"),
              R"({"model": {"file": "m.onnx"}, "dataset": "synthetic:1x28x28:10", "batch": 8,
                  "max_steps": 3, "epochs": 0, "seed": 5})");
    const EngineRun initial =
        runEngine({"export", dir.filePath("onnx-job.json"), "--out", dir.filePath("initial.twbm")});
    QCOMPARE(initial.exitCode, 0);
    QCOMPARE(
        accuracy.match(runEngine({"eval", dir.filePath("initial.twbm"), "--dataset", data}).output)
            .captured(0),
        accuracy.match(fromTwbm.output).captured(0));
    const EngineRun trained =
        runEngine({"train", dir.filePath("onnx-job.json"), "--out", dir.filePath("onnx-run")});
    QVERIFY2(trained.exitCode == 0 && trained.output.contains("after 3 steps"),
             qPrintable(trained.output));

    const EngineRun missing = runEngine({"bench", "./mlp"});
    QCOMPARE(missing.exitCode, 1);
    QVERIFY2(
        missing.output.contains("./mlp: no such file (MODEL is a model file, an ONNX model, a job "
                                "file, a run's folder or a template name)"),
        qPrintable(missing.output));
    writeFile(dir.filePath("job.json"), job("fashion-mnist"));
    const EngineRun notAModel = runEngine({"eval", dir.filePath("job.json"), "--dataset", data});
    QCOMPARE(notAModel.exitCode, 1);
    QVERIFY2(notAModel.output.contains("job.json: a job file (JSON), not a model file: "
                                       "`twb-engine train " +
                                       dir.filePath("job.json") + "` trains its model"),
             qPrintable(notAModel.output));
    writeFile(dir.filePath("text.twbm"), "not a model");
    const EngineRun text = runEngine({"eval", dir.filePath("text.twbm"), "--dataset", data});
    QVERIFY2(text.output.contains("text.twbm: does not read as a Tensor Workbench model file "
                                  "(.twbm): header length"),
             qPrintable(text.output));
  }

  // export writes what --out's extension names, and refuses a --format that contradicts it.
  void exportFollowsTheFileExtension() {
    QTemporaryDir dir;
    QCOMPARE(runEngine({"export", "mlp", "--out", dir.filePath("m.twbm")}).exitCode, 0);
    // It reads back as a model file (an ONNX file named .twbm would not).
    QCOMPARE(runEngine({"export", dir.filePath("m.twbm"), "--out", dir.filePath("m.onnx")}).exitCode, 0);
    const EngineRun o = runEngine({"export", "mlp", "--format", "onnx", "--out", dir.filePath("n.twbm")});
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.output.contains("names a .twbm file but --format is onnx"), qPrintable(o.output));
    QVERIFY(!QFileInfo::exists(dir.filePath("n.twbm")));
    // An extension export does not write is a mistake too, unless --format says what to write.
    const EngineRun json = runEngine({"export", "mlp", "-o", dir.filePath("m.json")});
    QCOMPARE(json.exitCode, 1);
    QVERIFY2(json.output.contains(": export writes ONNX (.onnx) or model files (.twbm), not .json "
                                  "files; name the file so, or give --format"),
             qPrintable(json.output));
    QVERIFY(!QFileInfo::exists(dir.filePath("m.json")));
    QCOMPARE(runEngine({"export", "mlp", "--format", "onnx", "-o", dir.filePath("m.bin")}).exitCode,
             0);
    QVERIFY(QFileInfo(dir.filePath("m.bin")).size() > 0);
  }

  // A run's folder stands for its model.twbm wherever a model file is read; a folder without one
  // is named, not read as a file or a template.
  void aRunFolderStandsForItsModel() {
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkdir("run"));
    QCOMPARE(runEngine({"export", "mlp", "-o", dir.filePath("run/model.twbm")}).exitCode, 0);
    const auto accuracy = [&](const QString& model) {
      const EngineRun run =
          runEngine({"eval", model, "--dataset", "synthetic:1x28x28:10:100", "--json"});
      return run.exitCode == 0
                 ? QString::number(
                       nlohmann::json::parse(run.output.toStdString()).at("accuracy").get<double>())
                 : run.output;
    };
    const QString ofTheFile = accuracy(dir.filePath("run/model.twbm"));
    QVERIFY2(!ofTheFile.contains("error"), qPrintable(ofTheFile));
    QCOMPARE(accuracy(dir.filePath("run")), ofTheFile);
    QCOMPARE(runEngine({"export", dir.filePath("run"), "-o", dir.filePath("m.onnx")}).exitCode, 0);
    QVERIFY(QDir(dir.path()).mkdir("empty"));
    for (const QStringList& command :
         {QStringList{"eval", dir.filePath("empty"), "--dataset", "synthetic:1x28x28:10:100"},
          QStringList{"export", dir.filePath("empty"), "-o", dir.filePath("e.onnx")}}) {
      const EngineRun run = runEngine(command);
      QCOMPARE(run.exitCode, 1);
      QVERIFY2(run.output.contains(dir.filePath("empty") +
                                   ": a folder without model.twbm; give a model file, or the "
                                   "folder of a run that wrote one"),
               qPrintable(run.output));
    }
  }

  // eval refuses a dataset whose labels the model has no output for, and a confusion matrix
  // file it cannot write, naming them.
  void badEvalInputFails() {
    QTemporaryDir dir;
    QCOMPARE(
        runEngine({"export", "mlp", "--format", "twbm", "--out", dir.filePath("m.twbm")}).exitCode,
        0);
    const EngineRun labels =
        runEngine({"eval", dir.filePath("m.twbm"), "--dataset", "synthetic:1x28x28:40:200"});
    QVERIFY2(labels.finished && !labels.crashed, qPrintable(labels.output));
    QCOMPARE(labels.exitCode, 1);
    QVERIFY2(labels.output.contains(
                 QRegularExpression("synthetic:1x28x28:40: label [1-3][0-9] of sample [0-9]+ "
                                    "is not one of the model's 10 classes")),
             qPrintable(labels.output));
    // Samples of another shape: what the model takes and what the data has, both named.
    const EngineRun shape =
        runEngine({"eval", dir.filePath("m.twbm"), "--dataset", "synthetic:3x8x8:10:20"});
    QCOMPARE(shape.exitCode, 1);
    QVERIFY2(shape.output.contains("m.twbm: input 'image' takes samples of [1, 28, 28], but "
                                   "synthetic:3x8x8:10 has samples of [3, 8, 8]"),
             qPrintable(shape.output));
    const QString csv = dir.filePath("no/such/folder/cm.csv");
    const EngineRun confusion = runEngine(
        {"eval", dir.filePath("m.twbm"), "--dataset", "fashion-mnist", "--confusion", csv});
    QCOMPARE(confusion.exitCode, 1);
    QVERIFY2(confusion.output.contains(csv + ": the folder " + dir.filePath("no/such/folder") +
                                       " does not exist"),
             qPrintable(confusion.output));
  }

  // predict refuses arrays it cannot read or feed, naming the file: real .npy files from
  // NumPy, cut, of the wrong shape, type or order, holding a NaN, and a file that is no array at
  // all.
  void badPredictInputFails_data() {
    QTest::addColumn<QString>("python");
    QTest::addColumn<QString>("expected");
    QTest::newRow("wrong sample shape") << "np.save(f, np.zeros((3, 28, 28), np.float32))"
                                        << "x.npy: holds an array of [3, 28, 28]; the model takes "
                                           "samples of [1, 28, 28] (one, or a stack of them)";
    QTest::newRow("Fortran order") << "np.save(f, np.asfortranarray(np.zeros((2, 1, 28, 28), np.float32)))"
                                   << "x.npy: the array is in Fortran order";
    QTest::newRow("cut in the data")
        << "np.save(f, np.zeros((4, 1, 28, 28), np.float32)); open(f, 'r+b').truncate(1000)"
        << "x.npy: holds fewer bytes than its shape [4, 1, 28, 28] of <f4 needs (12544)";
    QTest::newRow("strings") << "np.save(f, np.array(['a', 'b']))"
                             << "x.npy: arrays of '<U1' are not supported";
    QTest::newRow("not a .npy file") << "open(f, 'w').write('hello')"
                                     << "x.npy: not a .npy file";
    QTest::newRow("NaN")
        << "a = np.zeros((3, 1, 28, 28)); a[2, 0, 1, 5] = np.nan; np.save(f, a)"
        << "x.npy: sample 2 holds NaN at value 33 (samples must be finite numbers)";
  }

  void badPredictInputFails() {
    QFETCH(QString, python);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    QCOMPARE(runEngine({"export", "mlp", "--format", "twbm", "--out", dir.filePath("m.twbm")}).exitCode, 0);
    QProcess numpy;
    numpy.start("/usr/bin/python3", {"-c", "import numpy as np, sys; f = sys.argv[1]; " + python,
                                     dir.filePath("x.npy")});
    QVERIFY(numpy.waitForFinished(60000) && numpy.exitCode() == 0);
    const EngineRun o = runEngine({"predict", dir.filePath("m.twbm"), "--input", dir.filePath("x.npy"),
                                   "--out", dir.filePath("y.npy")});
    QVERIFY2(o.finished && !o.crashed, qPrintable(o.output));
    QCOMPARE(o.exitCode, 1);
    QVERIFY2(o.output.contains(expected), qPrintable("expected '" + expected + "' in: " + o.output));
    QVERIFY(!QFileInfo::exists(dir.filePath("y.npy")));
  }

  // predict ranks the classes of a model whose output is a score per class only: another's
  // output is named, and what to do instead.
  void predictRanksOnlyClassScores() {
    QTemporaryDir dir;
    std::ofstream(dir.filePath("job.json").toStdString())
        << R"({"model": {"spec": {"inputs": [{"name": "image", "shape": [1, 28, 28]}],
              "nodes": [{"name": "edges", "op": "Conv2d", "inputs": ["image"],
                         "attrs": {"out_channels": 2, "kernel": 3}}]}}})";
    const QString model = dir.filePath("m.twbm"), x = dir.filePath("x.npy");
    const EngineRun made =
        runEngine({"export", dir.filePath("job.json"), "--format", "twbm", "-o", model});
    QVERIFY2(made.exitCode == 0, qPrintable(made.output));
    twb::writeNpyFile(x.toStdString(), twb::Tensor({1, 1, 28, 28}, twb::DType::f32));
    const EngineRun printed = runEngine({"predict", model, x});
    QCOMPARE(printed.exitCode, 1);
    QVERIFY2(printed.output.contains(model + ": its output 'edges' gives each sample [2, 26, 26], "
                                             "not a score per class to rank: give -o OUT.npy to "
                                             "write it"),
             qPrintable(printed.output));
    const EngineRun ranked =
        runEngine({"predict", model, x, "-o", dir.filePath("y.npy"), "--top", "2"});
    QCOMPARE(ranked.exitCode, 1);
    QVERIFY2(ranked.output.contains("not a score per class to rank: leave out --top"),
             qPrintable(ranked.output));
    QVERIFY(!QFileInfo::exists(dir.filePath("y.npy")));
    const EngineRun written = runEngine({"predict", model, x, "-o", dir.filePath("y.npy")});
    QVERIFY2(written.exitCode == 0, qPrintable(written.output));
    QCOMPARE(twb::readNpyFile(dir.filePath("y.npy").toStdString()).shape(),
             (twb::Shape{1, 2, 26, 26}));
    const EngineRun nothing = runEngine({"predict", model, x, "--top", "0"});
    QCOMPARE(nothing.exitCode, 1);
    QVERIFY2(nothing.output.contains("--top 0 without --out: nothing to show"),
             qPrintable(nothing.output));
  }

  // A folder given to predict is every array and image under it, by path (hidden ones skipped);
  // another file there, or a folder with none, is named before anything runs; a bad array found
  // while reading writes no output.
  void predictReadsFoldersAndNamesWhatItCannot() {
    QTemporaryDir dir;
    QCOMPARE(
        runEngine({"export", "mlp", "--format", "twbm", "--out", dir.filePath("m.twbm")}).exitCode,
        0);
    QProcess numpy;
    numpy.start("/usr/bin/python3",
                {"-c",
                 "import numpy as np, os, sys; d = sys.argv[1]\n"
                 "for sub in ('in/sub', 'in/.cache', 'empty'): os.makedirs(os.path.join(d, sub))\n"
                 "np.save(d + '/in/sub/b.npy', np.ones((2, 1, 28, 28), np.float32))\n"
                 "np.save(d + '/in/a.npy', np.zeros((1, 28, 28), np.float32))\n"
                 "open(d + '/in/.cache/junk', 'w').write('x')\n"
                 "np.save(d + '/together.npy', np.concatenate([np.zeros((1, 1, 28, 28)), "
                 "np.ones((2, 1, 28, 28))]))\n",
                 dir.path()});
    QVERIFY(numpy.waitForFinished(60000) && numpy.exitCode() == 0);
    const EngineRun folder =
        runEngine({"predict", dir.filePath("m.twbm"), "--input", dir.filePath("in"), "--out",
                   dir.filePath("folder.npy"), "--top", "1"});
    QVERIFY2(folder.exitCode == 0, qPrintable(folder.output));
    QVERIFY2(folder.output.contains(dir.filePath("in/sub/b.npy") + "[1]:"),
             qPrintable(folder.output));
    const EngineRun together =
        runEngine({"predict", dir.filePath("m.twbm"), "--input", dir.filePath("together.npy"),
                   "--out", dir.filePath("together-out.npy")});
    QCOMPARE(together.exitCode, 0);
    QFile a(dir.filePath("folder.npy")), b(dir.filePath("together-out.npy"));
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    QCOMPARE(a.readAll(), b.readAll());  // the same three samples, in path order

    writeFile(dir.filePath("in/notes.txt"), "x");
    const EngineRun stray = runEngine({"predict", dir.filePath("m.twbm"), "--input",
                                       dir.filePath("in"), "--out", dir.filePath("y.npy")});
    QCOMPARE(stray.exitCode, 1);
    QVERIFY2(stray.output.contains(dir.filePath("in/notes.txt") +
                                   ": not an image (.png, .jpg) or array (.npy)"),
             qPrintable(stray.output));
    const EngineRun empty = runEngine({"predict", dir.filePath("m.twbm"), "--input",
                                       dir.filePath("empty"), "--out", dir.filePath("y.npy")});
    QCOMPARE(empty.exitCode, 1);
    QVERIFY2(empty.output.contains(dir.filePath("empty") +
                                   ": holds no images (.png, .jpg) or arrays (.npy)"),
             qPrintable(empty.output));
    QVERIFY(QFile::remove(dir.filePath("in/notes.txt")));
    // Its header is whole, its data cut: found when read, after a.npy and b.npy have run.
    QVERIFY(QFile::copy(dir.filePath("in/sub/b.npy"), dir.filePath("in/sub/c.npy")));
    QVERIFY(QFile::resize(dir.filePath("in/sub/c.npy"), 1000));
    const EngineRun bad =
        runEngine({"predict", dir.filePath("m.twbm"), "--input", dir.filePath("in"), "--out",
                   dir.filePath("y.npy"), "--batch", "1"});
    QCOMPARE(bad.exitCode, 1);
    QVERIFY2(bad.output.contains("c.npy: holds fewer bytes than its shape"),
             qPrintable(bad.output));
    QVERIFY(!QFileInfo::exists(dir.filePath("y.npy")));
  }

  // Where predict's outputs go is checked before any sample is read: a name that is not .npy
  // (it wrote a NumPy array under any name) and a folder that does not exist.
  void predictChecksItsOutputFirst() {
    QTemporaryDir dir;
    QCOMPARE(
        runEngine({"export", "mlp", "--format", "twbm", "--out", dir.filePath("m.twbm")}).exitCode,
        0);
    const QString missing = dir.filePath("missing.npy");  // an input that is not there either
    const EngineRun text = runEngine(
        {"predict", dir.filePath("m.twbm"), "--input", missing, "--out", dir.filePath("y.txt")});
    QCOMPARE(text.exitCode, 1);
    QVERIFY2(text.output.contains("--out " + dir.filePath("y.txt") +
                                  ": predict writes a NumPy array; give the file a .npy name"),
             qPrintable(text.output));
    const EngineRun folder = runEngine(
        {"predict", dir.filePath("m.twbm"), "--input", missing, "--out", dir.filePath("no/y.npy")});
    QCOMPARE(folder.exitCode, 1);
    QVERIFY2(folder.output.contains(dir.filePath("no/y.npy")) && !folder.output.contains(missing),
             qPrintable(folder.output));
    QVERIFY(!QFileInfo::exists(dir.filePath("y.txt")));

    // import and quantize write model files: a name of another format is refused before any
    // work (they wrote a .twbm under an .onnx name, which every reader then took for ONNX).
    QCOMPARE(
        runEngine({"export", dir.filePath("m.twbm"), "--out", dir.filePath("m.onnx")}).exitCode, 0);
    const EngineRun imported =
        runEngine({"import", dir.filePath("m.onnx"), "--out", dir.filePath("i.onnx")});
    QCOMPARE(imported.exitCode, 1);
    QVERIFY2(imported.output.contains("--out " + dir.filePath("i.onnx") +
                                      ": import writes a model file; give the file a .twbm name"),
             qPrintable(imported.output));
    const EngineRun quantized =
        runEngine({"quantize", dir.filePath("m.twbm"), "--calib", "synthetic:1x28x28:10", "--out",
                   dir.filePath("q.onnx")});
    QCOMPARE(quantized.exitCode, 1);
    QVERIFY2(
        quantized.output.contains("--out " + dir.filePath("q.onnx") +
                                  ": quantize writes the int8 model as a model file; give the "
                                  "file a .twbm name (`twb-engine export` of it writes QDQ ONNX)"),
        qPrintable(quantized.output));
    QVERIFY(!QFileInfo::exists(dir.filePath("i.onnx")) &&
            !QFileInfo::exists(dir.filePath("q.onnx")));
  }
};


QTEST_APPLESS_MAIN(TestCliErrors)
#include "tst_cli_errors.moc"
