#!/usr/bin/env bash
# Memory check (issue 6): 1,000,000 items of ~100 bytes in AtomicRocksDb; prints heap used after
# GC (limit 64 MiB, exit 1 if over; the heap is also capped at 64 MiB, so the run itself proves
# it) and the process RSS against the block cache and memtables.
#   jmh/memcheck.sh [items]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f jmh/target/benchmarks.jar ] || jmh/build.sh
exec java -Xms64m -Xmx64m -XX:+AlwaysPreTouch -cp jmh/target/benchmarks.jar io.github.atomicdb.jmh.MemCheck "$@"
