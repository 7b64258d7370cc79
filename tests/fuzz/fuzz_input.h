#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

// The parsers that read files get the fuzzer's input as one, in memory-backed /dev/shm.
inline std::string writeFuzzInput(const uint8_t* data, size_t size, const char* extension) {
  const std::string path = "/dev/shm/twb-fuzz-" + std::to_string(::getpid()) + extension;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

inline std::string fuzzText(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}
