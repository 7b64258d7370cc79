#!/bin/bash
# The CUDA backend's checks and benchmarks on a GPU machine that has the CUDA driver, cuBLASLt,
# cuDNN and PyTorch but none of the engine's Debian libraries, from a staged folder made here:
#   STAGE/twb-engine-*.tar.gz   the engine bundle (packaging/make-engine-bundle.sh), with
#                               lib/libtwb-cuda.so
#   STAGE/cuda_checks, STAGE/bench_cuda_steps, STAGE/fashion-mnist/*.gz
# Usage: tests/gpu/run_checks.sh STAGE OUT   (logs and bench.json under OUT)
set -uo pipefail
stage=$(cd "$1" && pwd)
out=$2
mkdir -p "$out" /tmp/twb-bundle
tar xzf "$stage"/twb-engine-*.tar.gz -C /tmp/twb-bundle
bundle=$(ls -d /tmp/twb-bundle/twb-engine-*-linux-x86_64)
# The bundle's libraries serve the test programs too; cuBLASLt and cuDNN come from the node
# (the CUDA toolkit's folders, or the nvidia-* wheels under Python's site-packages).
find_library() {
  ldconfig -p | grep -o "/.*$1\$" | head -1 | grep . ||
    find /usr/local/cuda/ /usr/local/cuda*/ /opt /usr/lib /usr/local/lib -name "$1" 2>/dev/null | head -1
}
lt=$(find_library libcublasLt.so.13)
dnn=$(find_library libcudnn.so.9)
export LD_LIBRARY_PATH="$bundle/lib${lt:+:$(dirname "$lt")}${dnn:+:$(dirname "$dnn")}"
export TWB_CUDA_BACKEND="$bundle/lib/libtwb-cuda.so"
echo "cuBLASLt: ${lt:-not found}; cuDNN: ${dnn:-not found}"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm --format=csv
"$bundle/bin/twb-engine" info 2>&1 | tee "$out/info.txt"
status=0
"$stage/cuda_checks" --data "$stage/fashion-mnist" 2>&1 | tee "$out/checks.log" || status=1
PYTHONUNBUFFERED=1 python3 "$(dirname "$0")/../bench/bench_cuda.py" \
  --steps-binary "$stage/bench_cuda_steps" --rounds 2 --json "$out/bench.json" 2>&1 |
  tee "$out/bench.log" || status=1
exit $status
