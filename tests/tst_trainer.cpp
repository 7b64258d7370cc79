// The training loop: resuming from a checkpoint continues bit-identically, schedules follow
// their formulas, and the data order is a function of (seed, epoch, batch).
#include <omp.h>

#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/random.h"
#include "data/data_loader.h"
#include "graph/templates.h"
#include "io/safetensors.h"
#include "test_support.h"
#include "train/checkpoint.h"
#include "train/evaluator.h"
#include "train/trainer.h"

using namespace twb;

namespace {
// 100 rows of 16 features; the label is which third of the range feature 0 falls in.
QString writeCsv(const QTemporaryDir& dir) {
  const QString path = dir.filePath("data.csv");
  std::ofstream out(path.toStdString());
  out << "f0,f1,f2,f3,f4,f5,f6,f7,f8,f9,f10,f11,f12,f13,f14,f15,label\n";
  Random random(8);
  for (int r = 0; r < 100; ++r) {
    float first = 0;
    for (int c = 0; c < 16; ++c) {
      const float v = random.uniform(-1.f, 1.f);
      if (c == 0) first = v;
      out << v << ",";
    }
    out << (first < -0.33f ? 0 : first < 0.33f ? 1 : 2) << "\n";
  }
  return path;
}

// Conv, batch norm, dropout and momentum: every piece of state a resume must restore.
nlohmann::json jobJson(const QString& csv, int seed) {
  nlohmann::json job = nlohmann::json::parse(R"({
    "name": "resume",
    "model": {"spec": {"inputs": [{"name": "x", "shape": [16]}], "nodes": [
      {"name": "grid", "op": "Reshape", "inputs": ["x"], "attrs": {"shape": [1, 4, 4]}},
      {"name": "conv", "op": "Conv2d", "inputs": ["grid"], "attrs": {"out_channels": 8, "kernel": 3, "padding": 1}},
      {"name": "bn", "op": "BatchNorm2d", "inputs": ["conv"]},
      {"name": "relu", "op": "ReLU", "inputs": ["bn"]},
      {"name": "flat", "op": "Flatten", "inputs": ["relu"]},
      {"name": "drop", "op": "Dropout", "inputs": ["flat"], "attrs": {"p": 0.3}},
      {"name": "logits", "op": "Linear", "inputs": ["drop"], "attrs": {"out_features": 3}}]}},
    "optimizer": {"type": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": true, "weight_decay": 0.001},
    "schedule": {"type": "cosine", "warmup_steps": 3},
    "batch": 16, "epochs": 4, "log_every_steps": 1,
    "eval": {"every_epoch": true, "batch": 32}
  })");
  job["dataset"] = "csv:" + csv.toStdString();
  job["seed"] = seed;
  return job;
}

TensorFile finalWeights(const QString& dir) {
  return readTensorFile((dir + "/model.twbm").toStdString());
}

// The resume job's first 6 steps, trained into DIR/run, to be resumed with changes.
struct SixSteps {
  nlohmann::json spec;
  std::string run;

  explicit SixSteps(const QTemporaryDir& dir)
      : spec(jobJson(writeCsv(dir), 5)), run(dir.filePath("run").toStdString()) {
    spec["max_steps"] = 6;
    EventLog events;
    QCOMPARE_EQ(train(JobConfig::fromJson(spec), {run, "", nullptr, ""}, events).steps, 6);
  }
  // What resuming to step 12 with `field` of the job set to `value` says: "no error" when it
  // resumes.
  std::string resumeWith(const std::string& field, const nlohmann::json& value) const {
    nlohmann::json changed = spec;
    changed["max_steps"] = 12;
    changed[field] = value;
    EventLog resumed;
    return test::errorOf([&] {
      train(JobConfig::fromJson(changed), {run, run, nullptr, ""}, resumed);
    });
  }
};

bool identical(const TensorFile& a, const TensorFile& b) {
  if (a.tensors.size() != b.tensors.size()) return false;
  for (size_t i = 0; i < a.tensors.size(); ++i)
    if (a.tensors[i].first != b.tensors[i].first ||
        a.tensors[i].second.bytes() != b.tensors[i].second.bytes() ||
        std::memcmp(a.tensors[i].second.raw(), b.tensors[i].second.raw(),
                    a.tensors[i].second.bytes()) != 0)
      return false;
  return true;
}
}  // namespace

class TestTrainer : public QObject {
  Q_OBJECT
 private slots:
  void resumeIsBitIdentical_data() {
    QTest::addColumn<QString>("precision");
    QTest::newRow("fp32") << "fp32";
    QTest::newRow("bf16") << "bf16";
  }

  void resumeIsBitIdentical() {
    QFETCH(QString, precision);
    if (precision == "bf16") TWB_SKIP_WITHOUT_BF16();
    QTemporaryDir dir;
    const QString csv = writeCsv(dir);
    nlohmann::json spec = jobJson(csv, 5);
    spec["precision"] = precision.toStdString();
    const JobConfig job = JobConfig::fromJson(spec);

    EventLog straightEvents;
    const TrainResult straight = train(job, {dir.filePath("straight").toStdString(), "", nullptr, ""},
                                       straightEvents);
    QCOMPARE(straight.steps, 24);  // 100 rows / 16 = 6 batches a epoch, 4 epochs

    // Stop after step 10 (inside epoch 2), as Ctrl-C would, then resume to the end.
    std::atomic<bool> stop{false};
    EventLog firstEvents;
    firstEvents.addListener([&](const nlohmann::json& e) {
      if (e["type"] == "step" && e["step"] == 10) stop = true;
    });
    const std::string resumed = dir.filePath("resumed").toStdString();
    const TrainResult first = train(job, {resumed, "", &stop, ""}, firstEvents);
    QVERIFY(first.status == TrainStatus::cancelled);
    QCOMPARE(first.steps, 10);
    QVERIFY(QFile::exists(QString::fromStdString(first.checkpointPath)));
    EventLog secondEvents;
    const TrainResult second = train(job, {resumed, resumed, nullptr, ""}, secondEvents);
    QVERIFY(second.status == TrainStatus::succeeded);
    QCOMPARE(second.steps, 24);

    QVERIFY2(identical(finalWeights(dir.filePath("straight")), finalWeights(dir.filePath("resumed"))),
             "2N straight steps and N + resume + N steps must give identical weights");
    QCOMPARE(second.testAccuracy, straight.testAccuracy);

    // The comparison can fail: another seed gives other weights.
    EventLog otherEvents;
    spec["seed"] = 6;
    train(JobConfig::fromJson(spec), {dir.filePath("other").toStdString(), "", nullptr, ""},
          otherEvents);
    QVERIFY(!identical(finalWeights(dir.filePath("straight")), finalWeights(dir.filePath("other"))));
  }

  // A damaged newest checkpoint costs the steps since the one before it, not the run: resume
  // passes over it, says so, and still ends with the weights of an uninterrupted run.
  void resumePassesOverADamagedCheckpoint() {
    QTemporaryDir dir;
    const QString csv = writeCsv(dir);
    nlohmann::json spec = jobJson(csv, 5);
    spec["checkpoint"] = {{"every_steps", 3}, {"keep", 2}};
    const JobConfig job = JobConfig::fromJson(spec);
    EventLog straightEvents;
    train(job, {dir.filePath("straight").toStdString(), "", nullptr, ""}, straightEvents);

    std::atomic<bool> stop{false};
    EventLog firstEvents;
    firstEvents.addListener([&](const nlohmann::json& e) {
      if (e["type"] == "step" && e["step"] == 6) stop = true;
    });
    const std::string run = dir.filePath("resumed").toStdString();
    QCOMPARE(train(job, {run, "", &stop, ""}, firstEvents).steps, 6);
    const QString newest = QString::fromStdString(run + "/checkpoints/step-6.twbc");
    QVERIFY(QFile::exists(QString::fromStdString(run + "/checkpoints/step-3.twbc")));
    QVERIFY(QFile::resize(newest, 100));  // cut short, as a failing disk leaves a file

    std::vector<nlohmann::json> logs;
    EventLog secondEvents;
    secondEvents.addListener([&](const nlohmann::json& e) {
      if (e["type"] == "log") logs.push_back(e);
    });
    QCOMPARE(train(job, {run, run, nullptr, ""}, secondEvents).steps, 24);
    QVERIFY(logs.size() >= 2);
    QCOMPARE(logs[0]["level"], "warning");
    const std::string warning = logs[0]["message"];
    QVERIFY2(warning.rfind(newest.toStdString() + ": ", 0) == 0 &&
                 warning.find("; resuming from an earlier checkpoint") != std::string::npos,
             warning.c_str());
    QCOMPARE(logs[1]["message"].get<std::string>(),
             "resumed from " + run + "/checkpoints/step-3.twbc at step 3");
    // The last step is a checkpoint's: the end of the run does not write it a second time.
    const auto lastStepCheckpoints = std::count_if(logs.begin(), logs.end(), [](const auto& e) {
      return e.contains("checkpoint") && e["step"] == 24;
    });
    QCOMPARE(lastStepCheckpoints, 1);
    QVERIFY(
        identical(finalWeights(dir.filePath("straight")), finalWeights(dir.filePath("resumed"))));

    // With every checkpoint damaged, the newest's error, and no training.
    QVERIFY(QFile::resize(QString::fromStdString(run + "/checkpoints/step-24.twbc"), 100));
    QVERIFY(QFile::resize(QString::fromStdString(run + "/checkpoints/step-21.twbc"), 100));
    EventLog thirdEvents;
    const std::string error = test::errorOf([&] {
      train(job, {run, run, nullptr, ""}, thirdEvents);
    });
    QVERIFY2(error.rfind(run + "/checkpoints/step-24.twbc: ", 0) == 0, error.c_str());
  }

  // A checkpoint resumes only with the optimizer that wrote it: another optimizer's state read as
  // this one's crashed the first step (Adam after SGD with momentum: a segmentation fault).
  void resumeWithAnotherOptimizerIsRefused() {
    QTemporaryDir dir;
    const SixSteps run(dir);
    const std::string adam = run.resumeWith("optimizer", {{"type", "adam"}, {"lr", 0.001}});
    QVERIFY2(
        adam.find("checkpoints/step-6.twbc: holds optimizer state 'conv.weight.momentum' where "
                  "this job's optimizer keeps 'conv.weight.exp_avg'") != std::string::npos &&
            adam.find("\"type\":\"sgd\"") != std::string::npos,
        adam.c_str());
    const std::string plain =
        run.resumeWith("optimizer", {{"type", "sgd"}, {"lr", 0.05}});  // no momentum: no state
    QVERIFY2(plain.find("holds optimizer state 'conv.weight.momentum' where this job's optimizer "
                        "keeps nothing") != std::string::npos,
             plain.c_str());
    const std::string same = run.resumeWith("optimizer", run.spec["optimizer"]);
    QVERIFY2(same == "no error", same.c_str());  // the same optimizer resumes
    // Frozen layers keep no optimizer state: other layers frozen are named as what changed.
    const std::string frozen = run.resumeWith("freeze", {"conv", "bn"});
    QVERIFY2(frozen.find("holds optimizer state 'conv.weight.momentum' where this job's optimizer "
                         "keeps 'logits.weight.momentum': the checkpoint was written with "
                         "\"freeze\": none; resume with that freeze") != std::string::npos,
             frozen.c_str());
  }

  // Fine-tuning a trained model: the layers its job freezes stay as the file has them (their
  // weights come from the file with gradients, which they let go), the others train, and the run
  // says which and how many.
  void aModelFilesFrozenLayersStayAsTheFileHasThem() {
    QTemporaryDir dir;
    const SixSteps run(dir);
    const std::string trained = run.run + "/model.twbm";
    nlohmann::json json = run.spec;
    json["model"] = {{"file", trained}};
    json["freeze"] = {"conv"};
    json["max_steps"] = 4;
    std::vector<nlohmann::json> seen;
    EventLog events;
    events.addListener([&](const nlohmann::json& e) { seen.push_back(e); });
    const std::string tuned = dir.filePath("tuned").toStdString();
    train(JobConfig::fromJson(json), {tuned, "", nullptr, ""}, events);
    const TensorFile before = readTensorFile(trained),
                     after = readTensorFile(tuned + "/model.twbm");
    const auto same = [&](const std::string& name) {
      const Tensor &a = *before.find(name), &b = *after.find(name);
      return std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
    };
    QVERIFY(same("conv.weight") && same("conv.bias"));
    QVERIFY(!same("logits.weight") && !same("bn.weight"));
    const int64_t convParameters = 8 * 9 + 8, all = convParameters + 2 * 8 + 3 * 8 * 16 + 3;
    const auto running = std::find_if(
        seen.begin(), seen.end(), [](const auto& e) { return e.value("state", "") == "running"; });
    QVERIFY(running != seen.end());
    QCOMPARE((*running)["parameters"].get<int64_t>(), all);
    QCOMPARE((*running)["trained_parameters"].get<int64_t>(), all - convParameters);
    const std::string note = "freeze: 1 layer held still; " + std::to_string(all - convParameters) +
                             " of " + std::to_string(all) + " parameters train, in bn, logits";
    QVERIFY2(std::any_of(seen.begin(), seen.end(),
                         [&](const auto& e) { return e.value("message", "") == note; }),
             note.c_str());
  }

  // Steps, epochs and the schedule count steps of the run's size: a resume with another batch
  // (or number of ranks) is refused, naming both sizes, before it trains. A checkpoint written
  // before the size was recorded resumes as before.
  void resumeWithAnotherStepSizeIsRefused() {
    QTemporaryDir dir;
    const SixSteps run(dir);
    const std::string checkpoint = run.run + "/checkpoints/step-6.twbc";
    QCOMPARE(readCheckpointState(checkpoint).samplesPerStep, 16);
    const std::string larger = run.resumeWith("batch", 32);
    QVERIFY2(larger.find(checkpoint + ": was written by a run of 16 samples a step, this one "
                                      "takes 32 (batch 32 on one process)") != std::string::npos,
             larger.c_str());
    QCOMPARE(readCheckpointState(checkpoint).step, 6);  // nothing trained, nothing written

    // As a checkpoint of an older version: no samples_per_step in its metadata.
    TensorFile older = readTensorFile(checkpoint);
    QVERIFY(older.metadata.erase("samples_per_step") == 1);
    writeTensorFile(checkpoint, older);
    QCOMPARE(readCheckpointState(checkpoint).samplesPerStep, 0);
    const std::string same = run.resumeWith("batch", 16);
    QVERIFY2(same == "no error", same.c_str());
    QCOMPARE(readCheckpointState(run.run + "/checkpoints/step-12.twbc").step, 12);
  }

  // A job whose model is a .twbm file starts from that file's weights, as read with its spec
  // (the file is read once: here it is gone before the run starts).
  void modelFileJobStartsFromItsWeights() {
    QTemporaryDir dir;
    const QString csv = writeCsv(dir);
    EventLog events;
    const TrainResult first =
        train(JobConfig::fromJson(jobJson(csv, 3)), {dir.filePath("a").toStdString(), "", nullptr, ""},
              events);
    nlohmann::json again = jobJson(csv, 4);
    again["model"] = {{"file", first.modelPath}};
    again["optimizer"] = {{"type", "sgd"}, {"lr", 1e-12}};
    again["max_steps"] = 1;
    again.erase("schedule");
    const JobConfig job = JobConfig::fromJson(again);
    QCOMPARE(job.model.toJson().dump(), JobConfig::fromJson(jobJson(csv, 3)).model.toJson().dump());
    QVERIFY(std::filesystem::remove(first.modelPath));
    const TrainResult second = train(job, {dir.filePath("b").toStdString(), "", nullptr, ""}, events);
    // One step at lr 1e-12 leaves the weights as they were (up to batch-norm running
    // statistics, which one training step moves a little): the accuracy is the file's.
    QVERIFY2(std::abs(second.testAccuracy - first.testAccuracy) <= 0.02,
             (std::to_string(first.testAccuracy) + " vs " + std::to_string(second.testAccuracy)).c_str());
    QVERIFY(first.testAccuracy > 0.6);  // far from the chance level a fresh model would score
  }

  // A job's "threads" holds while it trains and not after: an in-process caller keeps its own
  // OpenMP thread count (a job's 2 once stayed set for the rest of a test process).
  void jobThreadsLastOnlyAsLongAsTheRun() {
    QTemporaryDir dir;
    nlohmann::json spec = jobJson(writeCsv(dir), 1);
    spec["threads"] = 2;
    spec["max_steps"] = 2;
    const int callers = omp_get_max_threads();
    omp_set_num_threads(1);
    EventLog events;
    int during = 0;
    events.addListener([&](const nlohmann::json& e) {
      if (e["type"] == "step") during = omp_get_max_threads();
    });
    train(JobConfig::fromJson(spec), {dir.filePath("run").toStdString(), "", nullptr, ""}, events);
    const int after = omp_get_max_threads();
    omp_set_num_threads(callers);
    QCOMPARE(during, 2);
    QCOMPARE(after, 1);
  }

  void eventsAreNumberedWithoutGaps() {
    QTemporaryDir dir;
    const QString csv = writeCsv(dir);
    nlohmann::json json = jobJson(csv, 1);
    json["eval"]["every_steps"] = 12;  // also ends epoch 2, and the run
    const JobConfig job = JobConfig::fromJson(json);
    std::vector<nlohmann::json> seen;
    {
      EventLog events;
      events.open(dir.filePath("events.jsonl").toStdString());
      events.addListener([&](const nlohmann::json& e) { seen.push_back(e); });
      train(job, {}, events);
    }
    std::ifstream in(dir.filePath("events.jsonl").toStdString());
    int64_t expected = 1, steps = 0;
    std::vector<int64_t> evaluated;
    for (std::string line; std::getline(in, line); ++expected) {
      const auto e = nlohmann::json::parse(line);
      QCOMPARE(e["seq"].get<int64_t>(), expected);
      QVERIFY(e["time"].is_number());
      const std::string type = e["type"];
      QVERIFY(type == "step" || type == "eval" || type == "log" || type == "state" ||
              type == "profile");
      if (type == "step") {
        ++steps;
        for (const char* f : {"step", "epoch", "loss", "samples_per_s", "data_ms", "compute_ms"})
          QVERIFY2(e.contains(f), f);
      }
      if (type == "eval") {
        evaluated.push_back(e["step"].get<int64_t>());
        QVERIFY(e["accuracy"].get<double>() >= 0 && e["accuracy"].get<double>() <= 1);
        QVERIFY(e.contains("step") && e.contains("loss"));
      }
    }
    QCOMPARE(steps, 24);
    // After epochs 1 and 3, and every 12 steps, which end epoch 2 and the run: each step once.
    QCOMPARE(evaluated, (std::vector<int64_t>{6, 12, 18, 24}));
    QCOMPARE(static_cast<int64_t>(seen.size()), expected - 1);
    QCOMPARE(seen.back()["state"].get<std::string>(), std::string("succeeded"));
  }

  // A job's allow_winograd chooses the kernel of its 3x3 convolutions: Winograd's where it pays by
  // default, a direct sum when false (its profile names each).
  void allowWinogradChoosesTheConvolutionKernel() {
    for (const bool allowed : {true, false}) {
      nlohmann::json json = nlohmann::json::parse(R"({
        "model": {"spec": {"inputs": [{"name": "x", "shape": [64, 16, 16]}], "nodes": [
          {"name": "conv", "op": "Conv2d", "inputs": ["x"], "attrs": {"out_channels": 64, "kernel": 3, "padding": 1}},
          {"name": "relu", "op": "ReLU", "inputs": ["conv"]},
          {"name": "flat", "op": "Flatten", "inputs": ["relu"]},
          {"name": "logits", "op": "Linear", "inputs": ["flat"], "attrs": {"out_features": 3}}]}},
        "dataset": "synthetic:64x16x16:3:64", "batch": 8, "max_steps": 2,
        "profile": {"every_steps": 1}, "eval": {"every_epoch": false}
      })");
      if (!allowed) json["allow_winograd"] = false;
      std::string kernel;
      EventLog events;
      events.addListener([&](const nlohmann::json& e) {
        if (e["type"] != "profile") return;
        for (const auto& layer : e["layers"])
          if (layer["name"] == "conv") kernel = layer["kernel"];
      });
      train(JobConfig::fromJson(json), {}, events);
      QVERIFY(!kernel.empty());
      QCOMPARE(kernel == "winograd F(4x4, 3x3)", allowed);
    }
  }

  // Appending to an events file whose last record was torn (a crash mid-write): the torn
  // record is dropped and numbering continues from the last whole event.
  void eventsFileWithATornRecordContinues() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("events.jsonl").toStdString();
    const nlohmann::json first = {{"seq", 1}, {"type", "log"}, {"time", 1}};
    const nlohmann::json second = {{"seq", 2}, {"type", "log"}, {"time", 2}};
    std::ofstream(path) << first.dump() << '\n' << second.dump() << '\n' << "{\"seq\":3,\"ty";
    {
      EventLog events;
      events.open(path);
      events.log("info", "resumed");
    }
    std::ifstream in(path);
    std::vector<nlohmann::json> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    QCOMPARE(lines.size(), size_t(3));
    QCOMPARE(lines[2]["seq"].get<int>(), 3);
    QCOMPARE(lines[2]["message"].get<std::string>(), std::string("resumed"));
  }

  void schedules() {
    ScheduleConfig warm{"constant", 4};
    QCOMPARE(learningRate(warm, 0.8, 0, 100), 0.2);
    QCOMPARE(learningRate(warm, 0.8, 3, 100), 0.8);
    QCOMPARE(learningRate(warm, 0.8, 50, 100), 0.8);
    ScheduleConfig step{"step", 0, 10, 0.5};
    QCOMPARE(learningRate(step, 1.0, 9, 100), 1.0);
    QCOMPARE(learningRate(step, 1.0, 10, 100), 0.5);
    QCOMPARE(learningRate(step, 1.0, 25, 100), 0.25);
    ScheduleConfig cosine{"cosine", 0, 0, 0, 0.1};
    QCOMPARE(learningRate(cosine, 1.1, 0, 100), 1.1);
    QVERIFY(std::abs(learningRate(cosine, 1.1, 50, 100) - 0.6) < 1e-12);
    QVERIFY(std::abs(learningRate(cosine, 1.1, 100, 100) - 0.1) < 1e-12);
  }

  // Random crop (zero padding) and flip: every augmented sample is its original shifted by at
  // most the padding and maybe mirrored, and a resumed epoch augments the same way.
  void augmentationShiftsAndFlipsReproducibly() {
    const auto data = openDataset("synthetic:2x6x7:3").train;
    const DataLoaderOptions options{8, false, true, 4, {}, {2, true}};
    DataLoader loader(data, options), resumed(data, options);
    std::vector<float> x(8 * 84), again(8 * 84), original(84);
    std::vector<int32_t> y(8);
    loader.start(1);
    loader.next(x.data(), y.data());
    loader.next(x.data(), y.data());  // batch 1
    resumed.start(1, 1);
    resumed.next(again.data(), y.data());
    QVERIFY(x == again);
    int shifted = 0, flipped = 0;
    for (int i = 0; i < 8; ++i) {
      data->read(8 + i, original.data());
      const float* a = x.data() + i * 84;
      bool explained = false;
      for (int dy = -2; dy <= 2 && !explained; ++dy)
        for (int dx = -2; dx <= 2 && !explained; ++dx)
          for (int flip = 0; flip < 2 && !explained; ++flip) {
            bool same = true;
            for (int c = 0; c < 2 && same; ++c)
              for (int r = 0; r < 6 && same; ++r)
                for (int col = 0; col < 7 && same; ++col) {
                  const int sy = r + dy, sx = (flip ? 6 - col : col) + dx;
                  const float want = sy >= 0 && sy < 6 && sx >= 0 && sx < 7
                                         ? original[(c * 6 + sy) * 7 + sx] : 0.f;
                  same = a[(c * 6 + r) * 7 + col] == want;
                }
            if (same) {
              explained = true;
              shifted += dy != 0 || dx != 0;
              flipped += flip;
            }
          }
      QVERIFY2(explained, ("sample " + std::to_string(i) + " is not a crop or flip of its original").c_str());
    }
    QVERIFY(shifted > 0 && flipped > 0);
  }

  void dataOrderDependsOnSeedEpochAndBatchOnly() {
    const auto data = openDataset("synthetic:2x3x3:4").train;
    DataLoader a(data, {32, true, true, 9, {}, {}}), b(data, {32, true, true, 9, {}, {}});
    std::vector<float> xa(32 * 18), xb(32 * 18);
    std::vector<int32_t> ya(32), yb(32);
    a.start(3);
    for (int i = 0; i < 5; ++i) a.next(xa.data(), ya.data());
    b.start(3, 4);  // resume at batch 4 of epoch 3
    b.next(xb.data(), yb.data());
    QVERIFY(xa == xb && ya == yb);
    b.start(4);
    b.next(xb.data(), yb.data());
    a.start(3);
    a.next(xa.data(), ya.data());
    QVERIFY2(xa != xb, "another epoch must be shuffled differently");
    QCOMPARE(a.batchesPerEpoch(), 10000 / 32);
  }

  void evaluationCountsEachSampleOnceAsItsLossNodeWould_data() {
    QTest::addColumn<QString>("loss");
    QTest::newRow("cross-entropy") << "SoftmaxCrossEntropy";
    QTest::newRow("mean square") << "MSE";
  }

  // Evaluation of 203 samples at batch 64 runs 4 passes of one executor (51, 51, 51 and 50, the
  // last pass's row past the data computed and not read) and counts every sample once, with the
  // loss the job's loss node gives the sample alone and the answer it gives alone.
  void evaluationCountsEachSampleOnceAsItsLossNodeWould() {
    QFETCH(QString, loss);
    const ModelSpec spec =
        makeTemplate("cnn-small", {{"input", {1, 12, 12}}, {"batch_norm", true}});
    ParameterStore params;
    params.ensure(Graph::build(spec, 1), 7);
    const std::shared_ptr<const Dataset> test =
        openDataset("synthetic:1x12x12:10:1015", {1, 12, 12}).test;
    QCOMPARE(test->size(), int64_t{203});
    Evaluator evaluator(spec, params, loss.toStdString());
    std::vector<int64_t> done;  // samples done after each pass
    const EvalResult result = evaluator.run(test, 64, {}, [&](double share) {
      done.push_back(std::llround(share * 203));
      return true;
    });
    QCOMPARE(done, (std::vector<int64_t>{51, 102, 153, 203}));

    Executor alone(Graph::build(withLoss(spec, loss.toStdString(), {1, 10}), 1), params,
                   {ExecMode::infer});
    std::vector<int64_t> confusion(100, 0);
    double lossSum = 0;
    for (int64_t i = 0; i < test->size(); ++i) {
      const int32_t label = test->read(i, static_cast<float*>(alone.inputBuffer("image")));
      writeLabels(alone.inputBuffer("label"), loss.toStdString(), &label, 1, 10);
      alone.forward();
      lossSum += alone.plainValue("loss")[0];
      ++confusion[static_cast<size_t>(label * 10 +
                                      predictedClass(alone.read("logits").data(), 10))];
    }
    QCOMPARE(result.samples, test->size());
    QCOMPARE(result.confusion, confusion);
    const double expected = lossSum / static_cast<double>(test->size());
    QVERIFY2(std::abs(result.loss - expected) <= 1e-5 * expected,
             (std::to_string(result.loss) + " against " + std::to_string(expected)).c_str());
  }
};

QTEST_APPLESS_MAIN(TestTrainer)
#include "tst_trainer.moc"
