#include "data/npz_file.h"

#include <zip.h>

#include <algorithm>
#include <sstream>

#include "core/error.h"
#include "data/npy_file.h"

namespace twb {

NpzFile::NpzFile(const std::string& path) : m_path(path) {
  int code = 0;
  m_zip = zip_open(path.c_str(), ZIP_RDONLY, &code);
  if (!m_zip) {
    zip_error_t error;
    zip_error_init_with_code(&error, code);
    const std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    throw Error(path + ": not a .npz archive (" + why + ")");
  }
  const zip_int64_t entries = zip_get_num_entries(m_zip, 0);
  for (zip_int64_t i = 0; i < entries; ++i) {
    std::string name = zip_get_name(m_zip, static_cast<zip_uint64_t>(i), 0);
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0)
      name.resize(name.size() - 4);
    m_names.push_back(name);
  }
}

NpzFile::~NpzFile() { zip_discard(m_zip); }

bool NpzFile::has(const std::string& name) const {
  return std::find(m_names.begin(), m_names.end(), name) != m_names.end();
}

Tensor NpzFile::read(const std::string& name) const {
  const std::string where = m_path + ": array '" + name + "'";
  if (!has(name)) {
    std::string held;
    for (const auto& n : m_names) held += (held.empty() ? "" : ", ") + n;
    throw Error(where + " is not in the archive (it holds: " + (held.empty() ? "nothing" : held) +
                ")");
  }
  const std::string entry = name + ".npy";
  zip_stat_t stat;
  if (zip_stat(m_zip, entry.c_str(), 0, &stat) != 0 || !(stat.valid & ZIP_STAT_SIZE))
    throw Error(where + ": " + zip_strerror(m_zip));
  zip_file_t* file = zip_fopen(m_zip, entry.c_str(), 0);
  if (!file) throw Error(where + ": " + zip_strerror(m_zip));
  std::string bytes(stat.size, '\0');
  const zip_int64_t got = zip_fread(file, bytes.data(), bytes.size());
  // libzip checks the entry's CRC when a read reaches its end: one more read does.
  char past = 0;
  const zip_int64_t end = got < 0 ? -1 : zip_fread(file, &past, 1);
  const std::string why = got < 0 || end != 0 ? zip_file_strerror(file) : "";
  zip_fclose(file);
  if (got != static_cast<zip_int64_t>(bytes.size()) || end != 0)
    throw Error(where + ": cut or damaged (" + (why.empty() ? "short read" : why) + ")");
  std::istringstream in(bytes);
  return readNpy(in, where);
}

}  // namespace twb
