#pragma once

#include <stdexcept>
#include <string>

namespace twb {

// The one exception type of the engine. Its message says what failed and where: the node name,
// the file and byte offset, or the path of the job-file field ("optimizer.lr: must be > 0").
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}

  // The same error with a location prefixed: Error("bad").within("job.json") -> "job.json: bad".
  Error within(const std::string& where) const { return Error(where + ": " + what()); }
};

}  // namespace twb
