#!/bin/bash
# Runs every libFuzzer target of the fuzz preset for a fixed budget: until 1,000,000 executions
# or SECONDS seconds, whichever comes first, each input limited to 10 s and 2 GiB (RSS and any
# single allocation). Seeds come from tests/fuzz/make_seeds.sh; what a target adds to its corpus
# stays in build/fuzz/corpus/TARGET, a crash's input in build/fuzz/crashes/TARGET.
# Prints one line per target (executions, seconds, executions/s, corpus, crashes) and exits 1
# when any target crashed, hung or ran out of memory.
#   cmake --preset fuzz && cmake --build --preset fuzz
#   tests/bench/fuzz.sh [SECONDS=600] [TARGET...]
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
budget=${1:-600}
shift || true
build=$root/build/fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(job_file model_spec model_file safetensors idx npy csv image onnx event_log node_requests)
[ -d "$build/seeds" ] || bash "$root/tests/fuzz/make_seeds.sh" "$build/seeds" >/dev/null

failed=0
printf '%-14s %12s %8s %10s %8s %s\n' target executions seconds "execs/s" corpus result
for target in "${targets[@]}"; do
  binary=$build/tests/fuzz/fuzz_$target
  [ -x "$binary" ] || { echo "fuzz.sh: $binary missing (cmake --build --preset fuzz)" >&2; exit 2; }
  corpus=$build/corpus/$target crashes=$build/crashes/$target
  mkdir -p "$corpus" "$crashes"
  log=$build/logs/$target.log
  mkdir -p "$(dirname "$log")"
  start=$(date +%s)
  # Earlier crashes (tests/fuzz/regressions) start the corpus too, checked under the sanitizers.
  inputs=("$corpus" "$build/seeds/$target")
  [ -d "$root/tests/fuzz/regressions/$target" ] && inputs+=("$root/tests/fuzz/regressions/$target")
  (cd "$build" && "$binary" "${inputs[@]}" -runs=1000000 \
      -max_total_time="$budget" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
      -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1)
  status=$?
  seconds=$(( $(date +%s) - start ))
  rm -rf /dev/shm/fuzz-input-* /dev/shm/fuzz-node-*  # the targets' inputs and node folder
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  result=ok
  if [ $status -ne 0 ]; then
    result="FAILED (exit $status): $(grep -m1 -E 'ERROR: |SUMMARY: ' "$log" | cut -c1-120)"
    failed=1
  fi
  printf '%-14s %12s %8s %10s %8s %s\n' "$target" "${executions:-?}" "$seconds" \
    "$(( ${executions:-0} / (seconds > 0 ? seconds : 1) ))" "$(ls "$corpus" | wc -l)" "$result"
done
exit $failed
