#include "train/trainer.h"

#include <omp.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "backend/cpu/cpu_kernel.h"
#include "core/available_memory.h"
#include "core/cpu_info.h"
#include "core/error.h"
#include "core/file_writing.h"
#include "core/random.h"
#include "data/data_loader.h"
#include "exec/device_choice.h"
#include "exec/executor.h"
#include "exec/gpu_executor.h"
#include "exec/gpu_monitor.h"
#include "io/model_file.h"
#include "profile/step_profile.h"
#include "train/checkpoint.h"
#include "train/class_scores.h"
#include "train/evaluator.h"
#include "train/job_plan.h"
#include "train/quantizer.h"

namespace twb {

namespace {
namespace fs = std::filesystem;
// The job's OpenMP thread count on this thread while the run lasts, then the caller's again:
// an in-process caller (a test, the workbench) keeps its own.
class ScopedThreads {
 public:
  explicit ScopedThreads(int threads) : m_callers(omp_get_max_threads()) {
    if (threads > 0) omp_set_num_threads(threads);
  }
  ~ScopedThreads() { omp_set_num_threads(m_callers); }
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  int m_callers;
};

// What a job's freeze holds still and what still trains, for the run's log: "freeze: 53 layers
// held still; 5130 of 11689512 parameters train, in fc".
std::string frozenLayersNote(const JobConfig& job, const Graph& trained, int64_t parameters) {
  std::vector<std::string> learning;
  for (const GraphNode& node : trained.nodes())
    if (node.learns()) learning.push_back(node.name);
  std::string in;
  for (size_t i = 0; i < learning.size() && i < 6; ++i) in += (i ? ", " : "") + learning[i];
  if (learning.size() > 6) in += " and " + std::to_string(learning.size() - 6) + " more layers";
  return "freeze: " + std::to_string(job.frozen.size()) + " layer" +
         (job.frozen.size() == 1 ? "" : "s") + " held still; " +
         std::to_string(trained.parameterCount()) + " of " + std::to_string(parameters) +
         " parameters train, in " + in;
}

class TrainingRun {
 public:
  // `modelFile`: the job's model file as read (job.modelFileRead), held until the run has its
  // own copy of its weights.
  TrainingRun(const JobConfig& job, std::shared_ptr<const ModelFile> modelFile,
              const TrainOptions& options, EventLog& events)
      : m_job(job),
        m_modelFile(std::move(modelFile)),
        m_options(options),
        m_events(events),
        m_strategy(options.strategy) {}

  TrainResult run();

 private:
  void setUp();
  // Evaluates on the test split, once per step: where the step, epoch and final evaluations
  // fall on one step, the first names it (a second pass gave the same numbers at the cost of
  // the whole test split).
  void evaluate(const char* reason);
  // The test samples this process evaluates: a rank's slice in data parallel.
  std::shared_ptr<const Dataset> testSplit() const;
  void checkpoint();
  // The profiled steps so far as a Chrome trace, when the run was asked for one.
  void writeTrace();
  // The model as trained so far, out/model.twbm: at the end and when the run is stopped, so that
  // a stopped run's work can be evaluated, exported or quantized without resuming it.
  void writeModel();
  // precision int8: the trained model quantized (default calibration) into out/model-int8.twbm.
  void quantize();
  // What the saved model keeps of its data: the normalisation, the class names and the specs.
  DatasetInfo datasetInfo() const {
    return {m_normalization, m_data.train->classNames(), absoluteDataset(m_job.trainData),
            absoluteDataset(m_job.testData)};
  }
  // Steady-clock microseconds at the phases of one step.
  struct StepTimes {
    double dataStart = 0, computeStart = 0, optimizerStart = 0, end = 0;
    std::optional<DeferredUpdates> deferred;  // the optimizer ran during forward
  };
  void emitStep(int64_t samples, double loss, int64_t correct, const StepTimes& times);
  void publishProfile(const StepTimes& times);
  // Whether anything after step `step` (counted from 1) reads the parameters or gathers from
  // the ranks: its step event, profile, checkpoint, evaluation or the end of its epoch or run.
  bool readsStateAfter(int64_t step, bool profiled) const {
    const auto every = [&](int64_t n) { return n > 0 && step % n == 0; };
    return profiled || every(m_job.logEverySteps) || every(m_job.checkpointEverySteps) ||
           every(m_job.evalEverySteps) || step == m_totalSteps ||
           m_state.batchInEpoch + 1 >= m_stepsPerEpoch;
  }
  // The seed of this step's random draws (dropout's masks) on `rank`: the same after a resume.
  uint64_t stepSeed(int rank) const {
    return mixSeed(m_job.seed, static_cast<uint64_t>(m_state.step),
                   0xd0 + (static_cast<uint64_t>(rank) << 8));
  }
  // A GPU run's parameters and optimizer state back in the ParameterStore and the Optimizer,
  // which evaluation, checkpoints and the saved model read: once a step, however many of them
  // read it (the end of a run evaluates, writes the model and a checkpoint).
  void fetchFromDevice();
  // Rank 0 of a data-parallel job, or the only process: the one that writes files.
  bool writesFiles() const { return !m_strategy || m_strategy->rank() == 0; }

  const JobConfig& m_job;
  std::shared_ptr<const ModelFile> m_modelFile;
  const TrainOptions& m_options;
  EventLog& m_events;
  TrainingStrategy* m_strategy;
  DatasetSplits m_data;
  Normalization m_normalization;
  ParameterStore m_params;
  DeviceChoice m_device;
  std::unique_ptr<Executor> m_exec;     // on the CPU
  std::unique_ptr<GpuExecutor> m_gpu;   // on a GPU
  Graph m_gpuGraph;                     // the graph m_gpu runs, for its profiles
  std::vector<gpu::NodeTimes> m_gpuTimes;  // its last profiled step
  std::unique_ptr<GpuMonitor> m_gpuMonitor;  // its load, in step events; null without NVML
  std::unique_ptr<Optimizer> m_optimizer;
  std::unique_ptr<Evaluator> m_evaluator;
  std::unique_ptr<DataLoader> m_loader;
  TrainState m_state;
  int64_t m_totalSteps = 0, m_stepsPerEpoch = 0, m_classes = 0;
  int64_t m_batch = 0;  // this rank's samples a step
  int64_t m_parameters = 0;         // the model's trainable elements
  int64_t m_trainedParameters = 0;  // the model's, less its frozen layers'
  double m_lr = 0;  // optimizer.lr, scaled for the ranks' global batch (parallel.lr_scaling)
  int64_t m_evaluatedStep = -1;
  int64_t m_checkpointedStep = -1;  // the step of the newest checkpoint, on every rank
  std::string m_output;
  TrainResult m_result;
  int64_t m_profileEvery = 0;
  ChromeTrace m_trace;
  int64_t m_tracedSteps = 0;  // profiled steps in m_trace (this process's, since any resume)
  int64_t m_fetchedStep = -1;  // the step whose GPU state the host holds (fetchFromDevice)
  // Sums since the last step event.
  double m_windowLoss = 0, m_windowData = 0, m_windowCompute = 0;
  int64_t m_windowSamples = 0, m_windowCorrect = 0, m_windowSteps = 0;
};

void TrainingRun::setUp() {
  JobPlan plan = planJob(m_job);
  m_data = plan.data;
  m_normalization = plan.normalization;
  m_output = plan.output;
  m_classes = plan.classes;
  m_stepsPerEpoch = plan.stepsPerEpoch;
  m_batch = plan.batch;
  m_totalSteps = plan.totalSteps;

  if (m_modelFile) {
    if (writesFiles())  // said once, by rank 0: the model trained is not quite what the file says
      for (const std::string& note : m_modelFile->notes)
        m_events.log("info", "model.file: " + note);
    m_params = m_modelFile->params.clone();
    m_modelFile.reset();  // the weights are held once while the run lasts
  }
  m_params.ensure(plan.graph, m_job.seed);
  m_parameters = Graph::build(m_job.model, 1).parameterCount();
  m_trainedParameters = plan.graph.parameterCount();
  if (!m_job.frozen.empty() && writesFiles())
    m_events.log("info", frozenLayersNote(m_job, plan.graph, m_parameters));
  // int8 is post-training: the job trains in fp32 and quantizes its result (quantize()).
  const Precision precision = trainingPrecision(m_job);
  m_device = chooseTrainingDevice(m_job, plan.graph);
  if (!m_device.note.empty()) m_events.log("info", m_device.note);
  Precision evalPrecision = precision;
  if (m_device.cuda >= 0) {
    if (m_strategy)
      throw Error("device: data-parallel training on GPUs is not supported yet (use \"device\": "
                  "\"cpu\")");
    GpuExecOptions options;
    options.device = m_device.cuda;
    options.precision = precision;
    options.allowTf32 = m_job.allowTf32;
    options.allowWinograd = m_job.allowWinograd;
    options.channelsLast = channelsLastFor(plan.graph, precision, m_job.allowTf32);
    const OptimizerConfig& o = m_job.optimizer;
    options.optimizer = {o.type,
                         static_cast<float>(o.momentum),
                         static_cast<float>(o.weightDecay),
                         static_cast<float>(o.beta1),
                         static_cast<float>(o.beta2),
                         static_cast<float>(o.eps),
                         o.nesterov};
    options.logits = m_output;
    m_gpu = std::make_unique<GpuExecutor>(plan.graph, m_params, options);
    m_gpuGraph = std::move(plan.graph);
    std::string noMonitor;
    m_gpuMonitor = GpuMonitor::open(m_device.pciBusId, &noMonitor);
    if (!m_gpuMonitor)
      m_events.log("info", "GPU utilization and memory not reported: " + noMonitor);
    // Evaluation runs on the CPU executor for now, in fp32 where this CPU has no bf16.
    if (precision == Precision::bf16 && !bf16Unavailable().empty()) {
      evalPrecision = Precision::fp32;
      m_events.log("info", "evaluating the bf16 GPU run in fp32 on the CPU: " + bf16Unavailable());
    }
  } else {
    if (m_strategy) m_strategy->arrangeGradients(m_params, plan.graph);
    ExecOptions options{ExecMode::train, false, precision, nullptr,
                        m_strategy ? m_strategy->batchNormRanks() : nullptr};
    options.winograd = m_job.allowWinograd;
    m_exec = std::make_unique<Executor>(std::move(plan.graph), m_params, options);
    m_exec->setGradient("loss", {1.0f});
  }
  m_optimizer = makeOptimizer(m_job.optimizer);
  const int ranks = m_strategy ? m_strategy->ranks() : 1;
  m_lr = m_job.optimizer.lr * m_job.parallel.lrFactor(ranks);
  if (m_lr != m_job.optimizer.lr && writesFiles()) {  // said once, by rank 0
    char text[160];
    std::snprintf(text, sizeof text, "learning rate %g scaled for %d ranks (%s): %g",
                  m_job.optimizer.lr, ranks, m_job.parallel.lrScaling.c_str(), m_lr);
    m_events.log("info", text);
  }
  m_evaluator = std::make_unique<Evaluator>(m_job.model, m_params, m_job.loss, evalPrecision);
  m_evaluator->prepare(*testSplit(), m_job.evalBatch);
  DataLoaderOptions loading{m_batch, true, true, m_job.seed, m_normalization, m_job.augmentation};
  // As many loader threads as compute threads: a rank's share of the cores, not the machine's.
  loading.workers = m_job.threads;
  if (m_strategy) loading.shardIndex = m_strategy->rank(), loading.shardCount = m_strategy->ranks();
  m_loader = std::make_unique<DataLoader>(m_data.train, loading);

  m_profileEvery = m_job.profileEverySteps;
  if (!m_options.tracePath.empty()) {  // every rank is given it: ranks profile the same steps
    checkFileCanBeWritten(m_options.tracePath);  // before the run, not after it
    if (m_profileEvery == 0) m_profileEvery = 50;
  }

  std::string resumePath;
  if (!m_options.resumeFrom.empty()) {
    const RestoredCheckpoint restored =
        restoreNewestCheckpoint(m_options.resumeFrom, m_params, *m_optimizer);
    for (const std::string& error : restored.passedOver)
      m_events.log("warning", error + "; resuming from an earlier checkpoint");
    resumePath = restored.path;
    m_state = restored.state;
  }
  if (m_strategy) {  // every rank resumes from rank 0's checkpoint
    const std::string shared = m_strategy->shareResumePoint(resumePath, m_options.outDir);
    if (shared != resumePath) m_state = loadCheckpoint(shared, m_params, *m_optimizer);
    resumePath = shared;
  }
  if (!resumePath.empty()) {
    checkStepSizeMatches(resumePath, m_state, m_batch, ranks);
    m_events.log("info", "resumed from " + resumePath + " at step " + std::to_string(m_state.step));
  }
  m_state.samplesPerStep = m_batch * ranks;
  if (m_gpu) {  // the initial or resumed weights and optimizer state
    std::vector<const float*> state;
    for (const auto& [name, tensor] : m_optimizer->state()) state.push_back(tensor.data<float>());
    m_gpu->upload(m_params, state, m_optimizer->steps());
  }
  if (m_strategy) {
    m_strategy->start(m_params, m_exec->graph(), m_gpu ? nullptr : m_optimizer.get());
    m_exec->setBackwardListener([this](size_t node) { m_strategy->gradientsReady(node); });
    if (m_strategy->defersUpdates())
      m_exec->setForwardListener([this](size_t node) { m_strategy->parametersNeeded(node); });
  }
}

void TrainingRun::fetchFromDevice() {
  if (!m_gpu || m_fetchedStep == m_state.step) return;
  m_fetchedStep = m_state.step;
  m_optimizer->ensureState(m_params.all());
  std::vector<float*> state;
  for (auto& [name, tensor] : m_optimizer->state()) state.push_back(tensor.data<float>());
  m_gpu->download(m_params, state);
  m_optimizer->setSteps(m_gpu->session().optimizerSteps());
}

void TrainingRun::emitStep(int64_t samples, double loss, int64_t correct,
                           const StepTimes& times) {
  m_windowLoss += loss;
  m_windowSamples += samples;
  m_windowCorrect += correct;
  m_windowData += (times.computeStart - times.dataStart) / 1e6;
  m_windowCompute += (times.end - times.computeStart) / 1e6;
  ++m_windowSteps;
  if (m_state.step % m_job.logEverySteps && m_state.step != m_totalSteps) return;
  const double total = m_windowData + m_windowCompute;
  const StepWindow window{1e3 * total / m_windowSteps, 1e3 * m_windowData / m_windowSteps,
                          1e3 * m_windowCompute / m_windowSteps, m_windowSteps};
  nlohmann::json event = {
      {"step", m_state.step},
      {"epoch", static_cast<double>(m_state.step) / m_stepsPerEpoch},
      {"total_steps", m_totalSteps},
      {"lr", learningRate(m_job.schedule, m_lr, m_state.step - 1, m_totalSteps)},
      {"step_ms", window.stepMs},
      {"data_ms", window.dataMs},
      {"compute_ms", window.computeMs}};
  if (m_gpuMonitor) {
    try {
      const GpuLoad load = m_gpuMonitor->sample();
      event["gpu_utilization"] = load.utilization;
      event["gpu_memory_used"] = load.memoryUsed;
      event["gpu_memory_total"] = load.memoryTotal;
    } catch (const Error& e) {  // the load is extra: training goes on without it
      m_events.log("warning",
                   std::string("GPU utilization and memory no longer reported: ") + e.what());
      m_gpuMonitor.reset();
    }
  }
  // Data parallel: the loss and accuracy of the global batch, every rank's own times.
  std::vector<double> sums{m_windowLoss, static_cast<double>(m_windowSamples),
                           static_cast<double>(m_windowCorrect)};
  if (m_strategy) {
    m_strategy->sum(sums);
    event.update(m_strategy->report(window));
  }
  const int ranks = m_strategy ? m_strategy->ranks() : 1;
  event["loss"] = sums[0] / ranks / m_windowSteps;
  event["accuracy"] = sums[2] / sums[1];
  event["samples_per_s"] = total > 0 ? sums[1] / total : 0.0;
  m_events.publish("step", event);
  m_windowLoss = m_windowData = m_windowCompute = 0;
  m_windowSamples = m_windowCorrect = m_windowSteps = 0;
}

void TrainingRun::publishProfile(const StepTimes& times) {
  // The GPU's layers are placed from the step's launch: its clock starts there, give or take the
  // launch and the inputs' copy.
  StepProfile p =
      m_gpu ? StepProfile::fromGpu(m_gpuGraph, m_gpu->plan(), m_gpuTimes, times.computeStart)
            : StepProfile::fromExecutor(*m_exec);
  p.step = m_state.step;
  p.stepMs = (times.end - times.dataStart) / 1e3;
  p.dataStartUs = times.dataStart;
  p.dataMs = (times.computeStart - times.dataStart) / 1e3;
  p.optimizerStartUs = times.optimizerStart;
  p.optimizerMs = (times.end - times.optimizerStart) / 1e3;
  if (m_gpu) {  // the update runs on the GPU after backward, with the copies out and the wait
    double backwardEnd = times.computeStart;
    for (const LayerProfile& l : p.layers)
      backwardEnd = std::max(backwardEnd, l.backwardStartUs + 1e3 * l.backwardMs);
    p.optimizerStartUs = backwardEnd;
    p.optimizerMs = std::max(0.0, (times.end - backwardEnd) / 1e3);
  }
  if (times.deferred) {
    p.optimizerStartUs = times.deferred->firstStartUs;
    p.optimizerMs = times.deferred->ms;
    p.optimizerInForward = true;
  }
  if (m_strategy) p.communication = m_strategy->stepCommunication(times.dataStart);
  m_events.publish("profile", p.toJson());
  if (!m_options.tracePath.empty()) {
    p.appendTo(m_trace);
    ++m_tracedSteps;
  }
}

std::shared_ptr<const Dataset> TrainingRun::testSplit() const {
  if (!m_strategy) return m_data.test;
  // Each rank evaluates its slice, and the ranks sum their counts.
  const int64_t n = m_data.test->size(), rank = m_strategy->rank(), ranks = m_strategy->ranks();
  return sliceDataset(m_data.test, n * rank / ranks, n * (rank + 1) / ranks);
}

void TrainingRun::evaluate(const char* reason) {
  if (m_state.step == m_evaluatedStep) return;
  m_evaluatedStep = m_state.step;
  fetchFromDevice();
  if (m_strategy) m_strategy->flush();
  EvalResult r = m_evaluator->run(testSplit(), m_job.evalBatch, m_normalization);
  if (m_strategy) {
    // The whole confusion matrix is summed, so that every count of the event covers all ranks.
    // Counts are whole numbers well below 2^53: summed as doubles, they stay exact.
    std::vector<double> sums{r.loss * r.samples, static_cast<double>(r.samples),
                             static_cast<double>(r.top5Correct)};
    sums.insert(sums.end(), r.confusion.begin(), r.confusion.end());
    m_strategy->sum(sums);
    r.samples = static_cast<int64_t>(sums[1]);
    r.loss = sums[0] / sums[1];
    if (r.top5Correct >= 0) r.top5Correct = static_cast<int64_t>(sums[2]);
    int64_t correct = 0;
    for (size_t i = 0; i < r.confusion.size(); ++i) {
      r.confusion[i] = static_cast<int64_t>(sums[3 + i]);
      if (i % static_cast<size_t>(r.classes + 1) == 0) correct += r.confusion[i];  // the diagonal
    }
    r.accuracy = static_cast<double>(correct) / static_cast<double>(r.samples);
  }
  m_result.testLoss = r.loss;
  m_result.testAccuracy = r.accuracy;
  nlohmann::json event{
      {"step", m_state.step}, {"epoch", static_cast<double>(m_state.step) / m_stepsPerEpoch},
      {"loss", r.loss},       {"accuracy", r.accuracy},
      {"samples", r.samples}, {"per_class", perClassJson(r, m_data.test->classNames())},
      {"reason", reason}};
  if (const auto top5 = r.top5Accuracy()) event["top5_accuracy"] = *top5;
  m_events.publish("eval", event);
}

void TrainingRun::checkpoint() {
  if (m_strategy) m_strategy->flush();
  m_checkpointedStep = m_state.step;  // on every rank, so that all of them skip the same ones
  if (m_options.outDir.empty() || !writesFiles()) return;
  fetchFromDevice();
  const fs::path dir = fs::path(m_options.outDir) / "checkpoints";
  const std::string path = (dir / ("step-" + std::to_string(m_state.step) + ".twbc")).string();
  saveCheckpoint(path, m_params, *m_optimizer, m_state, m_job.source);
  pruneCheckpoints(dir.string(), m_job.checkpointKeep);
  m_result.checkpointPath = path;
  m_events.publish("log", {{"level", "info"}, {"message", "checkpoint " + path},
                        {"checkpoint", path}, {"step", m_state.step}});
}

void TrainingRun::writeModel() {
  if (m_options.outDir.empty() || !writesFiles()) return;
  fs::create_directories(m_options.outDir);
  m_result.modelPath = (fs::path(m_options.outDir) / "model.twbm").string();
  fetchFromDevice();
  saveModel(m_result.modelPath, m_job.model, m_params, nullptr, datasetInfo());
}

void TrainingRun::writeTrace() {
  if (m_options.tracePath.empty() || !writesFiles()) return;
  m_trace.write(m_options.tracePath);
  m_events.log("info", "trace of " + std::to_string(m_tracedSteps) + " profiled steps written to " +
                           m_options.tracePath);
}

TrainResult TrainingRun::run() {
  const ScopedThreads threads(m_job.threads);
  setUp();
  m_events.publish("state", {{"state", "running"},
                             {"job", m_job.name},
                             {"model", m_job.model.name},
                             {"parameters", m_parameters},
                             {"trained_parameters", m_trainedParameters},
                             {"precision", m_job.precision},
                             {"device", m_device.description},
                             {"total_steps", m_totalSteps},
                             {"steps_per_epoch", m_stepsPerEpoch}});
  if (!m_strategy) {  // a rank's launcher judges the cores its ranks share (cli/train_command.cpp)
    if (const std::string warning = oversubscription(m_job.threads, 1); !warning.empty())
      m_events.log("warning", warning);
  }
  const std::string input = m_job.model.inputs[0].name;
  auto* samples =
      static_cast<float*>(m_gpu ? m_gpu->inputBuffer(input) : m_exec->inputBuffer(input));
  void* labelBuffer = m_gpu ? m_gpu->inputBuffer("label") : m_exec->inputBuffer("label");
  std::vector<int32_t> labels(static_cast<size_t>(m_batch));
  // Logits are read in place when plain f32 (a Linear's always are, and a GPU step copies them
  // back); otherwise copied each step.
  const bool logitsInPlace = m_gpu || m_exec->isPlainF32(m_output);
  const float* logits =
      m_gpu ? m_gpu->logits() : logitsInPlace ? m_exec->plainValue(m_output) : nullptr;
  std::vector<float> logitsCopy;
  const float* cpuLoss = m_gpu ? nullptr : m_exec->plainValue("loss");

  while (m_state.step < m_totalSteps) {
    m_loader->start(m_state.epoch, m_state.batchInEpoch);
    while (m_state.step < m_totalSteps) {
      // Profile the step that will be number `step + 1` when it is a multiple of the cadence.
      const bool profiled = m_profileEvery > 0 && (m_state.step + 1) % m_profileEvery == 0;
      if (m_exec) m_exec->setProfiling(profiled);
      StepTimes times;
      times.dataStart = steadyMicros();
      const int64_t n = m_loader->next(samples, labels.data());
      if (n == 0) break;
      writeLabels(labelBuffer, m_job.loss, labels.data(), n, m_classes);
      times.computeStart = steadyMicros();
      const auto stopRequested = [&] { return m_options.stop && m_options.stop->load(); };
      const float lr =
          static_cast<float>(learningRate(m_job.schedule, m_lr, m_state.step, m_totalSteps));
      bool agreedStop = false;
      if (m_gpu) {  // forward, backward and update: one CUDA graph, or timed launches
        m_gpu->setRandomSeed(stepSeed(0));
        if (profiled)
          m_gpuTimes = m_gpu->session().profiledStep(lr);
        else
          m_gpu->step(lr);
        times.optimizerStart = steadyMicros();
      } else {
        m_exec->setRandomSeed(stepSeed(m_strategy ? m_strategy->rank() : 0));
        m_exec->forward();
        m_exec->backward();
        // Ranks agree on stopping before the optimizer; one process looks again after the step.
        agreedStop = m_strategy && m_strategy->finishStep(stopRequested(), lr);
        times.optimizerStart = steadyMicros();
        if (m_strategy && m_strategy->defersUpdates())
          times.deferred = m_strategy->takeDeferredUpdates();
        else
          m_optimizer->step(m_params.all(), lr,
                            m_strategy ? m_strategy->heldBack() : std::vector<const Parameter*>{});
      }
      // A step event, profile, checkpoint or evaluation after this step reads the parameters
      // or talks to the other ranks: deferred updates are completed here, so that their wait
      // counts in this step's time (and its exposed communication) and not between steps.
      if (m_strategy && m_strategy->defersUpdates() && readsStateAfter(m_state.step + 1, profiled))
        m_strategy->flush();
      times.end = steadyMicros();
      ++m_state.step;
      ++m_state.batchInEpoch;
      if (!logitsInPlace) logitsCopy = m_exec->read(m_output);
      const float loss = m_gpu ? m_gpu->loss() : cpuLoss[0];
      emitStep(n, loss,
               countCorrect(logitsInPlace ? logits : logitsCopy.data(), labels.data(), n, m_classes),
               times);
      if (profiled) publishProfile(times);
      if (!std::isfinite(loss))
        throw Error("training diverged at step " + std::to_string(m_state.step) +
                    ": the loss is " + std::to_string(loss) + " (try a lower optimizer.lr)");
      if (m_strategy ? agreedStop : stopRequested()) {
        checkpoint();
        writeModel();
        writeTrace();
        m_result.status = TrainStatus::cancelled;
        m_result.steps = m_state.step;
        nlohmann::json cancelled{{"state", "cancelled"},
                                 {"step", m_state.step},
                                 {"checkpoint", m_result.checkpointPath}};
        if (!m_result.modelPath.empty()) cancelled["model"] = m_result.modelPath;
        m_events.publish("state", cancelled);
        return m_result;
      }
      if (m_job.checkpointEverySteps && m_state.step % m_job.checkpointEverySteps == 0)
        checkpoint();
      if (m_job.evalEverySteps && m_state.step % m_job.evalEverySteps == 0) evaluate("steps");
    }
    if (m_state.batchInEpoch >= m_stepsPerEpoch) {
      ++m_state.epoch;
      m_state.batchInEpoch = 0;
      if (m_job.evalEveryEpoch && m_state.step < m_totalSteps) evaluate("epoch");
    }
  }
  m_result.steps = m_state.step;
  writeModel();  // first: whatever fails after it, the run's work is kept
  evaluate("final");
  // A run whose last step was a checkpoint's has it already (it wrote the same step twice).
  if (m_checkpointedStep != m_state.step) checkpoint();
  if (m_job.precision == "int8" && !m_options.outDir.empty() && writesFiles()) quantize();
  writeTrace();
  m_events.publish("state", {{"state", "succeeded"},
                             {"step", m_state.step},
                             {"test_accuracy", m_result.testAccuracy},
                             {"test_loss", m_result.testLoss},
                             {"model", m_result.modelPath},
                             {"peak_memory_bytes", peakResidentBytes()}});
  return m_result;
}
}  // namespace

void TrainingRun::quantize() {
  m_events.log("info", "quantizing the trained model to int8 (calibration on " +
                           m_data.train->name() + ")");
  QuantizeOptions options;
  options.throughput = false;
  const fs::path out(m_options.outDir);
  const nlohmann::json report = quantizeModel(
      {m_job.model, m_params, std::nullopt, datasetInfo(), {}}, m_data.train, m_data.test,
      m_normalization, options, (out / "model-int8.twbm").string(),
      [&](const std::string&, double) { return !(m_options.stop && m_options.stop->load()); });
  publishQuantizeReport(report, m_options.outDir, m_events);
}

TrainResult train(JobConfig job, const TrainOptions& options, EventLog& events) {
  std::shared_ptr<const ModelFile> modelFile = std::move(job.modelFileRead);
  TrainingRun run(job, std::move(modelFile), options, events);
  return run.run();
}

}  // namespace twb
