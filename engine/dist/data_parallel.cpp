#include "dist/data_parallel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "core/file_writing.h"
#include "dist/gloo_communicator.h"
#include "exec/executor.h"

namespace twb {

namespace {
// Steps each trial setting runs for (after one warm-up step that allocates and connects).
constexpr int64_t kTrialSteps = 3;
constexpr int kAutoStreams = 2;

std::string bytesText(size_t bytes) {
  if (bytes >= (size_t(1) << 20) && bytes % (size_t(1) << 20) == 0)
    return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

std::string millisecondsText(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f ms", ms);
  return text;
}

uint32_t fnv1a(const std::string& text) {
  uint32_t h = 2166136261u;
  for (unsigned char c : text) h = (h ^ c) * 16777619u;
  return h;
}
}  // namespace

DataParallelTraining::DataParallelTraining(std::unique_ptr<Communicator> comm,
                                           const ParallelConfig& config, EventLog& events,
                                           std::unique_ptr<RankCollective> statistics)
    : m_comm(std::move(comm)),
      m_statistics(std::move(statistics)),
      m_config(config),
      m_events(events),
      m_reducer(*m_comm, parseWireType(config.compression)) {}

DataParallelTraining::~DataParallelTraining() = default;

std::string DataParallelTraining::shareResumePoint(const std::string& checkpoint,
                                                   const std::string& scratchFolder) {
  // What this rank has: the checkpoint's bytes, known by their size and hash.
  std::string bytes;
  if (!checkpoint.empty()) {
    std::ifstream in(checkpoint, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
    if (in.bad()) throw Error(checkpoint + ": cannot read the checkpoint");
  }
  uint64_t rank0[2] = {bytes.size(), fnv1a(bytes)};
  m_comm->broadcast(rank0, sizeof rank0, 0);
  if (rank0[0] == 0) {
    if (!checkpoint.empty())
      throw Error("rank " + std::to_string(rank()) + " was asked to resume from " + checkpoint +
                  ", but rank 0 starts afresh");
    return {};
  }
  // Ranks of rank 0's machine read the same file; ranks elsewhere get it sent.
  const char have = bytes.size() == rank0[0] && fnv1a(bytes) == rank0[1];
  std::vector<char> haves(static_cast<size_t>(ranks()));
  m_comm->allGather(&have, 1, haves.data());
  if (std::find(haves.begin(), haves.end(), 0) == haves.end()) return checkpoint;
  bytes.resize(rank0[0]);
  // A large checkpoint over a slow link may take longer than one step's timeout.
  m_comm->setTimeout(std::chrono::minutes(10));
  m_comm->broadcast(bytes.data(), bytes.size(), 0);
  m_comm->setTimeout(std::chrono::milliseconds(static_cast<int64_t>(m_config.timeoutSeconds * 1e3)));
  if (have) return checkpoint;
  std::filesystem::create_directories(scratchFolder);
  const std::string path = scratchFolder + "/resume-point-rank-" + std::to_string(rank()) + ".twbc";
  writeFileWhole(path, [&](std::ostream& out) {
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  });
  return path;
}

// In the buckets' order, so that each bucket is reduced where backward wrote it, without copies;
// in memory the communicator reduces faster where it has some (shared with the machine's ranks).
void DataParallelTraining::arrangeGradients(ParameterStore& params, const Graph& graph) {
  const std::vector<std::string> order = GradientReducer::gradientOrder(graph);
  params.packGradients(order,
                       m_comm->gradientMemory(static_cast<size_t>(params.packedSize(order))));
}

void DataParallelTraining::start(ParameterStore& params, const Graph& graph, Optimizer* optimizer) {
  m_params = &params;
  m_graph = &graph;
  if (optimizer && m_config.overlapForward) {
    m_optimizer = optimizer;
    m_optimizer->ensureState(params.all());
  }
  // Before anything sized by the model travels: do all ranks hold the same parameters?
  m_reducer.plan(params, graph, SIZE_MAX);
  std::string signature;
  for (const Parameter& p : params.all()) signature += p.name + toString(p.value.shape()) + ";";
  checkSameModel(fnv1a(signature));

  // Every rank starts from rank 0's weights and statistics, whatever it loaded or drew.
  size_t total = 0;
  for (const Parameter& p : params.all()) total += static_cast<size_t>(p.value.numel());
  std::vector<float> fused(total);
  float* at = fused.data();
  for (const Parameter& p : params.all())
    at = std::copy_n(p.value.data<float>(), p.value.numel(), at);
  m_comm->broadcast(fused.data(), total * sizeof(float), 0);
  at = fused.data();
  for (Parameter& p : params.all()) {
    std::copy_n(at, p.value.numel(), p.value.data<float>());
    at += p.value.numel();
  }

  // The settings to try: bucket sizes up to one holding every gradient, and stream counts.
  const size_t modelBytes = m_reducer.totalBytes();
  std::vector<size_t> sizes;
  if (m_config.bucketBytes > 0) {
    sizes.push_back(static_cast<size_t>(m_config.bucketBytes));
  } else {
    for (size_t s : {size_t(256) << 10, size_t(1) << 20, size_t(4) << 20, size_t(16) << 20}) {
      sizes.push_back(s);
      if (s >= modelBytes) break;
    }
  }
  std::vector<int> streams;
  if (m_config.streams > 0)
    streams.push_back(static_cast<int>(std::min<int64_t>(m_config.streams, m_comm->maxStreams())));
  else
    for (int s = 1; s <= std::min(kAutoStreams, m_comm->maxStreams()); ++s) streams.push_back(s);
  for (size_t size : sizes)
    for (int s : streams) m_trials.push_back({size, s});
  // The first step runs the first setting unmeasured (allocation, first touches).
  apply(m_trials[0]);
  if (m_trials.size() == 1) m_trials.clear();
  m_trialSeconds.assign(m_trials.size(), 0);
}

void DataParallelTraining::apply(const Setting& setting) {
  m_setting = setting;
  m_reducer.plan(*m_params, *m_graph, setting.bucketBytes);
  m_comm->useStreams(setting.streams);
  m_fingerprint = fnv1a(m_reducer.layout()) & 0xffffff;
  if (!m_optimizer) return;
  // The optimizer keeps its state in the order of the parameters that have gradients.
  std::map<const Parameter*, size_t> stateIndex;
  for (const Parameter& p : m_params->all())
    if (!p.grad.empty()) stateIndex.emplace(&p, stateIndex.size());
  m_stateIndices.assign(m_reducer.bucketCount(), {});
  for (size_t b = 0; b < m_reducer.bucketCount(); ++b)
    for (const Parameter* p : m_reducer.bucket(b).params)
      m_stateIndices[b].push_back(stateIndex.at(p));
  m_updated.assign(m_reducer.bucketCount(), 0);
}

void DataParallelTraining::update(size_t index, bool byForward) {
  m_reducer.waitFor(index, byForward);
  const double start = steadyMicros();
  const GradientBucket& bucket = m_reducer.bucket(index);
  if (!overflowed(index))
    for (size_t i = 0; i < bucket.params.size(); ++i)
      m_optimizer->update(*bucket.params[i], m_stateIndices[index][i], m_pendingLr);
  m_updated[index] = 1;
  if (m_updates.firstStartUs == 0) m_updates.firstStartUs = start;
  m_updates.ms += (steadyMicros() - start) / 1e3;
}

bool DataParallelTraining::overflowed(size_t index) {
  if (!m_reducer.overflowed(index)) return false;
  const auto& params = m_reducer.bucket(index).params;
  m_events.log("warning",
               "fp16 on the wire overflowed in the gradients of " + params.front()->name +
                   (params.size() > 1 ? " and " + std::to_string(params.size() - 1) + " more"
                                      : std::string()) +
                   ": they skip this step's update, and their scale is agreed anew");
  return true;
}

void DataParallelTraining::updateAll() {
  if (!m_pending) return;
  for (size_t b = 0; b < m_updated.size(); ++b)
    if (!m_updated[b]) update(b, false);
  m_pending = false;
}

void DataParallelTraining::parametersNeeded(size_t node) {
  if (!m_pending) return;
  const size_t b = m_reducer.bucketOf(node);
  if (b != GradientReducer::npos && !m_updated[b]) update(b, true);
}

void DataParallelTraining::flush() {
  if (!m_optimizer) return;
  updateAll();
  readControl();
}

void DataParallelTraining::checkSameModel(uint32_t signature) {
  std::vector<uint32_t> all(static_cast<size_t>(ranks()));
  m_comm->allGather(&signature, sizeof signature, all.data());
  for (int r = 1; r < ranks(); ++r)
    if (all[static_cast<size_t>(r)] != all[0])
      throw Error("data parallel: rank " + std::to_string(r) +
                  " runs another model than rank 0 (its parameters' names or shapes differ; "
                  "every rank must run the same job)");
}

bool DataParallelTraining::finishStep(bool stopRequested, float lr) {
  flush();  // the step before, when its updates were deferred
  // One small all-reduce after the step's buckets agrees on stopping, checks that every rank
  // reduced the same buckets and shares rank 0's bucket order for the steps to come.
  const bool ordering = m_optimizer && rank() == 0;
  m_sentFingerprint[0] = static_cast<float>(m_fingerprint >> 12);
  m_sentFingerprint[1] = static_cast<float>(m_fingerprint & 0xfff);
  m_control[0] = stopRequested ? 1.f : 0.f;
  m_control[1] = m_sentFingerprint[0];
  m_control[2] = m_sentFingerprint[1];
  m_control[3] = ordering ? static_cast<float>(m_reducer.suggestedCutoff(steadyMicros())) : 0.f;
  m_reducer.close([this] { m_comm->allReduceSum(m_control, 4, WireType::f32); });
  m_controlUnread = true;
  if (m_optimizer) {
    m_optimizer->advance();
    m_pendingLr = lr;
    m_pending = true;
    std::fill(m_updated.begin(), m_updated.end(), 0);
  } else {
    readControl();  // the step's reductions are done
    m_heldBack.clear();
    for (size_t b = 0; b < m_reducer.bucketCount(); ++b)
      if (overflowed(b))
        m_heldBack.insert(m_heldBack.end(), m_reducer.bucket(b).params.begin(),
                          m_reducer.bucket(b).params.end());
  }
  if (!m_trials.empty()) tune();
  return m_stopAgreed;
}

void DataParallelTraining::readControl() {
  if (!m_controlUnread) return;
  m_reducer.finish();
  m_controlUnread = false;
  if (m_control[1] != m_sentFingerprint[0] * ranks() ||
      m_control[2] != m_sentFingerprint[1] * ranks())
    throw Error("data parallel: rank " + std::to_string(rank()) +
                ": the ranks reduced different gradient buckets this step (every rank must run "
                "the same model)");
  m_stopAgreed = m_stopAgreed || m_control[0] > 0;
  if (m_optimizer) m_reducer.setCutoff(static_cast<size_t>(m_control[3]));
}

void DataParallelTraining::tune() {
  const double now = steadyMicros();
  const bool warmedUp = m_lastStepEndUs > 0;
  const double seconds = (now - m_lastStepEndUs) / 1e6;
  m_lastStepEndUs = now;
  if (!warmedUp) return;  // the first step's time says nothing
  m_trialSeconds[m_trial] += seconds;
  if (++m_trialSteps < kTrialSteps) return;
  m_trialSteps = 0;
  flush();  // buckets are planned anew only between steps
  if (++m_trial < m_trials.size()) {
    apply(m_trials[m_trial]);
    return;
  }
  // Rank 0's measurements decide, so every rank adopts the same setting.
  int32_t best = static_cast<int32_t>(
      std::min_element(m_trialSeconds.begin(), m_trialSeconds.end()) - m_trialSeconds.begin());
  m_comm->broadcast(&best, sizeof best, 0);
  apply(m_trials[static_cast<size_t>(best)]);
  nlohmann::json tried = nlohmann::json::array();
  const auto [fastest, slowest] = std::minmax_element(m_trialSeconds.begin(), m_trialSeconds.end());
  for (size_t i = 0; i < m_trials.size(); ++i)
    tried.push_back({{"bucket_bytes", m_trials[i].bucketBytes},
                     {"streams", m_trials[i].streams},
                     {"step_ms", 1e3 * m_trialSeconds[i] / kTrialSteps}});
  m_events.publish("comm_tuned", {{"bucket_bytes", m_setting.bucketBytes},
                                  {"streams", m_setting.streams},
                                  {"buckets", m_reducer.bucketCount()},
                                  {"tried", tried}});
  // Said in words too, for the Monitor's log and the command line.
  m_events.log("info", "communication tuned: " + bytesText(m_setting.bucketBytes) + " buckets (" +
                           std::to_string(m_reducer.bucketCount()) + " a step), " +
                           std::to_string(m_setting.streams) + " connection" +
                           (m_setting.streams == 1 ? "" : "s") + " per peer; " +
                           millisecondsText(1e3 * *fastest / kTrialSteps) +
                           " a step against up to " +
                           millisecondsText(1e3 * *slowest / kTrialSteps) + " for the " +
                           std::to_string(m_trials.size()) + " settings tried");
  m_trials.clear();
}

void DataParallelTraining::sum(std::vector<double>& values) {
  flush();  // collectives of this thread go after the communication thread's
  std::vector<float> f(values.begin(), values.end());
  m_comm->allReduceSum(f.data(), f.size(), WireType::f32);
  std::copy(f.begin(), f.end(), values.begin());
}

nlohmann::json DataParallelTraining::report(const StepWindow& local) {
  flush();
  const auto spans = m_reducer.takeSpans();
  double commSeconds = 0;
  for (const auto& s : spans) commSeconds += (s.endUs - s.startUs) / 1e6;
  const double steps = static_cast<double>(std::max<int64_t>(1, local.steps));
  const double exposed = m_reducer.takeExposedSeconds();
  // The step splits into data, compute and the communication backward did not hide: the
  // trainer's compute time includes that wait, which is taken out of it here.
  constexpr size_t kFields = 5;
  const double exposedMs = 1e3 * exposed / steps;
  const double mine[kFields] = {local.stepMs, local.dataMs, local.computeMs - exposedMs,
                                1e3 * commSeconds / steps, exposedMs};
  std::vector<double> all(kFields * static_cast<size_t>(ranks()));
  m_comm->allGather(mine, sizeof mine, all.data());
  nlohmann::json perRank = nlohmann::json::array();
  for (int r = 0; r < ranks(); ++r) {
    const double* v = all.data() + kFields * static_cast<size_t>(r);
    perRank.push_back({{"rank", r},
                       {"step_ms", v[0]},
                       {"data_ms", v[1]},
                       {"compute_ms", v[2]},
                       {"comm_ms", v[3]},
                       {"exposed_comm_ms", v[4]}});
  }
  const uint64_t bytes = m_comm->bytesSent();
  nlohmann::json out = {{"ranks", perRank},
                        {"compute_ms", mine[2]},
                        {"comm_ms", mine[3]},
                        {"exposed_comm_ms", mine[4]},
                        {"bytes_sent", bytes - m_reportedBytes},
                        {"bucket_bytes", m_setting.bucketBytes},
                        {"streams", m_setting.streams},
                        {"buckets", m_reducer.bucketCount()}};
  m_reportedBytes = bytes;
  return out;
}

nlohmann::json DataParallelTraining::stepCommunication(double stepStartUs) {
  flush();
  // Every rank reduced the same buckets (checked each step), so the gather has a fixed size.
  constexpr size_t kFields = 4;
  const auto& spans = m_reducer.lastStepSpans();
  std::vector<double> mine;
  for (const CommSpan& s : spans)
    mine.insert(mine.end(), {static_cast<double>(s.bucket), (s.startUs - stepStartUs) / 1e3,
                             (s.endUs - s.startUs) / 1e3, static_cast<double>(s.bytes)});
  std::vector<double> all(mine.size() * static_cast<size_t>(ranks()));
  m_comm->allGather(mine.data(), mine.size() * sizeof(double), all.data());
  nlohmann::json slices = nlohmann::json::array();
  for (size_t i = 0; i < all.size(); i += kFields)
    slices.push_back({{"rank", i / std::max<size_t>(mine.size(), 1)},
                      {"bucket", static_cast<int64_t>(all[i])},
                      {"start_ms", all[i + 1]},
                      {"ms", all[i + 2]},
                      {"bytes", all[i + 3]}});
  return slices;
}

void checkParallelInterface(const ParallelConfig& config) {
  if (config.interface.empty()) return;
  try {
    checkNetworkInterface(config.interface);
  } catch (const Error& e) {
    throw e.within("parallel.interface");
  }
}

}  // namespace twb
