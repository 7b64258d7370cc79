#!/bin/bash
# Stages what tests/gpu/run_checks.sh needs on a GPU machine, from this machine's release build:
# the engine bundle (with the CUDA backend), the two GPU programs and Fashion-MNIST (as .xz).
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
# xz rather than gzip: 4 MB less, which keeps the stage and the working tree under the 64 MiB a
# device call carries.
rm -f "$stage"/fashion-mnist/*
for f in /usr/share/datasets/fashion-mnist/*.gz; do
  zcat "$f" | xz -9 -T2 >"$stage/fashion-mnist/$(basename "$f" .gz).xz"
done
# A device call carries the working tree (tracked files and those git does not ignore) and the
# stage together, 64 MiB at most. One du for every file (xargs may split the list into several
# du runs, each with its own total); a tracked file deleted here is not carried.
tree=$(cd "$root" && git ls-files -z --cached --others --exclude-standard |
  { du -cb --files0-from=- 2>/dev/null || true; } | tail -1 | cut -f1)
staged=$(du -sb "$stage" | cut -f1)
total=$(((tree + staged) / 1048576))
echo "stage: $((staged / 1048576)) MiB, with the working tree $total MiB of the 64 a device call carries"
((total < 64)) || { echo "stage: too large to carry" >&2; exit 1; }
