#include "data/npz_file.h"

#include <zip.h>

#include <algorithm>
#include <array>
#include <istream>
#include <limits>
#include <memory>
#include <streambuf>

#include "core/error.h"
#include "data/npy_file.h"

namespace twb {
namespace {

// An entry of the archive as a stream, inflated a piece at a time. A read libzip fails (a
// damaged entry; a wrong CRC, found once the end is reached) ends the stream and is kept.
class EntryBuffer : public std::streambuf {
 public:
  explicit EntryBuffer(zip_file_t* file) : m_file(file) {}
  const std::string& failure() const { return m_failure; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    const zip_int64_t got = zip_fread(m_file, m_piece.data(), m_piece.size());
    if (got < 0) m_failure = zip_file_strerror(m_file);
    if (got <= 0) return traits_type::eof();
    setg(m_piece.data(), m_piece.data(), m_piece.data() + got);
    return traits_type::to_int_type(*gptr());
  }

 private:
  zip_file_t* m_file;
  std::array<char, 1 << 16> m_piece{};
  std::string m_failure;
};

}  // namespace

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
  const std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> file(zip_fopen(m_zip, entry.c_str(), 0),
                                                               zip_fclose);
  if (!file) throw Error(where + ": " + zip_strerror(m_zip));
  EntryBuffer buffer(file.get());
  std::istream in(&buffer);
  const auto damaged = [&] { return Error(where + ": cut or damaged (" + buffer.failure() + ")"); };
  try {
    const NpyHeader header = readNpyHeader(in, where);
    const uint64_t size = stat.size, offset = static_cast<uint64_t>(header.dataOffset);
    checkNpyValuesFit(header, size > offset ? size - offset : 0, where,
                      "an .npz is read whole; save its arrays with np.save and give "
                      "npy:X.npy,Y.npy, which stream from disk");
    Tensor values = readNpyValues(in, header, where);
    in.ignore(std::numeric_limits<std::streamsize>::max());  // to the end, where libzip checks
    if (!buffer.failure().empty()) throw damaged();          // the entry's CRC
    return values;
  } catch (const Error&) {
    if (!buffer.failure().empty()) throw damaged();  // why the array read short or wrong
    throw;
  }
}

}  // namespace twb
