#pragma once

#include <sys/types.h>

#include <functional>
#include <iosfwd>
#include <string>

namespace twb {

struct FileWriting {
  mode_t mode = 0644;    // given when the file is created, so a private one is never readable
  bool durable = false;  // on the disk (fsync) before it takes the old file's place
};

// Throws, naming `path` and why, where no file could be written: a folder of that name, a folder
// that does not exist or that this process may not write into. For files written at the end of
// long work, checked before it starts.
void checkFileCanBeWritten(const std::string& path);

// Writes `path` whole or not at all: `fill` writes PATH.tmp, which then takes the place of `path`.
// Any failure removes the temporary and throws an Error naming `path` and why: a folder of that
// name, a folder that does not exist, no permission, a full disk.
void writeFileWhole(const std::string& path, const std::function<void(std::ostream&)>& fill,
                    const FileWriting& how = {});
void writeFileWhole(const std::string& path, const std::string& text, const FileWriting& how = {});

}  // namespace twb
