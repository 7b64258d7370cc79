#include "data/idx_file.h"

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "core/error.h"
#include "core/memory_need.h"
#include "core/shape.h"

namespace twb {

namespace {
constexpr int64_t kMaxBytes = int64_t(1) << 34;  // 16 GiB: no real IDX file comes near
constexpr int64_t kSlice = int64_t(64) << 20;    // read (and allocated) 64 MiB at a time

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
    if (count > kMaxBytes / d)
      throw Error(path + ": implausibly large (dimensions multiply past " +
                  std::to_string(kMaxBytes) + " bytes)");
    array.dims.push_back(d);
    count *= d;
  }
  const auto truncated = [&](int64_t held) {
    return Error(path + ": truncated: the header promises " + std::to_string(count) +
                 " bytes of data, the file holds " + std::to_string(held));
  };
  // A plain file's size says whether it holds the promise (a gzipped one's, only once inflated).
  if (gzdirect(file.get())) {
    const auto held = static_cast<int64_t>(std::filesystem::file_size(path)) - 4 - 4 * rank;
    if (held < count) throw truncated(held);
  }
  // Held whole: refused here if memory cannot hold it, before a byte is read.
  MemoryNeed need("the data of " + path);
  need.add(static_cast<size_t>(count), toString(array.dims));
  need.checkAvailable(
      "an IDX file is read whole; give the samples as npy:X.npy,Y.npy, which "
      "stream from disk");
  // Read in slices, growing as the data arrives: a header that promises more than the file holds
  // fails when the data ends, not by allocating what it promised.
  while (static_cast<int64_t>(array.data.size()) < count) {
    const size_t before = array.data.size();
    array.data.resize(before + static_cast<size_t>(std::min<int64_t>(count - before, kSlice)));
    const size_t got = readSome(file.get(), array.data.data() + before, array.data.size() - before, path);
    if (got != array.data.size() - before) {
      array.data.resize(before + got);
      break;
    }
  }
  if (static_cast<int64_t>(array.data.size()) != count)
    throw truncated(static_cast<int64_t>(array.data.size()));
  return array;
}

}  // namespace twb
