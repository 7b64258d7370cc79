// Every op's backward against central finite differences of L = sum(upstream * output), on the
// cases of the shared harness (odd sizes, strides, groups, blocked layouts, shared values).
#include <QtTest>
#include <algorithm>
#include <cmath>

#include "core/random.h"
#include "op_harness.h"

using namespace twb;
using namespace twb::test;

namespace {
double objective(PreparedCase& p) {
  p.exec->forward();
  const auto out = p.exec->read(p.output);
  double sum = 0;
  for (size_t i = 0; i < out.size(); ++i) sum += double(out[i]) * p.upstream[i];
  return sum;
}

// Compares the analytic gradient of `n` floats at `x` with central differences at up to 16
// seeded positions; returns a failure message, empty when all agree.
std::string checkTensor(PreparedCase& p, float* x, int64_t n, const std::vector<float>& analytic,
                        const std::string& what, double eps) {
  Random random(mixSeed(7, static_cast<uint64_t>(n)));
  const int64_t probes = std::min<int64_t>(n, 16);
  for (int64_t k = 0; k < probes; ++k) {
    const int64_t i = probes == n ? k : static_cast<int64_t>(random.below(n));
    const float saved = x[i];
    x[i] = saved + static_cast<float>(eps);
    const double up = objective(p);
    x[i] = saved - static_cast<float>(eps);
    const double down = objective(p);
    x[i] = saved;
    const double numeric = (up - down) / (2 * eps);
    const double error = std::abs(numeric - analytic[i]);
    if (error > 2e-3 + 1e-2 * std::abs(numeric))
      return what + "[" + std::to_string(i) + "]: backward gives " + std::to_string(analytic[i]) +
             ", finite differences " + std::to_string(numeric);
  }
  return {};
}
}  // namespace

class TestOpGradients : public QObject {
  Q_OBJECT
 private slots:
  // Each case, and each with parameters again with them frozen (a job's "freeze"): then the
  // inputs' gradients alone, computed without the weights' (where an input takes one).
  void backwardMatchesFiniteDifferences_data() {
    QTest::addColumn<int>("index");
    QTest::addColumn<bool>("frozen");
    const auto cases = opCases();
    for (size_t i = 0; i < cases.size(); ++i) {
      QTest::newRow(cases[i].label.c_str()) << static_cast<int>(i) << false;
      const Graph graph = Graph::build(cases[i].spec, cases[i].batch);
      const bool learns = std::any_of(graph.nodes().begin(), graph.nodes().end(),
                                      [](const GraphNode& n) { return n.learns(); });
      const bool inputGradient =
          std::any_of(cases[i].spec.inputs.begin(), cases[i].spec.inputs.end(),
                      [&](const InputSpec& in) { return receivesGradient(graph, in.name); });
      if (learns && inputGradient)
        QTest::newRow((cases[i].label + " frozen").c_str()) << static_cast<int>(i) << true;
    }
  }

  void backwardMatchesFiniteDifferences() {
    QFETCH(int, index);
    QFETCH(bool, frozen);
    const OpCase c = opCases()[index];
    auto p = prepare(c, 42, Precision::fp32, frozen ? Gradients::inputsOnly : Gradients::all);
    p->exec->forward();
    p->exec->backward();
    const double eps = c.fill == Fill::distinct ? 2e-3 : 1e-2;
    int checked = 0;
    for (const auto& in : c.spec.inputs) {
      if (!receivesGradient(p->exec->graph(), in.name)) continue;
      const auto analytic = p->exec->readGradient(in.name);
      const std::string failure =
          checkTensor(*p, static_cast<float*>(p->exec->inputBuffer(in.name)),
                      static_cast<int64_t>(analytic.size()), analytic, "input " + in.name, eps);
      QVERIFY2(failure.empty(), (describe(c) + "\n" + failure).c_str());
      ++checked;
    }
    for (auto& param : p->params.all()) {
      if (frozen)
        QVERIFY2(param.grad.empty(),
                 qPrintable("frozen " + QString::fromStdString(param.name) + " has a gradient"));
      if (param.grad.empty()) continue;
      const std::vector<float> analytic(param.grad.data<float>(),
                                        param.grad.data<float>() + param.grad.numel());
      const std::string failure = checkTensor(*p, param.value.data<float>(), param.value.numel(),
                                              analytic, "parameter " + param.name, eps);
      QVERIFY2(failure.empty(), (describe(c) + "\n" + failure).c_str());
      ++checked;
    }
    QVERIFY2(checked > 0, "the case has nothing differentiable to check");
  }

  // With no gradient anywhere (every layer frozen, no input wanting one: the layers before the
  // first that trains), backward runs every kernel and changes nothing: not the output, not a
  // trained parameter.
  void backwardWithoutGradientsDoesNothing_data() {
    QTest::addColumn<int>("index");
    const auto cases = opCases();
    for (size_t i = 0; i < cases.size(); ++i)
      QTest::newRow(cases[i].label.c_str()) << static_cast<int>(i);
  }
  void backwardWithoutGradientsDoesNothing() {
    QFETCH(int, index);
    const OpCase c = opCases()[index];
    auto p = prepare(c, 42, Precision::fp32, Gradients::none);
    std::vector<std::vector<float>> before;
    for (const auto& param : p->params.all())
      before.emplace_back(param.value.data<float>(),
                          param.value.data<float>() + param.value.numel());
    p->exec->forward();
    const std::vector<float> output = p->exec->read(p->output);
    p->exec->backward();
    QCOMPARE(p->exec->read(p->output), output);
    for (size_t i = 0; i < before.size(); ++i) {  // running statistics follow forward
      const Parameter& param = p->params.all()[i];
      QVERIFY(param.grad.empty());
      if (param.spec.frozen)
        QVERIFY(std::equal(before[i].begin(), before[i].end(), param.value.data<float>()));
    }
  }

  // Dropout zeroes about p of the elements, scales the rest by 1/(1-p), and is the identity at
  // inference.
  void dropoutStatistics() {
    OpCase c;
    c.spec.inputs = {{"x0", {1000}, DType::f32}};
    c.spec.nodes = {{"out", "Dropout", {"x0"}, {{"p", 0.25}}}};
    c.spec.outputs = {"out"};
    c.batch = 8;
    auto p = prepare(c, 3);
    auto* x = static_cast<float*>(p->exec->inputBuffer("x0"));
    std::fill_n(x, 8000, 2.0f);
    p->exec->setRandomSeed(11);
    p->exec->forward();
    const auto y = p->exec->read("out");
    int zeros = 0;
    for (float v : y) {
      if (v == 0) ++zeros;
      else QCOMPARE(v, 2.0f / 0.75f);
    }
    QVERIFY2(std::abs(zeros / 8000.0 - 0.25) < 0.02, std::to_string(zeros).c_str());
    p->exec->setRandomSeed(12);
    p->exec->forward();
    QVERIFY2(p->exec->read("out") != y, "a new step seed must draw a new mask");

    ParameterStore params;
    Executor infer(Graph::build(c.spec, 8), params, {ExecMode::infer});
    std::fill_n(static_cast<float*>(infer.inputBuffer("x0")), 8000, 2.0f);
    infer.forward();
    for (float v : infer.read("out")) QCOMPARE(v, 2.0f);
  }
};

QTEST_APPLESS_MAIN(TestOpGradients)
#include "tst_op_gradients.moc"
