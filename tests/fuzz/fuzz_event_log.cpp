// A job's event log as the node service reads it (JSON lines, a torn or corrupt line skipped).
#include "core/error.h"
#include "fuzz_input.h"
#include "rpc/event_log_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = writeFuzzInput(data, size, ".jsonl");
  try {
    twb::EventLogReader(path).readNew(0);
    twb::lastStateEvent(path);
    twb::lastEventSeq(path);
  } catch (const twb::Error&) {
  }
  return 0;
}
