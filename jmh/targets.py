#!/usr/bin/env python3
"""The targets of issue 11 (hot paths) over several runs of jmh/hot-paths.sh: each ratio is taken
within one run (library and baseline measured in the same JVM session of JMH, minutes apart),
then the median over the runs is compared with the target.

usage: python3 jmh/targets.py RUN_DIR... [--markdown]
       (each RUN_DIR holds queue.json, lock.json and dur.json of one run)
"""
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from table import print_table  # noqa: E402  (jmh/table.py)


def load(run):
    rows = {}
    for name in ("queue.json", "lock.json", "dur.json"):
        path = os.path.join(run, name)
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for r in json.load(f):
                method = r["benchmark"].split(".")[-2] + "." + r["benchmark"].split(".")[-1]
                params = dict(r.get("params", {}))
                impl = params.pop("impl", "")
                key = (method, impl) + tuple(sorted(params.items()))
                rows[key] = r["primaryMetric"]["score"]
    return rows


def score(rows, method, impl, **params):
    return rows.get((method, impl) + tuple(sorted((k, str(v)) for k, v in params.items())))


def div(a, b):
    return None if a is None or b is None or not b else a / b


# (name, wanted, function of one run's rows -> ratio)
TARGETS = [
    ("queue cycle, 1 thread: rocks / rawQueue", 0.8,
     lambda r: div(score(r, "QueueBench.cycle", "rocks"), score(r, "QueueBench.cycle", "rawQueue"))),
    ("queue cycle: rocks / SQLite", 2.0,
     lambda r: div(score(r, "QueueBench.cycle", "rocks"), score(r, "QueueBench.cycle", "sqlite"))),
    ("queue cycle: rocks / LMDB", 0.8,
     lambda r: div(score(r, "QueueBench.cycle", "rocks"), score(r, "QueueBench.cycle", "lmdb"))),
    ("queue cycle, 2 consumers: rocks / rawQueue", 0.7,
     lambda r: div(score(r, "QueueBench.cycle2Consumers", "rocks"),
                   score(r, "QueueBench.cycle2Consumers", "rawQueue"))),
    ("queue cycle, 4 consumers: rocks / rawQueue", 0.7,
     lambda r: div(score(r, "QueueBench.cycle4Consumers", "rocks"),
                   score(r, "QueueBench.cycle4Consumers", "rawQueue"))),
    ("queue push: rocks / raw push", 0.6,
     lambda r: div(score(r, "QueueBench.push", "rocks"), score(r, "QueueBench.push", "rawQueue"))),
    ("lock path, hot key: rocks / rawTxn", 0.9,
     lambda r: div(score(r, "LockBench.hotKey", "rocks"), score(r, "LockBench.hotKey", "rawTxn"))),
    ("lock path, 10k uniform: rocks / rawTxn", 0.9,
     lambda r: div(score(r, "LockBench.uniform10k", "rocks"), score(r, "LockBench.uniform10k", "rawTxn"))),
    ("lock path, zipf 10k: rocks / rawTxn", 0.9,
     lambda r: div(score(r, "LockBench.zipf10k", "rocks"), score(r, "LockBench.zipf10k", "rawTxn"))),
    ("lock path, hot key: rocks / SQLite", 2.0,
     lambda r: div(score(r, "LockBench.hotKey", "rocks"), score(r, "LockBench.hotKey", "sqlite"))),
    ("lock path, 10k uniform: rocks / SQLite", 2.0,
     lambda r: div(score(r, "LockBench.uniform10k", "rocks"), score(r, "LockBench.uniform10k", "sqlite"))),
    ("lock path, zipf 10k: rocks / SQLite", 2.0,
     lambda r: div(score(r, "LockBench.zipf10k", "rocks"), score(r, "LockBench.zipf10k", "sqlite"))),
    ("syncWrites, one shared queue: 4 producers / 1 producer (rocks)", 1.6,
     lambda r: div(score(r, "DurabilityBench.cycle4Producers", "rocks", queues="shared"),
                   score(r, "DurabilityBench.cycle1Producer", "rocks", queues="shared"))),
]
INFO = [
    ("(floor) push: rawIndexed / rawQueue (a second key per entry, same batch)",
     lambda r: div(score(r, "QueueBench.push", "rawIndexed"), score(r, "QueueBench.push", "rawQueue"))),
    ("(floor) push: rocks / rawIndexed",
     lambda r: div(score(r, "QueueBench.push", "rocks"), score(r, "QueueBench.push", "rawIndexed"))),
    ("(floor) queue cycle: rocks / rawIndexed",
     lambda r: div(score(r, "QueueBench.cycle", "rocks"), score(r, "QueueBench.cycle", "rawIndexed"))),
    ("(raw) syncWrites, one shared queue: 4 producers / 1 producer (rawQueue)",
     lambda r: div(score(r, "DurabilityBench.cycle4Producers", "rawQueue", queues="shared"),
                   score(r, "DurabilityBench.cycle1Producer", "rawQueue", queues="shared"))),
    ("(info) rawTxn / SQLite, 10k uniform",
     lambda r: div(score(r, "LockBench.uniform10k", "rawTxn"), score(r, "LockBench.uniform10k", "sqlite"))),
]


def main():
    md = "--markdown" in sys.argv
    runs = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not runs:
        sys.exit(__doc__)
    data = [load(r) for r in runs]
    out = []
    for name, want, f in TARGETS:
        vals = [f(r) for r in data]
        got = [v for v in vals if v is not None]
        med = statistics.median(got) if got else None
        runs_txt = ", ".join("-" if v is None else f"{v:.2f}" for v in vals)
        met = "-" if med is None else ("yes" if med >= want else f"no ({med - want:+.3f})")
        shown = "-" if med is None else f"{med:.3f}x" if abs(med - want) < 0.005 else f"{med:.2f}x"
        out.append([name, f">= {want}x", shown, f"[{runs_txt}]", met])
    for name, f in INFO:
        vals = [f(r) for r in data]
        got = [v for v in vals if v is not None]
        med = statistics.median(got) if got else None
        out.append([name, "", "-" if med is None else f"{med:.2f}x",
                    "[" + ", ".join("-" if v is None else f"{v:.2f}" for v in vals) + "]", ""])
    print_table(["target", "wanted", "median", "runs", "met?"], out, md)

if __name__ == "__main__":
    main()
