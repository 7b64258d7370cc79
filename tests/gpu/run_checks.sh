#!/bin/bash
# The CUDA backend's checks and benchmarks on a GPU machine that has the CUDA driver, cuBLASLt,
# cuDNN and PyTorch but none of the engine's Debian libraries, from a staged folder made here:
#   STAGE/twb-engine-*.tar.gz   the engine bundle (packaging/make-engine-bundle.sh), with
#                               lib/libtwb-cuda.so
#   STAGE/cuda_checks, STAGE/bench_cuda_steps, STAGE/fashion-mnist/*.xz
# Usage: tests/gpu/run_checks.sh STAGE OUT [SECONDS [BENCHMARK OPTIONS...]]
#   (logs and bench.json under OUT; the options go to tests/bench/bench_cuda.py, --cases say)
# Device time is short and a faulted CUDA context stays faulted, so every check runs in a process
# of its own under a time limit, the benchmarks get what is left of SECONDS (default 540), and a
# table of what passed, failed or was not reached comes last.
set -uo pipefail
stage=$(cd "$1" && pwd)
out=$2
deadline=$((SECONDS + ${3:-540}))
bench_options=("${@:4}")
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out" /tmp/twb-bundle
tar xzf "$stage"/twb-engine-*.tar.gz -C /tmp/twb-bundle
bundle=$(ls -d /tmp/twb-bundle/twb-engine-*-linux-x86_64)
# The dataset travels as .xz (smallest); Python's lzma unpacks it, as xz itself may be missing there.
data=/tmp/twb-fashion-mnist
mkdir -p "$data"
python3 -c 'import lzma, pathlib, sys
for f in pathlib.Path(sys.argv[1]).glob("*.xz"):
    (pathlib.Path(sys.argv[2]) / f.stem).write_bytes(lzma.open(f).read())' "$stage/fashion-mnist" "$data"
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

# Seconds left before the deadline, keeping `reserve` for what comes after.
left() { echo $((deadline - SECONDS - ${1:-0})); }

summary=()
status=0
: >"$out/checks.log"
while IFS= read -r name; do
  limit=$(left 180)  # the benchmarks keep three minutes
  ((limit > 150)) && limit=150
  if ((limit < 20)); then
    summary+=("not run   $name (no time left)")
    status=1
    continue
  fi
  start=$SECONDS
  timeout --kill-after=5 "$limit" "$stage/cuda_checks" --data "$data" --only "$name" \
    2>&1 | tee -a "$out/checks.log"
  rc=${PIPESTATUS[0]}
  case $rc in
    0) verdict="passed   " ;;
    77) verdict="skipped  " ;;
    124 | 137) verdict="TIMED OUT" ;;
    *) verdict="FAILED   " ;;
  esac
  ((rc == 0)) || status=1
  summary+=("$verdict $name ($((SECONDS - start)) s)")
  # A failure again, once, with launches synchronous and cuDNN's and cuBLASLt's errors and
  # warnings logged: what the next session needs to mend it without another device run.
  again=$(left 180)
  ((again > 60)) && again=60
  if [[ $verdict == FAILED* ]] && ((again >= 20)); then
    log="$out/logs/$(tr -c 'a-zA-Z0-9\n' - <<<"$name")"
    mkdir -p "$out/logs"
    CUDA_LAUNCH_BLOCKING=1 CUDNN_LOGLEVEL_DBG=2 CUDNN_LOGDEST_DBG="$log.cudnn.log" \
      CUBLASLT_LOG_LEVEL=2 CUBLASLT_LOG_FILE="$log.cublaslt.log" \
      timeout --kill-after=5 "$again" "$stage/cuda_checks" --data "$data" \
      --only "$name" >"$log.log" 2>&1
    summary+=("          again with the libraries' logs: $log.*")
  fi
done < <("$stage/cuda_checks" --list)

bench_limit=$(left 5)
if ((bench_limit >= 30)); then
  PYTHONUNBUFFERED=1 timeout --kill-after=5 "$bench_limit" python3 "$here/../bench/bench_cuda.py" \
    --steps-binary "$stage/bench_cuda_steps" --rounds 2 --json "$out/bench.json" "${bench_options[@]}" 2>&1 |
    tee "$out/bench.log"
  rc=${PIPESTATUS[0]}
  ((rc == 124 || rc == 137)) && summary+=("TIMED OUT benchmarks after $bench_limit s (bench.json holds the finished cases)")
  ((rc == 0)) || status=1
else
  summary+=("not run   benchmarks (no time left)")
  status=1
fi

echo
echo "== GPU checks ($SECONDS s) =="
printf '%s\n' "${summary[@]}"
[ -f "$out/bench.json" ] && python3 "$here/../bench/bench_cuda.py" --table "$out/bench.json"
exit $status
