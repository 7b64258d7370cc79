#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

// The parsers that read files get the fuzzer's input as one, in memory-backed /dev/shm, removed
// when the process ends.
inline std::string writeFuzzInput(const uint8_t* data, size_t size, const char* extension) {
  struct Written {
    std::string path;
    ~Written() {
      if (!path.empty()) std::remove(path.c_str());
    }
  };
  static Written written;
  if (!written.path.empty()) std::remove(written.path.c_str());
  written.path = "/dev/shm/fuzz-input-" + std::to_string(::getpid()) + extension;
  std::ofstream(written.path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return written.path;
}

inline std::string fuzzText(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}
