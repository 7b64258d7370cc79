#!/bin/bash
# Stages what tests/gpu/run_checks.sh needs on a GPU machine, from this machine's release build:
# the engine bundle (with the CUDA backend), the two GPU programs and Fashion-MNIST.
#   tests/gpu/stage.sh STAGE     (then, there: tests/gpu/run_checks.sh STAGE OUT)
# Built here with the CUDA toolkit under /usr/local/cuda; the GPU machine's driver, cuBLASLt and
# cuDNN serve it there.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
stage=$1
build=$root/build/release
mkdir -p "$stage/fashion-mnist"
rm -f "$stage"/twb-engine-*.tar.gz
[ -f "$build/engine/libtwb-cuda.so" ] || { echo "stage: $build has no CUDA backend" >&2; exit 1; }
"$root/packaging/make-engine-bundle.sh" "$build/engine/twb-engine" "$stage" >/dev/null
cp "$build/tests/cuda_checks" "$build/tests/bench_cuda_steps" "$stage/"
cp /usr/share/datasets/fashion-mnist/*.gz "$stage/fashion-mnist/"
du -sh "$stage"
