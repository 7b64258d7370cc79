#include "io/onnx_external_data.h"

#include <filesystem>
#include <fstream>
#include <algorithm>

#include "core/error.h"

namespace twb {

namespace {
int64_t byteCount(const std::string& text, const std::string& where) {
  size_t used = 0;
  int64_t value = -1;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
  }
  if (value < 0 || used != text.size()) throw Error(where + ": '" + text + "' is not a byte count");
  return value;
}

void load(onnx::TensorProto& tensor, const std::filesystem::path& folder,
          const std::string& where) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& entry : tensor.external_data()) {
    if (entry.key() == "location") location = entry.value();
    if (entry.key() == "offset") offset = byteCount(entry.value(), where + ": offset");
    if (entry.key() == "length") length = byteCount(entry.value(), where + ": length");
  }
  if (location.empty()) throw Error(where + ": external data without a location");
  const std::filesystem::path relative(location);
  for (const auto& part : relative)
    if (part == "..")
      throw Error(where + ": external data location '" + location + "' leaves the model's folder");
  if (relative.is_absolute())
    throw Error(where + ": external data location '" + location +
                "' is absolute; it must be relative to the model's folder");
  const std::filesystem::path file = folder / relative;
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(where + ": cannot open its external data file " + file.string());
  in.seekg(0, std::ios::end);
  const int64_t size = in.tellg();
  if (length < 0) length = size - std::min(offset, size);
  if (offset > size || length > size - offset)
    throw Error(where + ": bytes " + std::to_string(offset) + ".." +
                std::to_string(offset + length) + " lie past the end of " + file.string() + " (" +
                std::to_string(size) + " bytes)");
  std::string bytes(static_cast<size_t>(length), '\0');
  in.seekg(offset);
  in.read(bytes.data(), length);
  if (!in) throw Error(where + ": cannot read " + file.string());
  tensor.set_raw_data(std::move(bytes));
  tensor.clear_external_data();
  tensor.set_data_location(onnx::TensorProto::DEFAULT);
}
}  // namespace

void loadExternalData(onnx::GraphProto& graph, const std::string& modelPath) {
  const std::filesystem::path folder = std::filesystem::path(modelPath).parent_path();
  for (auto& tensor : *graph.mutable_initializer())
    if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
      load(tensor, folder, modelPath + ": initializer '" + tensor.name() + "'");
}

}  // namespace twb
