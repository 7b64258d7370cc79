#include "profile/synthetic_inputs.h"

#include <algorithm>
#include <limits>

namespace twb {

namespace {
// The smallest vocabulary of the Embeddings that read `input`; 0 when none does.
int64_t tokenIdLimit(const ModelSpec& model, const std::string& input) {
  int64_t limit = std::numeric_limits<int64_t>::max();
  for (const NodeSpec& node : model.nodes)
    if (node.op == "Embedding" && !node.inputs.empty() && node.inputs[0] == input)
      limit = std::min(limit, node.attrs.value("num_embeddings", int64_t{1}));
  return limit == std::numeric_limits<int64_t>::max() ? 0 : limit;
}
}  // namespace

void fillSyntheticInput(const ModelSpec& model, const std::string& input, float* values,
                        int64_t count, Random& random) {
  const int64_t ids = tokenIdLimit(model, input);
  for (int64_t i = 0; i < count; ++i)
    values[i] =
        ids > 0 ? static_cast<float>(random.below(static_cast<uint64_t>(ids))) : random.normal();
}

}  // namespace twb
