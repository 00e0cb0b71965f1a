#!/usr/bin/env bash
# Quick selection of the atomic-db benchmarks, with the competitors (sqlite, lmdb; tape for the
# queue) in the lock and queue groups: about 13 minutes on 2 cores (1 fork, 3 x 1 s warmup,
# 3 x 1 s measurement per benchmark). Builds the jar if it is missing or older than a
# source, writes JMH JSON and logs to jmh/results/quick-<time>/, and prints every score with its
# ratio to the baseline measured in the same run (jmh/table.py), then the targets.
#
#   jmh/run-quick.sh                 # from the repository root or anywhere
#   ATOMICDB_JMH_DIR=/data jmh/run-quick.sh   # put the stores there (default: java.io.tmpdir;
#                                             # must be a real disk for DurabilityBench)
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=jmh/target/benchmarks.jar
if [ ! -f "$JAR" ] || [ -n "$(find pom.xml src jmh/pom.xml jmh/src -newer "$JAR" -print -quit)" ]; then
  jmh/build.sh
fi
OUT=${OUT:-jmh/results/quick-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
JMH=(java -jar "$JAR" -f 1 -wi 3 -w 1s -i 3 -r 1s -foe true)
if [ -n "${ATOMICDB_JMH_DIR:-}" ]; then
  JMH+=(-jvmArgsPrepend "-Datomicdb.jmh.dir=$ATOMICDB_JMH_DIR")
fi

run() {
  local name=$1
  shift
  echo "== $name: $*"
  "${JMH[@]}" "$@" -rf json -rff "$OUT/$name.json" > "$OUT/$name.log" 2>&1 || {
    echo "benchmark group $name failed; see $OUT/$name.log" >&2
    tail -30 "$OUT/$name.log" >&2
    exit 1
  }
}

start=$(date +%s)
run lock-scaling 'LockBench\.(hotKey|distinctKeys2)$' -p impl=rawBatch,rawTxn,memory,rocks,cacheOverRocks,sqlite,lmdb
run lock-keys 'LockBench\.(uniform10k|zipf10k|contended2|contended4)$' -p impl=rawTxn,rocks,cacheOverRocks,sqlite,lmdb
run queue 'QueueBench\.' -p impl=rawQueue,memory,rocks,sqlite,lmdb,tape
run backlog 'QueueBacklogBench\.' -p impl=rawQueue,memory,rocks
run reads 'ReadBench\.' -p impl=raw,memory,rocks,cacheOverRocks
run durability 'DurabilityBench\.' -p impl=rawQueue,rocks
echo "== done in $(( $(date +%s) - start )) s; results in $OUT"
echo
python3 jmh/table.py "$OUT"/*.json | tee "$OUT/table.txt"
python3 jmh/table.py --markdown "$OUT"/*.json > "$OUT/table.md"
