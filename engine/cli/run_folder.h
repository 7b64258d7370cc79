#pragma once

#include <string>
#include <utility>

namespace twb {

// Where a run writes when no --out is given: runs/NAME-YYYYmmdd-HHMMSS, made here, with -2, -3, ...
// when a run started in the same second has that name, so two runs never share a folder.
std::string newRunFolder(const std::string& name);

// What a run left in `dir` ("model.twbm and 2 checkpoints"), which a new run there would replace
// and prune; empty when it holds none.
std::string runHeldIn(const std::string& dir);

// The model a command given run folder `dir` reads: its model.twbm. Errors say when the folder
// holds none.
std::string modelFileOfRun(const std::string& dir);

// The folder a run resumed from `resumeFrom` writes to when no --out is given: the run folder
// named, or RUN for one of its checkpoints (RUN/checkpoints/step-N.twbc); empty for a checkpoint
// kept anywhere else, which starts a new run folder rather than writing beside it.
std::string resumedRunFolder(const std::string& resumeFrom);

// Removes, when it goes, a run folder made for this command (newRunFolder) that the run left
// empty, as a job refused at its data or model does: failed starts leave no empty runs/NAME-TIME
// behind. An empty `dir` (a folder the user named) is left alone.
class EmptyRunFolderRemover {
 public:
  explicit EmptyRunFolderRemover(std::string dir) : m_dir(std::move(dir)) {}
  ~EmptyRunFolderRemover();
  EmptyRunFolderRemover(const EmptyRunFolderRemover&) = delete;
  EmptyRunFolderRemover& operator=(const EmptyRunFolderRemover&) = delete;

 private:
  std::string m_dir;
};

// Whether `resumeFrom` is the run folder `dir` or one of its checkpoints.
bool resumesIn(const std::string& dir, const std::string& resumeFrom);

}  // namespace twb
