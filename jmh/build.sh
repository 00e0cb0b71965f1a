#!/usr/bin/env bash
# Builds jmh/target/benchmarks.jar from this checkout (library first, then the benchmarks), and
# checks that the jar really holds this checkout's library classes: ~/.m2 may be shared, and
# another checkout installing the same SNAPSHOT in between would otherwise go unnoticed.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -Dstyle.color=never install -DskipTests
mvn -q -B -Dstyle.color=never -f jmh/pom.xml package
cls=io/github/atomicdb/EngineDb.class
if [ "$(unzip -p jmh/target/benchmarks.jar "$cls" | sha256sum)" != "$(sha256sum < "src/target/classes/$cls")" ]; then
  echo "benchmarks.jar does not hold this checkout's library (SNAPSHOT in ~/.m2 replaced meanwhile?); run again" >&2
  exit 1
fi
