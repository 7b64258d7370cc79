#pragma once

#include "data/dataset.h"

namespace twb {

// `csv:FILE`: one sample per row, the features then the class index in the last column. An
// optional header row (any cell not a number) names the columns in errors. Cells may be quoted
// ("1.5", with "" for a quote inside) and padded with spaces. The test part is the same file
// (a job's dataset.test names another). Errors name the file, the line and the column. The file
// is checked whole at open; then rows stream from disk, parsed again when read.
DatasetSplits openCsv(const std::string& path);

}  // namespace twb
