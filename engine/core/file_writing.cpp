#include "core/file_writing.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace twb {

namespace {
// Why the last call failed, in the system's words.
std::string lastReason(const char* otherwise) {
  return errno != 0 ? std::strerror(errno) : otherwise;
}

bool syncedToDisk(const std::string& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  return synced;
}
}  // namespace

void checkFileCanBeWritten(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ignored;
  if (fs::is_directory(path, ignored)) throw Error(path + ": is a folder; name the file to write");
  const fs::path folder = fs::path(path).parent_path();
  if (!folder.empty() && !fs::is_directory(folder, ignored))
    throw Error(path + ": the folder " + folder.string() + " does not exist");
  errno = 0;
  if (::access(folder.empty() ? "." : folder.c_str(), W_OK) != 0)
    throw Error(path + ": cannot write into its folder: " + lastReason("not writable"));
}

void writeFileWhole(const std::string& path, const std::function<void(std::ostream&)>& fill,
                    const FileWriting& how) {
  checkFileCanBeWritten(path);

  const std::string temporary = path + ".tmp";
  ::unlink(temporary.c_str());  // one left by a crash keeps its mode; this one is made with ours
  errno = 0;
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, how.mode);
  if (fd < 0) throw Error(path + ": cannot write: " + lastReason("cannot create"));
  ::close(fd);
  const auto fail = [&](const char* otherwise) {
    const std::string reason = lastReason(otherwise);
    std::remove(temporary.c_str());
    throw Error(path + ": cannot write: " + reason);
  };
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    errno = 0;
    try {
      fill(out);
    } catch (...) {  // the writer's own error, which names what it could not write
      out.close();
      std::remove(temporary.c_str());
      throw;
    }
    out.close();
    if (!out) fail("the write failed (is the disk full?)");
  }
  errno = 0;  // a write's failure is said above; from here each call sets its own
  if (how.durable && !syncedToDisk(temporary)) fail("fsync failed");
  if (std::rename(temporary.c_str(), path.c_str()) != 0) fail("cannot rename");
}

void writeFileWhole(const std::string& path, const std::string& text, const FileWriting& how) {
  writeFileWhole(
      path, [&](std::ostream& out) { out << text; }, how);
}

}  // namespace twb
