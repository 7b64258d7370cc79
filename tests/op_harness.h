#pragma once

// The shared op-test harness: the cases every op is checked on, and the helpers that set up an
// executor with seeded random inputs, parameters and upstream gradient. tst_op_gradients checks
// each case against central finite differences; tst_torch_parity against PyTorch.
//
// To add an op: add cases to opCases() below (odd sizes, every attribute that changes the
// computation). Both suites pick them up; a failure prints the case's label and its spec.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "exec/executor.h"

namespace twb::test {

enum class Fill {
  normal,        // N(0, 1)
  distinct,      // a shuffled ramp: no ties, so max pooling's choice is stable under a nudge
  awayFromZero,  // |x| >= 0.1, so ReLU's kink is never crossed by a nudge
  positive,      // |N(0, 1)| + 0.5: inside the domain of Sqrt and fractional powers
  wide,          // N(0, 3^2), at least 0.1 from -3, 0, 3 and 6: both sides of every kink of
                 // ReLU6, Clip(-3, 6), Hardswish and HardSigmoid, none crossed by a nudge
  tokens,        // token ids 0..4 (as floats), for Embedding
};

struct OpCase {
  std::string label;
  ModelSpec spec;  // inputs and nodes; outputs[0] is the value checked
  int64_t batch = 2;
  Fill fill = Fill::normal;
  bool torchComparable = true;  // Dropout's masks come from our generator, not torch's
};

std::vector<OpCase> opCases();

// An executor over one case with every input and parameter filled from a seed.
struct PreparedCase {
  ParameterStore params;
  std::unique_ptr<Executor> exec;
  std::string output;
  std::vector<float> upstream;  // the gradient set on the output
};

// The gradients a prepared case computes: every one; the inputs' alone, every node's parameters
// held still as a job's "freeze" holds its layers; or none, frozen too and no input wanting one
// (a frozen layer before any that trains: its backward does nothing).
enum class Gradients { all, inputsOnly, none };

std::unique_ptr<PreparedCase> prepare(const OpCase& c, uint64_t seed,
                                      Precision precision = Precision::fp32,
                                      Gradients gradients = Gradients::all);

// Whether a gradient flows to graph input `input` (f32, and every reader differentiates it).
bool receivesGradient(const Graph& graph, const std::string& input);

// The case's description for failure messages: its label and its spec as JSON.
std::string describe(const OpCase& c);

}  // namespace twb::test
