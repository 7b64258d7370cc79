#pragma once

// NumPy's .npz archives (np.savez, np.savez_compressed): a zip file of .npy arrays.

#include <string>
#include <vector>

#include "core/tensor.h"

struct zip;  // libzip's archive

namespace twb {

class NpzFile {
 public:
  // Opens the archive; throws twb::Error naming the file when it is not a zip archive.
  explicit NpzFile(const std::string& path);
  ~NpzFile();
  NpzFile(const NpzFile&) = delete;
  NpzFile& operator=(const NpzFile&) = delete;

  // The arrays it holds, by the names np.load gives them ("x_train", without ".npy").
  const std::vector<std::string>& names() const { return m_names; }
  bool has(const std::string& name) const;
  // Array `name` as f32 (readNpy's types); throws twb::Error naming the archive and the array,
  // listing the arrays it holds when there is no such one.
  Tensor read(const std::string& name) const;

 private:
  std::string m_path;
  ::zip* m_zip = nullptr;
  std::vector<std::string> m_names;
};

}  // namespace twb
