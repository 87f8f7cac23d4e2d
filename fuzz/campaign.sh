#!/usr/bin/env bash
# Runs each fuzz target for at least RUNS executions (default ten million), on two workers that
# share one working corpus, and prints the executions each worker completed. TARGETS picks the
# targets; MAX_LEN bounds the input size (roundtrip is about four times faster at 256). Without a
# sanitizer: the library forbids unsafe code, and panics, arithmetic overflow (debug assertions
# are on) and stack exhaustion are caught without one. Crashes land in fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-10000000}
per_worker=$(( (RUNS + 1) / 2 ))
./seed.sh >/dev/null
export RUSTC_BOOTSTRAP=1
cargo fuzz build -s none >/dev/null
for target in ${TARGETS:-parse roundtrip eval}; do
  mkdir -p "corpus/$target" "logs"
  for worker in 1 2; do
    cargo fuzz run -s none "$target" "corpus/$target" -- -dict=azcond.dict -max_len="${MAX_LEN:-1024}" \
      -runs="$per_worker" -print_final_stats=1 > "logs/$target-$worker.log" 2>&1 &
  done
  wait
  for worker in 1 2; do
    echo "$target worker $worker: $(grep -E 'stat::number_of_executed_units' "logs/$target-$worker.log" | awk '{print $2}') executions, $(grep -cE 'panicked|ERROR: libFuzzer' "logs/$target-$worker.log") failures"
  done
done
