#include "data/idx_file.h"

#include <zlib.h>

#include <filesystem>
#include <memory>

#include "core/error.h"

namespace twb {

namespace {
struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

// Reads up to `bytes` into `out`; returns how many were read.
size_t readSome(gzFile file, void* out, size_t bytes, const std::string& path) {
  size_t total = 0;
  auto* p = static_cast<unsigned char*>(out);
  while (total < bytes) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(bytes - total, 1u << 30));
    const int got = gzread(file, p + total, chunk);
    if (got < 0) {
      int code = 0;
      throw Error(path + ": cannot decompress: " + gzerror(file, &code));
    }
    if (got == 0) break;
    total += static_cast<size_t>(got);
  }
  return total;
}
}  // namespace

IdxArray readIdxFile(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw Error(path + ": no such file");
  // gzread reads uncompressed files as they are, so one path serves both forms.
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  if (!file) throw Error(path + ": cannot open");
  unsigned char magic[4];
  if (readSome(file.get(), magic, 4, path) != 4)
    throw Error(path + ": truncated: shorter than the 4-byte IDX magic number");
  if (magic[0] != 0 || magic[1] != 0)
    throw Error(path + ": not an IDX file (magic number starts " + std::to_string(magic[0]) +
                " " + std::to_string(magic[1]) + ", expected 0 0)");
  if (magic[2] != 0x08)
    throw Error(path + ": IDX element type 0x" + std::to_string(magic[2]) +
                " is not supported (expected 0x08, unsigned byte)");
  const int rank = magic[3];
  if (rank < 1 || rank > 4) throw Error(path + ": IDX rank " + std::to_string(rank) + " is not 1 to 4");
  IdxArray array;
  int64_t count = 1;
  for (int i = 0; i < rank; ++i) {
    unsigned char b[4];
    if (readSome(file.get(), b, 4, path) != 4)
      throw Error(path + ": truncated inside the header at byte " + std::to_string(4 + 4 * i));
    const int64_t d = (int64_t(b[0]) << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    if (d <= 0 || d > (1 << 28)) throw Error(path + ": bad dimension " + std::to_string(d));
    array.dims.push_back(d);
    count *= d;
  }
  if (count > (int64_t(1) << 34)) throw Error(path + ": implausibly large (" + std::to_string(count) + " bytes)");
  array.data.resize(static_cast<size_t>(count));
  const size_t got = readSome(file.get(), array.data.data(), array.data.size(), path);
  if (got != array.data.size())
    throw Error(path + ": truncated: the header promises " + std::to_string(count) +
                " bytes of data, the file holds " + std::to_string(got));
  return array;
}

}  // namespace twb
