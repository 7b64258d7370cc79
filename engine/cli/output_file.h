#pragma once

#include <string>

namespace twb {

// Checks, before any work, a file a command will write: it must be named for what is written
// (`extension`, e.g. ".twbm"; a model file named .onnx is read as ONNX and fails later), and its
// folder must exist and be writable. `writes` says what the command writes ("predict writes a
// NumPy array"), `otherwise` what to do for another format (may be empty).
void checkOutputFile(const std::string& path, const std::string& extension,
                     const std::string& writes, const std::string& otherwise = "");

}  // namespace twb
