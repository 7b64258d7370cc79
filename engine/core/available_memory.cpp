#include "core/available_memory.h"

#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

namespace twb {
namespace {

int64_t machineAvailable() {
  std::ifstream meminfo("/proc/meminfo");
  int64_t kb = 0;
  for (std::string key; meminfo >> key;) {
    int64_t value = 0;
    meminfo >> value;
    if (key == "MemAvailable:" || key == "SwapFree:") kb += value;
    meminfo.ignore(1 << 10, '\n');
  }
  return kb * 1024;
}

// The files of the memory controller: cgroup v1 or v2.
struct ControllerFiles {
  const char* limit;
  const char* usage;
  const char* inactiveFileKey;  // page cache in memory.stat, given back under pressure
};
constexpr ControllerFiles kVersion1{"memory.limit_in_bytes", "memory.usage_in_bytes",
                                    "total_inactive_file"};
constexpr ControllerFiles kVersion2{"memory.max", "memory.current", "inactive_file"};

// v1 writes its "no limit" as a number near 2^63.
constexpr int64_t kNoLimit = int64_t{1} << 60;

// A number a cgroup file holds; empty when the file is absent or says "max".
std::optional<int64_t> readNumber(const std::string& path) {
  std::ifstream in(path);
  std::string word;
  if (!(in >> word) || word == "max") return std::nullopt;
  try {
    return std::stoll(word);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

int64_t readStat(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  for (std::string name; in >> name;) {
    int64_t value = 0;
    in >> value;
    if (name == key) return value;
  }
  return 0;
}

// This process's memory cgroup: its path as /proc/self/cgroup says it, and which version.
struct Cgroup {
  std::string path;
  bool version2 = false;
};

std::optional<Cgroup> ownCgroup() {
  std::ifstream in("/proc/self/cgroup");
  std::optional<Cgroup> unified;
  for (std::string line; std::getline(in, line);) {
    const size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    std::istringstream names(controllers);
    for (std::string name; std::getline(names, name, ',');)
      if (name == "memory") return Cgroup{path, false};  // v1 (or hybrid): the controller's own
    if (controllers.empty()) unified = Cgroup{path, true};
  }
  return unified;
}

// Where the hierarchy is mounted, and which of its cgroups that mount shows as its top.
struct Mount {
  std::string point, root;
};

std::optional<Mount> hierarchyMount(bool version2) {
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    const size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream before(line.substr(0, dash)), after(line.substr(dash + 3));
    std::string id, parent, device, root, point, type, source, options;
    before >> id >> parent >> device >> root >> point;
    after >> type >> source >> options;
    if (version2 ? type == "cgroup2"
                 : type == "cgroup" && ("," + options + ",").find(",memory,") != std::string::npos)
      return Mount{point, root};
  }
  return std::nullopt;
}

}  // namespace

AvailableMemory availableMemory() {
  AvailableMemory available;
  available.bytes = machineAvailable();
  const std::optional<Cgroup> cgroup = ownCgroup();
  if (!cgroup) return available;
  const std::optional<Mount> mount = hierarchyMount(cgroup->version2);
  if (!mount) return available;
  const ControllerFiles& files = cgroup->version2 ? kVersion2 : kVersion1;
  // The process's cgroup and each above it that the mount shows: the tightest limit holds.
  std::string path = cgroup->path;
  if (path.compare(0, mount->root.size(), mount->root) != 0) path = mount->root;
  for (;;) {
    std::string below = path.substr(mount->root == "/" ? 0 : mount->root.size());
    if (below == "/") below.clear();
    const std::string dir = mount->point + below;
    const std::optional<int64_t> limit = readNumber(dir + "/" + files.limit);
    const std::optional<int64_t> usage = readNumber(dir + "/" + files.usage);
    if (limit && usage && *limit < kNoLimit) {
      const int64_t used =
          std::max<int64_t>(0, *usage - readStat(dir + "/memory.stat", files.inactiveFileKey));
      const int64_t left = std::max<int64_t>(0, *limit - used);
      if (left < available.bytes || available.bytes == 0) {
        available.bytes = left;
        available.cgroup = path;
        available.cgroupLimit = *limit;
        available.cgroupUsed = used;
      }
    }
    if (path == mount->root || path == "/") break;
    const size_t slash = path.find_last_of('/');
    path = slash == 0 ? "/" : path.substr(0, slash);
  }
  return available;
}

int64_t peakResidentBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return int64_t{usage.ru_maxrss} * 1024;  // reported in KiB
}

}  // namespace twb
