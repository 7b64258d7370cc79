#include "cli/run_folder.h"

#include <ctime>
#include <filesystem>

#include "core/error.h"

namespace twb {

namespace fs = std::filesystem;

namespace {
constexpr const char* kModelFile = "model.twbm";  // what a run writes when it ends
}  // namespace

std::string newRunFolder(const std::string& name) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  const std::string base = "runs/" + name + "-" + stamp;
  fs::create_directories("runs");
  for (int suffix = 1;; ++suffix) {
    const std::string dir = suffix == 1 ? base : base + "-" + std::to_string(suffix);
    if (fs::create_directory(dir)) return dir;  // false: another run made it first
  }
}

std::string runHeldIn(const std::string& dir) {
  std::error_code ignored;
  std::string held = fs::exists(fs::path(dir) / kModelFile, ignored) ? kModelFile : "";
  int checkpoints = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(dir) / "checkpoints", ignored))
    checkpoints += entry.path().extension() == ".twbc";
  if (checkpoints > 0)
    held += (held.empty() ? "" : " and ") + std::to_string(checkpoints) +
            (checkpoints == 1 ? " checkpoint" : " checkpoints");
  return held;
}

std::string modelFileOfRun(const std::string& dir) {
  const fs::path model = fs::path(dir) / kModelFile;
  std::error_code ignored;
  if (fs::is_regular_file(model, ignored)) return model.string();
  throw Error(dir +
              ": a folder without model.twbm; give a model file, or the folder of a run that "
              "wrote one");
}

std::string resumedRunFolder(const std::string& resumeFrom) {
  const fs::path checkpoint(resumeFrom), folder = checkpoint.parent_path();
  std::error_code ignored;
  if (!fs::is_regular_file(checkpoint, ignored))
    return resumeFrom;  // a run folder, or nothing: the resume's own error names it
  if (folder.filename() == "checkpoints")
    return folder.has_parent_path() ? folder.parent_path().string() : ".";
  return "";
}

EmptyRunFolderRemover::~EmptyRunFolderRemover() {
  std::error_code ignored;
  if (!m_dir.empty() && fs::is_empty(m_dir, ignored)) fs::remove(m_dir, ignored);
}

bool resumesIn(const std::string& dir, const std::string& resumeFrom) {
  if (resumeFrom.empty()) return false;
  const fs::path folder = fs::weakly_canonical(dir), resumed = fs::weakly_canonical(resumeFrom);
  return resumed == folder ||
         resumed.parent_path().parent_path() == folder;  // DIR/checkpoints/step-N.twbc
}

}  // namespace twb
