#!/bin/bash
# The CUDA backend's checks and benchmarks on a GPU machine that has the CUDA driver, cuBLASLt
# and PyTorch but none of the engine's Debian libraries, from a staged folder made here:
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
# The bundle's libraries serve the test programs too; cuBLASLt comes from the node.
lt=$(ldconfig -p | grep -o '/.*libcublasLt.so.13$' | head -1)
[ -n "$lt" ] || lt=$(find /usr/local/cuda/ /usr/local/cuda*/ /opt /usr/lib -name 'libcublasLt.so.13' 2>/dev/null | head -1)
export LD_LIBRARY_PATH="$bundle/lib${lt:+:$(dirname "$lt")}"
export TWB_CUDA_BACKEND="$bundle/lib/libtwb-cuda.so"
echo "cuBLASLt: ${lt:-not found}"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm --format=csv
"$bundle/bin/twb-engine" info 2>&1 | tee "$out/info.txt"
status=0
"$stage/cuda_checks" --data "$stage/fashion-mnist" 2>&1 | tee "$out/checks.log" || status=1
PYTHONUNBUFFERED=1 python3 "$(dirname "$0")/../bench/bench_cuda.py" \
  --steps-binary "$stage/bench_cuda_steps" --rounds 2 --json "$out/bench.json" 2>&1 |
  tee "$out/bench.log" || status=1
exit $status
