#include "cli/output_file.h"

#include <filesystem>

#include "core/error.h"
#include "core/file_writing.h"

namespace twb {

void checkOutputFile(const std::string& path, const std::string& extension,
                     const std::string& writes, const std::string& otherwise) {
  if (std::filesystem::path(path).extension() != extension)
    throw Error("--out " + path + ": " + writes + "; give the file a " + extension + " name" +
                (otherwise.empty() ? "" : " (" + otherwise + ")"));
  checkFileCanBeWritten(path);
}

}  // namespace twb
