// A job file (docs/job-file.md): JSON text, then every field checked. Rejections are twb::Error;
// anything else escaping (another exception, a sanitizer report) is a finding.
#include "core/error.h"
#include "fuzz_input.h"
#include "train/job_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    twb::JobConfig::fromJson(twb::parseJsonText(fuzzText(data, size), "job.json"), "/dev/shm");
  } catch (const twb::Error&) {
  }
  return 0;
}
