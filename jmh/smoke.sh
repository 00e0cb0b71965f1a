#!/usr/bin/env bash
# CI smoke test of the benchmark module: builds it and runs ONE one-second iteration each of the
# lock path (LockBench.hotKey) and the queue cycle (QueueBench.cycle) on atomic-db (rocks), its
# raw baseline and one competitor (sqlite): about 6 s of measurement, well under a minute in all.
# Fails if any of them breaks, and not only on exceptions: each benchmark checks its results at
# the end (lock path: at least one update committed, at most 1% refused on this single thread,
# every stored counter and version equal to its committed updates; queue: every pull the oldest
# entry, every ack accepted, the backlog intact) and throws otherwise, which -foe turns into a
# failed run; this script then checks that every benchmark reported a score and its check line.
set -euo pipefail
cd "$(dirname "$0")/.."
jmh/build.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
JMH=(java -jar jmh/target/benchmarks.jar -wi 0 -i 1 -r 1s -f 1 -foe true)
run() {
  local name=$1
  shift
  "${JMH[@]}" "$@" -rf json -rff "$out/$name.json" > "$out/$name.log" 2>&1 || {
    tail -40 "$out/$name.log" >&2
    echo "smoke: $name failed" >&2
    exit 1
  }
}
run lock 'LockBench\.hotKey$' -p impl=rawTxn,rocks,sqlite
run queue 'QueueBench\.cycle$' -p impl=rawQueue,rocks,sqlite
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
want = {("lock", "lock path checked:"): 3, ("queue", "queue checked:"): 3}
for (name, line), n in want.items():
    rows = json.load(open(f"{out}/{name}.json"))
    scores = [r["primaryMetric"]["score"] for r in rows]
    checks = sum(l.startswith(line) for l in open(f"{out}/{name}.log"))
    if len(rows) != n or not all(s > 0 for s in scores) or checks != n:
        sys.exit(f"smoke: {name}: {len(rows)} results (want {n}), scores {scores}, "
                 f"{checks} '{line}' lines (want {n})")
PY
python3 jmh/table.py --no-targets "$out/lock.json" "$out/queue.json"
