#!/usr/bin/python3
"""MQTT over WebSocket against MQTT over TCP, on one tern, in one run.

tern is started once with two listeners (TCP and `protocol websockets`) and
compare.py's settings; tern_ws_loadgen then runs each scenario over TCP and
over WebSocket in turn, --repeat times, with the same client code (the
WebSocket clients also mask every frame, as RFC 6455 requires). Prints a
Markdown table: the median msg/s of each transport, their ratio, and tern's
CPU time per message (from /proc). Build first (scripts/build.sh).

    /usr/bin/python3 bench/ws_compare.py                    # 10 s per run, 3 repeats
    /usr/bin/python3 bench/ws_compare.py --duration 3 --repeat 1

Only the standard library is used.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import CONFIG, free_port, raise_file_limit, tail, wait_listening  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ["pairs-qos1", "fanin-qos1"]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_load(loadgen, port, scenario, duration, websocket, broker_pid):
    cmd = [str(loadgen), "--port", str(port), "--scenario", scenario, "--duration",
           str(duration)]
    if websocket:
        cmd.append("--websocket")
    before = cpu_seconds(broker_pid)
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
    after = cpu_seconds(broker_pid)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {res.stderr.strip()}")
    r = json.loads(res.stdout.strip().splitlines()[-1])
    r["broker_cpu_us_per_msg"] = (after - before) * 1e6 / max(1, r["messages"])
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=int, default=10, help="seconds per run")
    ap.add_argument("--repeat", type=int, default=3, help="runs per scenario and transport")
    ap.add_argument("--tern", default=str(ROOT / "build/app/tern"))
    ap.add_argument("--loadgen", default=str(ROOT / "build/bench/ws_load/tern_ws_loadgen"))
    args = ap.parse_args()
    for exe in (args.tern, args.loadgen):
        if not os.access(exe, os.X_OK):
            sys.exit(f"{exe} is missing: run scripts/build.sh first")
    raise_file_limit()
    with tempfile.TemporaryDirectory(prefix="tern-ws-bench-") as work:
        tcp_port, ws_port = free_port(), free_port()
        conf = Path(work, "tern.conf")
        conf.write_text(CONFIG.format(port=tcp_port) +
                        f"listener {ws_port} 127.0.0.1\nprotocol websockets\n")
        log = Path(work, "tern.log")
        with open(log, "w") as out:
            broker = subprocess.Popen([args.tern, "-c", str(conf)], cwd=work, stdout=out,
                                      stderr=subprocess.STDOUT)
        try:
            if not wait_listening(ws_port, broker) or not wait_listening(tcp_port, broker):
                sys.exit(f"tern did not start:\n{tail(log)}")
            results = {}
            for scenario in SCENARIOS:
                for i in range(args.repeat):
                    for websocket in (False, True):  # interleaved: load drifts alike
                        port = ws_port if websocket else tcp_port
                        r = run_load(args.loadgen, port, scenario, args.duration, websocket,
                                     broker.pid)
                        results.setdefault((scenario, websocket), []).append(r)
                        print(f"# {scenario} {r['transport']} run {i + 1}: {r['rate']:,.0f} "
                              f"msg/s", file=sys.stderr)
        finally:
            broker.terminate()
            broker.wait(10)
    load = os.getloadavg()
    print(f"\ntern over WebSocket vs TCP: {args.duration} s per run, median of {args.repeat}, "
          f"64-byte QoS 1 payloads, window 20; load average {load[0]:.1f}\n")
    print("| scenario | TCP msg/s | WebSocket msg/s | ws / tcp | tern CPU µs per msg (tcp / ws) |")
    print("|---|--:|--:|--:|--:|")
    for scenario in SCENARIOS:
        tcp = results[(scenario, False)]
        ws = results[(scenario, True)]
        t_rate = statistics.median(r["rate"] for r in tcp)
        w_rate = statistics.median(r["rate"] for r in ws)
        t_cpu = statistics.median(r["broker_cpu_us_per_msg"] for r in tcp)
        w_cpu = statistics.median(r["broker_cpu_us_per_msg"] for r in ws)
        print(f"| {scenario} | {t_rate:,.0f} | {w_rate:,.0f} | {w_rate / t_rate:.2f} | "
              f"{t_cpu:.2f} / {w_cpu:.2f} |")


if __name__ == "__main__":
    main()
