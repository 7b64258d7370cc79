// A model spec (docs/model-file.md) as JSON, validated and built into a graph: every node's
// attributes and every shape inferred.
#include "core/error.h"
#include "fuzz_input.h"
#include "graph/graph.h"
#include "graph/model_spec.h"
#include "train/job_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto spec = twb::ModelSpec::fromJson(twb::parseJsonText(fuzzText(data, size), "model"));
    twb::Graph::build(spec, 2);
  } catch (const twb::Error&) {
  }
  return 0;
}
