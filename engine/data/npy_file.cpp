#include "data/npy_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <regex>

#include "core/error.h"
#include "core/file_writing.h"
#include "core/float16.h"
#include "core/memory_need.h"

namespace twb {

namespace {
constexpr char kMagic[] = "\x93NUMPY";

// The value of `key` in the header's Python dict literal, as its source text.
std::string headerValue(const std::string& header, const std::string& key,
                        const std::string& path) {
  const std::regex pattern("['\"]" + key +
                           "['\"]\\s*:\\s*('[^']*'|\"[^\"]*\"|True|False|\\([^)]*\\))");
  std::smatch match;
  if (!std::regex_search(header, match, pattern))
    throw Error(path + ": the .npy header has no '" + key + "' (" + header + ")");
  return match[1].str();
}

Shape parseShape(const std::string& text, const std::string& path) {
  Shape shape;
  std::string inner = text.substr(1, text.size() - 2);  // drop the parentheses
  size_t pos = 0;
  while (pos < inner.size()) {
    const size_t comma = inner.find(',', pos);
    std::string item =
        inner.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) {
      if (item.find_first_not_of("0123456789L") != std::string::npos)
        throw Error(path + ": the .npy shape " + text + " is not a tuple of sizes");
      shape.push_back(std::stoll(item));
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return shape;
}

// Converts `count` values of NumPy type `descr` at `data` to floats.
template <class T>
void convert(const char* data, int64_t count, float* out) {
  for (int64_t i = 0; i < count; ++i) {
    T v;
    std::memcpy(&v, data + i * sizeof(T), sizeof(T));
    out[i] = static_cast<float>(v);
  }
}
}  // namespace

Tensor readNpyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open");
  const NpyHeader header = readNpyHeader(in, path);
  in.seekg(0, std::ios::end);
  const auto size = static_cast<int64_t>(in.tellg());
  in.seekg(header.dataOffset);
  checkNpyValuesFit(header, static_cast<uint64_t>(std::max<int64_t>(0, size - header.dataOffset)),
                    path, "the array is read whole: give a smaller one");
  return readNpyValues(in, header, path);
}

NpyHeader readNpyHeader(std::istream& in, const std::string& path) {
  char magic[8] = {};
  in.read(magic, 8);
  if (!in || std::memcmp(magic, kMagic, 6) != 0)
    throw Error(path + ": not a .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<unsigned char>(magic[6]);
  if (major < 1 || major > 3)
    throw Error(path + ": .npy version " + std::to_string(major) + " is unknown");
  unsigned char lengthBytes[4] = {};
  in.read(reinterpret_cast<char*>(lengthBytes), major == 1 ? 2 : 4);
  const uint32_t headerLength =
      lengthBytes[0] | lengthBytes[1] << 8 |
      (major == 1 ? 0u : uint32_t(lengthBytes[2]) << 16 | uint32_t(lengthBytes[3]) << 24);
  if (!in || headerLength > (1u << 20)) throw Error(path + ": the .npy header is cut or too long");
  std::string text(headerLength, '\0');
  in.read(text.data(), headerLength);
  if (!in) throw Error(path + ": the .npy header is cut");

  NpyHeader header;
  header.dataOffset = (major == 1 ? 10 : 12) + static_cast<int64_t>(headerLength);
  std::string descr = headerValue(text, "descr", path);
  descr = descr.substr(1, descr.size() - 2);
  if (headerValue(text, "fortran_order", path) == "True")
    throw Error(path + ": the array is in Fortran order; save it with np.ascontiguousarray");
  header.shape = parseShape(headerValue(text, "shape", path), path);
  header.count = 1;
  for (int64_t d : header.shape) {
    if (d != 0 && header.count > std::numeric_limits<int64_t>::max() / 8 / d)
      throw Error(path + ": the shape " + toString(header.shape) + " is too large");
    header.count *= d;
  }
  const bool bigEndian = !descr.empty() && descr[0] == '>';
  header.descr = descr;
  header.type = descr.size() > 1 ? descr.substr(1) : descr;
  const std::string& type = header.type;
  header.itemBytes = type == "f4" || type == "i4" || type == "u4"   ? 4
                     : type == "f8" || type == "i8"                 ? 8
                     : type == "f2" || type == "i2" || type == "u2" ? 2
                     : type == "u1" || type == "i1"                 ? 1
                                                                    : 0;
  if (header.itemBytes == 0 || (bigEndian && header.itemBytes > 1))
    throw Error(path + ": arrays of '" + descr +
                "' are not supported (float16/32/64, int8/16/32/64 or uint8/16/32, "
                "little-endian)");
  return header;
}

void npyToFloats(const NpyHeader& header, const char* bytes, int64_t count, float* out) {
  const std::string& type = header.type;
  if (type == "f4")
    std::memcpy(out, bytes, static_cast<size_t>(count) * 4);
  else if (type == "f8")
    convert<double>(bytes, count, out);
  else if (type == "i8")
    convert<int64_t>(bytes, count, out);
  else if (type == "i4")
    convert<int32_t>(bytes, count, out);
  else if (type == "i2")
    convert<int16_t>(bytes, count, out);
  else if (type == "u4")
    convert<uint32_t>(bytes, count, out);
  else if (type == "u2")
    convert<uint16_t>(bytes, count, out);
  else if (type == "f2")
    for (int64_t i = 0; i < count; ++i) {
      uint16_t half;
      std::memcpy(&half, bytes + 2 * i, 2);
      out[i] = halfToFloat(half);
    }
  else if (type == "i1")
    convert<int8_t>(bytes, count, out);
  else
    convert<uint8_t>(bytes, count, out);
}

void checkFiniteSamples(const float* values, int64_t count, int64_t sampleValues,
                        const std::string& where, int64_t firstSample) {
  const float* end = values + count * sampleValues;
  const float* bad = std::find_if(values, end, [](float v) { return !std::isfinite(v); });
  if (bad == end) return;
  const int64_t at = bad - values;
  throw Error(where + ": sample " + std::to_string(firstSample + at / sampleValues) + " holds " +
              (std::isnan(*bad) ? "NaN"
               : *bad > 0       ? "+inf (as float32)"
                                : "-inf (as float32)") +
              " at value " + std::to_string(at % sampleValues) +
              " (samples must be finite numbers)");
}

namespace {
Error fewerBytesThanTheShape(const NpyHeader& header, const std::string& where) {
  return Error(where + ": holds fewer bytes than its shape " + toString(header.shape) + " of " +
               header.descr + " needs (" +
               std::to_string(static_cast<uint64_t>(header.count) * header.itemBytes) + ")");
}
}  // namespace

void checkNpyValuesFit(const NpyHeader& header, uint64_t heldBytes, const std::string& where,
                       const std::string& remedy) {
  if (heldBytes < static_cast<uint64_t>(header.count) * header.itemBytes)
    throw fewerBytesThanTheShape(header, where);
  MemoryNeed need("the float32 values of " + where);
  need.add(static_cast<size_t>(header.count) * sizeof(float), "shape " + toString(header.shape));
  need.checkAvailable(remedy);
}

Tensor readNpyValues(std::istream& in, const NpyHeader& header, const std::string& where) {
  Tensor out(header.shape, DType::f32);
  constexpr int64_t kPieceValues = int64_t{1} << 16;
  std::string piece(static_cast<size_t>(kPieceValues) * header.itemBytes, '\0');
  for (int64_t done = 0; done < header.count;) {
    const int64_t values = std::min(kPieceValues, header.count - done);
    in.read(piece.data(),
            static_cast<std::streamsize>(values * static_cast<int64_t>(header.itemBytes)));
    if (!in) throw fewerBytesThanTheShape(header, where);
    npyToFloats(header, piece.data(), values, out.data<float>() + done);
    done += values;
  }
  return out;
}

void writeNpyFile(const std::string& path, const Tensor& tensor) {
  std::string shape = "(";
  for (int64_t d : tensor.shape()) shape += std::to_string(d) + ", ";
  if (tensor.shape().size() > 1)
    shape.erase(shape.size() - 2);
  else if (tensor.shape().size() == 1)
    shape.erase(shape.size() - 1);
  shape += ")";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  // Magic, version, length and header together are a multiple of 64 bytes, ending in '\n'.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  writeFileWhole(path, [&](std::ostream& out) {
    const uint16_t length = static_cast<uint16_t>(header.size());
    out.write(kMagic, 6);
    out.put(1).put(0);
    out.put(static_cast<char>(length & 0xff)).put(static_cast<char>(length >> 8));
    out << header;
    out.write(static_cast<const char*>(tensor.raw()), static_cast<std::streamsize>(tensor.bytes()));
  });
}

}  // namespace twb
