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


def pair(method, impl, base_impl, **params):
    """The ratio of {impl} to {base_impl} on one benchmark method, within one run."""
    return lambda r: div(score(r, method, impl, **params), score(r, method, base_impl, **params))


def producers(impl):
    """4 synced producers over 1, on one shared queue."""
    return lambda r: div(score(r, "DurabilityBench.cycle4Producers", impl, queues="shared"),
                         score(r, "DurabilityBench.cycle1Producer", impl, queues="shared"))


# (name, wanted, ratio of one run's rows)
TARGETS = [
    ("queue cycle, 1 thread: rocks / rawQueue", 0.8, pair("QueueBench.cycle", "rocks", "rawQueue")),
    ("queue cycle: rocks / SQLite", 2.0, pair("QueueBench.cycle", "rocks", "sqlite")),
    ("queue cycle: rocks / LMDB", 0.8, pair("QueueBench.cycle", "rocks", "lmdb")),
    ("queue cycle, 2 consumers: rocks / rawQueue", 0.7,
     pair("QueueBench.cycle2Consumers", "rocks", "rawQueue")),
    ("queue cycle, 4 consumers: rocks / rawQueue", 0.7,
     pair("QueueBench.cycle4Consumers", "rocks", "rawQueue")),
    ("queue push: rocks / raw push", 0.6, pair("QueueBench.push", "rocks", "rawQueue")),
    ("lock path, hot key: rocks / rawTxn", 0.9, pair("LockBench.hotKey", "rocks", "rawTxn")),
    ("lock path, 10k uniform: rocks / rawTxn", 0.9, pair("LockBench.uniform10k", "rocks", "rawTxn")),
    ("lock path, zipf 10k: rocks / rawTxn", 0.9, pair("LockBench.zipf10k", "rocks", "rawTxn")),
    ("lock path, hot key: rocks / SQLite", 2.0, pair("LockBench.hotKey", "rocks", "sqlite")),
    ("lock path, 10k uniform: rocks / SQLite", 2.0, pair("LockBench.uniform10k", "rocks", "sqlite")),
    ("lock path, zipf 10k: rocks / SQLite", 2.0, pair("LockBench.zipf10k", "rocks", "sqlite")),
    ("syncWrites, one shared queue: 4 producers / 1 producer (rocks)", 1.6, producers("rocks")),
]
INFO = [
    ("(floor) push: rawIndexed / rawQueue (a second key per entry, same batch)",
     pair("QueueBench.push", "rawIndexed", "rawQueue")),
    ("(floor) push: rocks / rawIndexed", pair("QueueBench.push", "rocks", "rawIndexed")),
    ("(floor) queue cycle: rocks / rawIndexed", pair("QueueBench.cycle", "rocks", "rawIndexed")),
    ("(raw) syncWrites, one shared queue: 4 producers / 1 producer (rawQueue)",
     producers("rawQueue")),
    ("(info) rawTxn / SQLite, 10k uniform", pair("LockBench.uniform10k", "rawTxn", "sqlite")),
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
