#!/usr/bin/env bash
# CI smoke test of the benchmark module: builds it and runs ONE one-second iteration of one
# benchmark (the lock path on AtomicRocksDb against its raw baseline). Fails if either breaks.
set -euo pipefail
cd "$(dirname "$0")/.."
jmh/build.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
java -jar jmh/target/benchmarks.jar 'LockBench\.hotKey$' -p impl=rawTxn,rocks \
  -wi 0 -i 1 -r 1s -f 1 -foe true -rf json -rff "$out/smoke.json" > "$out/smoke.log" 2>&1 || {
  tail -40 "$out/smoke.log" >&2
  exit 1
}
python3 jmh/table.py --no-targets "$out/smoke.json"
