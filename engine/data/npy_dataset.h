#pragma once

#include "data/dataset.h"

namespace twb {

// `npy:SAMPLES.npy,LABELS.npy` (`rest` is what follows "npy:"): samples (N, ...) of any numeric
// type, read as f32 and fed as they are, and integer class labels (N). The test part is the same
// pair (a job's dataset.test names another). Errors name the file and what is wrong.
DatasetSplits openNpyPair(const std::string& spec, const std::string& rest);

}  // namespace twb
