#!/bin/bash
# Runs the benchmarks of issue 11 (queue, lock path, synced producers) RUNS times in a row and
# keeps each run's JMH JSON in OUT/runN/; then prints the targets (jmh/targets.py) over them.
# usage: bash jmh/hot-paths.sh OUT [RUNS=3]     (after bash jmh/build.sh; ~8 min per run)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: jmh/hot-paths.sh OUT [RUNS]}
runs=${2:-3}
jar=jmh/target/benchmarks.jar
[ -f "$jar" ] || { echo "build first: bash jmh/build.sh" >&2; exit 1; }
# 4 x 2 s of warmup: the library's paths need about 6-8 s of C2 compilation on 2 cores before they run
# at their steady speed (with 2 x 1 s the measurement caught the library, not the small raw
# baselines, still compiling); the same for every store. The forks also pre-touch their heap
# (-XX:+AlwaysPreTouch in each benchmark's @Fork): on this VM, first-touch page faults halved the
# library's lock path for its first ~15 s, since it allocates more per operation than the raw code.
opts=(-f 1 -wi 4 -w 2s -i 4 -r 1s -rf json)
for n in $(seq 1 "$runs"); do
  d="$out/run$n"
  mkdir -p "$d"
  echo "== run $n of $runs ($(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg))"
  java -jar "$jar" 'QueueBench\.(push|cycle|cycle2Consumers|cycle4Consumers)$' \
    -p impl=rawQueue,rawIndexed,rocks,sqlite,lmdb "${opts[@]}" -rff "$d/queue.json" > "$d/queue.log" 2>&1
  java -jar "$jar" 'LockBench\.(hotKey|uniform10k|zipf10k)$' \
    -p impl=rawTxn,rocks,sqlite,lmdb "${opts[@]}" -rff "$d/lock.json" > "$d/lock.log" 2>&1
  java -jar "$jar" 'DurabilityBench\.' -p impl=rawQueue,rocks -p queues=shared \
    -f 1 -wi 2 -w 2s -i 3 -r 1s -rf json -rff "$d/dur.json" > "$d/dur.log" 2>&1
done
python3 jmh/targets.py "$out"/run*
