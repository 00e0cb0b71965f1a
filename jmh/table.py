#!/usr/bin/env python3
"""Prints JMH JSON results (-rf json) of the atomic-db benchmarks as a table of scores, each with
its ratio to the baseline measured in the same run (LockBench: rawTxn, the queue benchmarks:
rawQueue) and to atomic-db on RocksDB (rocks), then the issue-6 targets. The kind column tells
the raw baselines, atomic-db and the competitors (sqlite, lmdb, tape) apart; rows of one
benchmark sit together, so a competitor's ratios read beside atomic-db's.

usage: python3 jmh/table.py results/*.json [--markdown] [--no-targets]
"""
import json
import sys

# The baseline implementation of each benchmark class (same method, same other parameters).
BASELINE = {
    "LockBench": "rawTxn",
    "QueueBench": "rawQueue",
    "QueueBacklogBench": "rawQueue",
    "ReadBench": "raw",
    "DurabilityBench": "rawQueue",
}
ORDER = ["LockBench", "QueueBench", "QueueBacklogBench", "ReadBench", "DurabilityBench"]
IMPL_ORDER = ["rawBatch", "rawTxn", "rawQueue", "rawIndexed", "raw", "memory", "rocks", "cacheOverRocks",
              "sqlite", "lmdb", "tape"]
BASELINES = {"rawBatch", "rawTxn", "rawQueue", "rawIndexed", "raw"}
LIBRARY = {"memory", "rocks", "cacheOverRocks"}


def kind(impl):
    if impl in BASELINES:
        return "raw"
    return "atomic-db" if impl in LIBRARY else "competitor"


def load(paths):
    rows = []
    for p in paths:
        with open(p) as f:
            for r in json.load(f):
                cls, method = r["benchmark"].split(".")[-2:]
                params = dict(r.get("params", {}))
                impl = params.pop("impl", "")
                pm = r["primaryMetric"]
                rows.append({
                    "cls": cls, "method": method, "impl": impl,
                    "other": tuple(sorted(params.items())),
                    "threads": r.get("threads", 1),
                    "score": pm["score"], "error": pm.get("scoreError"),
                    "unit": pm["scoreUnit"],
                    "aux": {k: v["score"] for k, v in r.get("secondaryMetrics", {}).items()
                            if k != "cpuNanos"},
                    "cpu": cpu_per_op(r),
                })
    return rows


def cpu_per_op(r):
    """CPU ns of the benchmark threads per operation (CpuMeter), or None."""
    c = r.get("secondaryMetrics", {}).get("cpuNanos")
    s = r["primaryMetric"]["score"]
    if not c or not s or r["primaryMetric"]["scoreUnit"] != "ops/s":
        return None
    return c["score"] / s


def find(rows, cls, method, impl, **other):
    want = tuple(sorted((k, str(v)) for k, v in other.items()))
    for r in rows:
        if r["cls"] == cls and r["method"] == method and r["impl"] == impl:
            if all(item in r["other"] for item in want):
                return r
    return None


def fmt(x):
    if not isinstance(x, (int, float)) or x != x:
        return "-"
    return f"{x:,.0f}" if x >= 100 else f"{x:,.2f}"


def ratio(a, b):
    if a is None or b is None or not b["score"]:
        return None
    return a["score"] / b["score"]


def cpu_ratio(a, b):
    """Baseline CPU per op over this one's: > 1 means cheaper, like a throughput ratio."""
    if a is None or b is None or not a["cpu"] or not b["cpu"]:
        return None
    return b["cpu"] / a["cpu"]


def rfmt(x):
    return "-" if x is None else f"{x:.2f}x"


def table(rows, md):
    head = ["benchmark", "params", "thr", "impl", "kind", "ops/s", "± err", "vs baseline", "vs rocks",
            "cpu µs/op", "cpu vs baseline", "secondary"]
    out = []
    key = lambda r: (ORDER.index(r["cls"]) if r["cls"] in ORDER else 99, r["cls"], r["method"],
                     r["other"], IMPL_ORDER.index(r["impl"]) if r["impl"] in IMPL_ORDER else 99)
    for r in sorted(rows, key=key):
        base = BASELINE.get(r["cls"])
        b = find(rows, r["cls"], r["method"], base, **dict(r["other"])) if base else None
        rk = find(rows, r["cls"], r["method"], "rocks", **dict(r["other"]))
        aux = ", ".join(f"{k} {fmt(v)}/s" for k, v in sorted(r["aux"].items()))
        out.append([f'{r["cls"]}.{r["method"]}',
                    " ".join(f"{k}={v}" for k, v in r["other"]) or "-",
                    str(r["threads"]), r["impl"], kind(r["impl"]), fmt(r["score"]), fmt(r["error"]),
                    "(baseline)" if r["impl"] == base else rfmt(ratio(r, b)),
                    "" if r["impl"] == "rocks" or rk is None else rfmt(ratio(r, rk)),
                    "-" if r["cpu"] is None else f'{r["cpu"] / 1000:,.2f}',
                    "(baseline)" if r["impl"] == base else rfmt(cpu_ratio(r, b)),
                    aux])
    print_table(head, out, md)


def print_table(head, out, md):
    if md:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" for _ in head) + "|")
        for o in out:
            print("| " + " | ".join(o) + " |")
    else:
        w = [max(len(h), *(len(o[i]) for o in out)) if out else len(h) for i, h in enumerate(head)]
        print("  ".join(h.ljust(w[i]) for i, h in enumerate(head)))
        for o in out:
            print("  ".join(c.ljust(w[i]) if i in (0, 1, 3, 4) or i == len(o) - 1 else c.rjust(w[i])
                            for i, c in enumerate(o)))


def targets(rows, md):
    checks = [
        ("lock path, 1 thread, hot key: rocks / rawTxn", 0.85,
         find(rows, "LockBench", "hotKey", "rocks"), find(rows, "LockBench", "hotKey", "rawTxn")),
        ("lock path, 1 thread, 10k uniform: rocks / rawTxn", 0.85,
         find(rows, "LockBench", "uniform10k", "rocks"), find(rows, "LockBench", "uniform10k", "rawTxn")),
        ("queue cycle, 1 thread: rocks / rawQueue", 0.5,
         find(rows, "QueueBench", "cycle", "rocks"), find(rows, "QueueBench", "cycle", "rawQueue")),
        ("get hit: cacheOverRocks / rocks", 10,
         find(rows, "ReadBench", "getHit", "cacheOverRocks"), find(rows, "ReadBench", "getHit", "rocks")),
        ("syncWrites queue cycle, queue per producer: 4 producers / 1 (rocks)", 3,
         find(rows, "DurabilityBench", "cycle4Producers", "rocks", queues="perThread"),
         find(rows, "DurabilityBench", "cycle1Producer", "rocks", queues="perThread")),
        ("syncWrites queue cycle, one shared queue: 4 producers / 1 (rocks)", 3,
         find(rows, "DurabilityBench", "cycle4Producers", "rocks", queues="shared"),
         find(rows, "DurabilityBench", "cycle1Producer", "rocks", queues="shared")),
        ("lock path, 2 threads distinct keys / 1 thread (rocks)", 1.5,
         find(rows, "LockBench", "distinctKeys2", "rocks"), find(rows, "LockBench", "hotKey", "rocks")),
    ]
    info = [
        ("same, raw: syncWrites raw queue, queue per producer: 4 / 1",
         find(rows, "DurabilityBench", "cycle4Producers", "rawQueue", queues="perThread"),
         find(rows, "DurabilityBench", "cycle1Producer", "rawQueue", queues="perThread")),
        ("same, raw: rawTxn 2 threads distinct keys / 1 thread",
         find(rows, "LockBench", "distinctKeys2", "rawTxn"), find(rows, "LockBench", "hotKey", "rawTxn")),
    ]
    for impl in IMPL_ORDER:
        a = find(rows, "QueueBacklogBench", "pullAckPush", impl, inFlight=1000)
        b = find(rows, "QueueBacklogBench", "pullAckPush", impl, inFlight=0)
        if a and b:
            info.append((f"backlog 100k: 1000 in flight / 0 in flight ({impl}), ~1.0 = free", a, b))
    print()
    head = ["target", "ratio", "cpu ratio", "wanted", "met (throughput)"]
    out = []
    for name, want, a, b in checks:
        r = ratio(a, b)
        out.append([name, rfmt(r), rfmt(cpu_ratio(a, b)), f">= {want}x",
                    "-" if r is None else ("yes" if r >= want else "NO")])
    for name, a, b in info:
        out.append([name, rfmt(ratio(a, b)), rfmt(cpu_ratio(a, b)), "(info)", ""])
    print_table(head, out, md)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    md = "--markdown" in sys.argv
    if not args:
        sys.exit(__doc__)
    rows = load(args)
    table(rows, md)
    if "--no-targets" not in sys.argv:
        targets(rows, md)


if __name__ == "__main__":
    main()
