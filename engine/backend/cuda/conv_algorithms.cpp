#include "backend/cuda/conv_algorithms.h"

#include <cuda_runtime.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "backend/cuda/cuda_check.h"

namespace twb::gpu {

namespace {

// The file, open and locked for as long as this lives; fd -1 where it cannot be opened.
class LockedFile {
 public:
  explicit LockedFile(const std::string& path) {
    std::error_code ignored;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
    m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd >= 0 && ::flock(m_fd, LOCK_EX) != 0) {
      ::close(m_fd);
      m_fd = -1;
    }
  }
  ~LockedFile() {
    if (m_fd >= 0) ::close(m_fd);  // closing lets go of the lock
  }
  LockedFile(const LockedFile&) = delete;
  LockedFile& operator=(const LockedFile&) = delete;

  // The file's choices; empty when it is new or not JSON (cut short by a crash, say).
  nlohmann::json read() const {
    std::string text;
    char chunk[4096];
    for (ssize_t got; m_fd >= 0 && (got = ::pread(m_fd, chunk, sizeof chunk,
                                                  static_cast<off_t>(text.size()))) > 0;)
      text.append(chunk, static_cast<size_t>(got));
    nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
    return doc.is_object() ? doc : nlohmann::json::object();
  }

  void write(const nlohmann::json& doc) const {
    const std::string text = doc.dump(1) + "\n";
    if (m_fd < 0 || ::ftruncate(m_fd, 0) != 0) return;
    for (size_t at = 0; at < text.size();) {
      const ssize_t put =
          ::pwrite(m_fd, text.data() + at, text.size() - at, static_cast<off_t>(at));
      if (put <= 0) return;
      at += static_cast<size_t>(put);
    }
  }

 private:
  int m_fd = -1;
};

}  // namespace

ConvAlgorithm rememberedChoice(const std::string& file, const std::string& key,
                               const std::function<ConvAlgorithm()>& time) {
  static std::mutex mutex;
  static std::map<std::string, ConvAlgorithm> chosen;  // this process's, by file and key
  const std::lock_guard<std::mutex> lock(mutex);
  const std::string memoKey = file + "\n" + key;
  if (const auto it = chosen.find(memoKey); it != chosen.end()) return it->second;

  ConvAlgorithm choice;
  if (file.empty()) {
    choice = time();
  } else {
    const LockedFile locked(file);
    nlohmann::json doc = locked.read();
    const nlohmann::json& kept = doc.value(key, nlohmann::json());
    if (kept.is_array() && kept.size() == 2 && kept[0].is_number_integer() &&
        kept[1].is_number_integer()) {
      choice = {kept[0].get<int>(), static_cast<cudnnMathType_t>(kept[1].get<int>())};
    } else {
      choice = time();
      doc[key] = {choice.algo, static_cast<int>(choice.math)};
      locked.write(doc);
    }
  }
  chosen[memoKey] = choice;
  return choice;
}

std::string timingPlatform(int device) {
  cudaDeviceProp properties{};
  TWB_CUDA(cudaGetDeviceProperties(&properties, device));
  int driver = 0;  // a driver update may change the kernels cuDNN launches, and their speed
  TWB_CUDA(cudaDriverGetVersion(&driver));
  return std::string(properties.name) + ", driver " + std::to_string(driver) + ", cuDNN " +
         std::to_string(cudnnGetVersion());
}

}  // namespace twb::gpu
