#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace twb {

// An unsigned-byte IDX array (the MNIST format): big-endian header 0x00 0x00 0x08 RANK, RANK
// 32-bit sizes, then the bytes. Plain and gzip-compressed files are both read.
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

// Throws twb::Error naming the file and what is wrong: a wrong magic number, an unsupported
// element type, a truncated body.
IdxArray readIdxFile(const std::string& path);

}  // namespace twb
