#include "io/safetensors.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <utility>

#include "core/error.h"
#include "core/file_writing.h"
#include "core/json_object.h"

namespace twb {

const Tensor* TensorFile::find(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return &t;
  return nullptr;
}

Tensor* TensorFile::find(const std::string& name) {
  return const_cast<Tensor*>(std::as_const(*this).find(name));
}

void writeTensorFile(const std::string& path, const TensorFile& file) {
  nlohmann::ordered_json header;
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : file.tensors) {
    header[name] = {{"dtype", safetensorsName(t.dtype())},
                    {"shape", t.shape()},
                    {"data_offsets", {offset, offset + t.bytes()}}};
    offset += t.bytes();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps tensor data 8-byte aligned
  writeFileWhole(path, [&](std::ostream& out) {
    uint64_t n = text.size();
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
    out.write(reinterpret_cast<const char*>(len), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& [name, t] : file.tensors)
      out.write(static_cast<const char*>(t.raw()), static_cast<std::streamsize>(t.bytes()));
  });
}

namespace {
// The header of an open file: its JSON object and its length.
std::pair<nlohmann::json, uint64_t> readHeader(std::ifstream& in, const std::string& path,
                                               uint64_t fileSize) {
  unsigned char len[8];
  if (fileSize < 8 || !in.read(reinterpret_cast<char*>(len), 8))
    throw Error(path + ": truncated: shorter than the 8-byte header length");
  uint64_t headerSize = 0;
  for (int i = 0; i < 8; ++i) headerSize |= uint64_t(len[i]) << (8 * i);
  if (headerSize > fileSize - 8 || headerSize > (100u << 20))
    throw Error(path + ": header length " + std::to_string(headerSize) + " at offset 0 exceeds " +
                "the file (" + std::to_string(fileSize) + " bytes)");
  std::string text(headerSize, '\0');
  in.read(text.data(), static_cast<std::streamsize>(headerSize));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": header at offset 8 is not JSON: " + e.what());
  }
  if (!header.is_object()) throw Error(path + ": header is not a JSON object");
  return {std::move(header), headerSize};
}

std::map<std::string, std::string> metadataOf(const nlohmann::json& header,
                                              const std::string& path) {
  std::map<std::string, std::string> metadata;
  const auto entry = header.find("__metadata__");
  if (entry == header.end()) return metadata;
  if (!entry->is_object()) throw Error(path + ": __metadata__ is not an object");
  for (const auto& [k, v] : entry->items())
    if (v.is_string()) metadata[k] = v.get<std::string>();
  return metadata;
}

std::ifstream openTensorFile(const std::string& path, uint64_t& fileSize) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open");
  fileSize = std::filesystem::file_size(path);
  return in;
}
}  // namespace

std::map<std::string, std::string> readTensorFileMetadata(const std::string& path) {
  uint64_t fileSize = 0;
  std::ifstream in = openTensorFile(path, fileSize);
  return metadataOf(readHeader(in, path, fileSize).first, path);
}

TensorFile readTensorFile(const std::string& path) {
  uint64_t fileSize = 0;
  std::ifstream in = openTensorFile(path, fileSize);
  const auto [header, headerSize] = readHeader(in, path, fileSize);
  TensorFile file;
  const uint64_t dataSize = fileSize - 8 - headerSize;
  std::vector<std::tuple<uint64_t, std::string, DType, Shape, uint64_t>> entries;
  file.metadata = metadataOf(header, path);
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    JsonObject o(entry, path + ": tensor '" + name + "'");
    DType dtype;
    try {
      dtype = parseSafetensorsName(o.string("dtype"));
    } catch (const Error& e) {
      throw e.within(path + ": tensor '" + name + "'");
    }
    const Shape shape = o.integers("shape");
    for (int64_t d : shape)
      if (d < 0) throw o.error("shape", "negative size");
    const auto offsets = o.integers("data_offsets");
    if (offsets.size() != 2 || offsets[0] < 0 || offsets[1] < offsets[0] ||
        static_cast<uint64_t>(offsets[1]) > dataSize)
      throw o.error("data_offsets", "outside the file's " + std::to_string(dataSize) +
                                        " bytes of tensor data");
    const uint64_t bytes = static_cast<uint64_t>(numel(shape)) * dtypeSize(dtype);
    if (static_cast<uint64_t>(offsets[1] - offsets[0]) != bytes)
      throw o.error("data_offsets", "span " + std::to_string(offsets[1] - offsets[0]) +
                                        " bytes but shape and dtype need " + std::to_string(bytes));
    entries.emplace_back(offsets[0], name, dtype, shape, bytes);
  }
  std::sort(entries.begin(), entries.end());
  for (const auto& [offset, name, dtype, shape, bytes] : entries) {
    Tensor t = Tensor::onFreshPages(shape, dtype);  // read into once, not zeroed first
    in.seekg(static_cast<std::streamoff>(8 + headerSize + offset));
    if (!in.read(static_cast<char*>(t.raw()), static_cast<std::streamsize>(bytes)))
      throw Error(path + ": tensor '" + name + "' at offset " +
                  std::to_string(8 + headerSize + offset) + " is truncated");
    file.tensors.emplace_back(name, std::move(t));
  }
  return file;
}

}  // namespace twb
