#include "dist/shared_memory_group.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <thread>
#include <vector>

#include "dist/comm_abort.h"
#include "dist/communicator.h"

namespace twb {

namespace {
using Clock = std::chrono::steady_clock;
constexpr uint32_t kMagic = 0x74776273;  // "twbs": the creator has finished setting up
constexpr int kSpins = 2000;             // a short spin first: most waits are brief
constexpr auto kAbortCheck = std::chrono::milliseconds(100);

int futex(std::atomic<uint32_t>* word, int op, uint32_t value, const timespec* timeout) {
  return static_cast<int>(
      ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, value, timeout, nullptr, 0));
}

size_t pageAligned(size_t bytes) { return (bytes + 4095) / 4096 * 4096; }
}  // namespace

struct SharedMemoryGroup::Header {
  std::atomic<uint32_t> magic;
  std::atomic<uint32_t> arrived;
  std::atomic<uint32_t> generation;
};

SharedMemoryGroup::SharedMemoryGroup(const std::string& name, int localRank, int localSize,
                                     size_t slotFloats, std::chrono::milliseconds timeout,
                                     bool withResult)
    : m_localRank(localRank), m_localSize(localSize), m_slotFloats(slotFloats), m_timeout(timeout) {
  m_bytes = segmentBytes(localSize, slotFloats, withResult);
  const auto deadline = Clock::now() + timeout;
  const std::string where = "rank-local " + std::to_string(localRank) + " of " +
                            std::to_string(localSize) + " on this machine";
  int fd = -1;
  if (localRank == 0) {
    ::shm_unlink(name.c_str());  // left by a killed job of the same name (none should be)
    fd = ::shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(m_bytes)) != 0)
      throw CommError(where + ": cannot create shared memory " + name + ": " +
                      std::strerror(errno));
    // Reserved now: a full /dev/shm is this error, not a SIGBUS at the first reduction.
    if (const int error = ::posix_fallocate(fd, 0, static_cast<off_t>(m_bytes))) {
      ::close(fd);
      ::shm_unlink(name.c_str());
      throw CommError(where + ": cannot reserve " + std::to_string(m_bytes >> 20) +
                      " MiB of shared memory in /dev/shm: " + std::strerror(error));
    }
  } else {
    // Rank 0 may not have created it yet.
    while ((fd = ::shm_open(name.c_str(), O_RDWR | O_CLOEXEC, 0600)) < 0) {
      if (Clock::now() > deadline)
        throw CommError(where + ": the shared memory of this machine's ranks (" + name +
                        ") did not appear: local rank 0 did not start");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    struct stat st {};
    while (::fstat(fd, &st) == 0 && static_cast<size_t>(st.st_size) < m_bytes) {
      if (Clock::now() > deadline) {
        ::close(fd);
        throw CommError(where + ": shared memory " + name + " has the wrong size");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  m_base = ::mmap(nullptr, m_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (m_base == MAP_FAILED)
    throw CommError(where + ": cannot map shared memory " + name + ": " + std::strerror(errno));
  m_header = static_cast<Header*>(m_base);
  if (localRank == 0) {
    m_header->arrived.store(0);
    m_header->generation.store(0);
    m_header->magic.store(kMagic, std::memory_order_release);
  }
  while (m_header->magic.load(std::memory_order_acquire) != kMagic) {
    if (Clock::now() > deadline)
      throw CommError(where + ": shared memory " + name + " was never set up");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  barrier();  // everyone has it mapped: the name can go
  if (localRank == 0) ::shm_unlink(name.c_str());
}

size_t SharedMemoryGroup::segmentBytes(int localSize, size_t slotFloats, bool withResult) {
  return pageAligned(sizeof(Header)) + static_cast<size_t>(localSize + (withResult ? 1 : 0)) *
                                           pageAligned(slotFloats * sizeof(float));
}

SharedMemoryGroup::~SharedMemoryGroup() {
  if (m_base) ::munmap(m_base, m_bytes);
}

float* SharedMemoryGroup::slot(int localRank) const {
  const size_t offset = pageAligned(sizeof(Header)) +
                        static_cast<size_t>(localRank) * pageAligned(m_slotFloats * sizeof(float));
  return reinterpret_cast<float*>(static_cast<char*>(m_base) + offset);
}

float* SharedMemoryGroup::result() const { return slot(m_localSize); }

void SharedMemoryGroup::barrier() {
  if (m_abort) m_abort->check();
  const uint32_t generation = m_header->generation.load(std::memory_order_acquire);
  if (m_header->arrived.fetch_add(1, std::memory_order_acq_rel) + 1 ==
      static_cast<uint32_t>(m_localSize)) {
    m_header->arrived.store(0, std::memory_order_relaxed);
    m_header->generation.fetch_add(1, std::memory_order_release);
    futex(&m_header->generation, FUTEX_WAKE, INT_MAX, nullptr);
    return;
  }
  for (int i = 0; i < kSpins; ++i)
    if (m_header->generation.load(std::memory_order_acquire) != generation) return;
  const auto deadline = Clock::now() + m_timeout;
  while (m_header->generation.load(std::memory_order_acquire) == generation) {
    if (m_abort) m_abort->check();
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero())
      throw CommError("rank-local " + std::to_string(m_localRank) +
                      ": the other ranks of this "
                      "machine did not reach the shared-memory barrier within " +
                      std::to_string(m_timeout.count() / 1000.0).substr(0, 4) +
                      " s (one died or hangs)");
    // In slices, so that a raised abort is seen within one.
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::min<Clock::duration>(left, kAbortCheck))
                        .count();
    const timespec wait{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
    futex(&m_header->generation, FUTEX_WAIT, generation, &wait);
  }
}

int rankShortOfSharedMemory(Communicator& world, size_t bytes) {
  struct statvfs fs {};
  const double freeBytes =
      ::statvfs("/dev/shm", &fs) == 0 ? static_cast<double>(fs.f_bavail) * fs.f_frsize : 0;
  std::vector<float> tooSmall(static_cast<size_t>(world.size()), 0.f);
  tooSmall[static_cast<size_t>(world.rank())] = freeBytes < static_cast<double>(bytes) ? 1.f : 0.f;
  world.allReduceSum(tooSmall.data(), tooSmall.size());
  const auto first = std::find(tooSmall.begin(), tooSmall.end(), 1.f);
  return first == tooSmall.end() ? -1 : static_cast<int>(first - tooSmall.begin());
}

}  // namespace twb
