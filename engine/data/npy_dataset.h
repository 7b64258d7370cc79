#pragma once

#include "data/dataset.h"

namespace twb {

// `npy:SAMPLES.npy,LABELS.npy` (`rest` is what follows "npy:"): samples (N, ...) of any numeric
// type, read as f32 and fed as they are, and integer class labels (N). The test part is the same
// pair (a job's dataset.test names another). Errors name the file and what is wrong.
DatasetSplits openNpyPair(const std::string& spec, const std::string& rest);

// `npz:FILE.npz` (Keras' layout: x_train, y_train, and x_test, y_test when held) or
// `npz:FILE.npz:SAMPLES,LABELS` (two arrays by name; the test part is the same pair). Arrays as
// for npy; errors name the archive and the array.
DatasetSplits openNpz(const std::string& spec, const std::string& rest);

}  // namespace twb
