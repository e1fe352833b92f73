#!/usr/bin/python3
"""What durability costs: 50 publisher/subscriber pairs at QoS 1 with
persistent sessions (clean start 0), on

  tern-memory     tern, persistence false (sessions kept in memory only)
  tern-sqlite     tern, persistence true, persistence_sync normal: every
                  PUBACK waits for its SQLite commit (survives kill -9)
  tern-full       tern, persistence_sync full (fsync per commit: power loss)
  mosquitto       mosquitto 2.0, persistence true (it writes a snapshot at
                  autosave_interval and shutdown: acknowledged messages since
                  the last snapshot are lost on a crash)

one after the other on fresh brokers with the same settings, and prints a
Markdown table. Build first (scripts/build.sh); this script builds nothing.

    /usr/bin/python3 bench/persistence.py
    /usr/bin/python3 bench/persistence.py --duration 5 --repeat 3 --brokers tern-memory,tern-sqlite
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import compare

VARIANTS = {
    "tern-memory": ("tern", ""),
    "tern-sqlite": ("tern", "persistence true\npersistence_location {dir}/\n"
                            "persistence_sync normal\n"),
    "tern-full": ("tern", "persistence true\npersistence_location {dir}/\npersistence_sync full\n"),
    "mosquitto": ("mosquitto", "persistence true\npersistence_location {dir}/\n"),
}


def run(args, variant, workdir, loadgen):
    program, extra = VARIANTS[variant]
    data = Path(workdir) / f"{variant}-data"
    data.mkdir(exist_ok=True)
    for f in data.iterdir():
        f.unlink()
    command = [args.tern if program == "tern" else args.mosquitto]
    broker = compare.Broker(variant, command, workdir, extra.format(dir=data))
    broker.start()
    cmd = [loadgen, "--port", str(broker.port), "--scenario", "pairs-qos1", "--persistent",
           "--duration", str(args.duration), "--drain", str(args.drain),
           "--broker-pid", str(broker.proc.pid)]
    result = {"broker": variant, "notes": []}
    try:
        out = subprocess.run(cmd, capture_output=True, text=True,
                             timeout=args.duration + args.drain + 120)
        line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
        if out.returncode != 0 or not line:
            result["notes"].append(f"loadgen exit {out.returncode}: {out.stderr.strip()[-300:]}")
        else:
            result.update(json.loads(line))
    except subprocess.TimeoutExpired:
        result["notes"].append("loadgen hung")
    if not broker.alive():
        result["notes"].append(f"{variant} died: {compare.tail(broker.log)}")
    broker.stop()
    result["store_bytes"] = sum(f.stat().st_size for f in data.iterdir())
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--brokers", default=",".join(VARIANTS))
    p.add_argument("--duration", type=float, default=10.0)
    p.add_argument("--drain", type=float, default=10.0)
    p.add_argument("--repeat", type=int, default=1, help="runs per broker; the median is shown")
    compare.add_executable_options(p)
    args = p.parse_args()
    variants = [v for v in args.brokers.split(",") if v]
    for v in variants:
        if v not in VARIANTS:
            p.error(f"unknown broker {v!r}; choose from {', '.join(VARIANTS)}")
    compare.require_executables("persistence.py", (args.tern, args.mosquitto, args.loadgen))
    compare.raise_file_limit()
    workdir = tempfile.mkdtemp(prefix="tern-bench-persist-")
    runs = {v: [] for v in variants}
    for _ in range(args.repeat):
        for v in variants:
            r = run(args, v, workdir, args.loadgen)
            runs[v].append(r)
            print(f"{v}: {r.get('msg_per_s', 0):,.0f} msg/s, lost {r.get('lost', '?')}, "
                  f"notes {r['notes']}", file=sys.stderr)
    base = compare.pick(runs.get("tern-memory", []), "msg_per_s")
    print(f"\n50 pairs, QoS 1, persistent sessions, {args.duration:g} s, median of "
          f"{args.repeat}\n")
    print("| broker | delivered msg/s | vs tern-memory | p50 / p99 ms | lost | broker CPU s "
          "| store bytes after |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for v in variants:
        r = compare.pick(runs[v], "msg_per_s")
        rate = compare.get(r, "msg_per_s")
        print(f"| {v} | {compare.fmt_rate(rate)} | "
              f"{compare.fmt_ratio(rate, compare.get(base, 'msg_per_s'))} | "
              f"{compare.latency(r)} | {compare.lost(runs[v], 1)} | "
              f"{r.get('broker_cpu_s', 0):.1f} | {r.get('store_bytes', 0):,} |")
    for v in variants:
        for r in runs[v]:
            for n in r["notes"]:
                print(f"note: {v}: {n}")


if __name__ == "__main__":
    main()
