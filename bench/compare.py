#!/usr/bin/python3
"""Compare tern with mosquitto under the same MQTT load.

For every scenario and every broker this starts a fresh broker on a free
loopback port with the same configuration file, runs tern_loadgen against it
(which reads the broker's CPU time and RSS from /proc), stops the broker and
finally prints Markdown tables. Nothing is built here: run scripts/build.sh
first so build/app/tern and build/bench/load/tern_loadgen exist.

    /usr/bin/python3 bench/compare.py                      # all scenarios, 10 s each
    /usr/bin/python3 bench/compare.py --duration 3 --scenarios pairs-qos1,idle-10k
    /usr/bin/python3 bench/compare.py --protocol 5 --json results.jsonl

Only the standard library is used.
"""

import argparse
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = [
    "pairs-qos1",
    "pairs-qos1-tls",
    "pairs-qos2",
    "fanin-qos1",
    "fanin-qos0-rate",
    "fanout-qos0-rate",
    "idle-10k",
]
# The same file is given to both brokers; these are the settings the
# comparison is about. Logging is cut to errors and warnings so that
# mosquitto's per-connection notices do not add work tern does not do.
CONFIG = """\
listener {port} 127.0.0.1
allow_anonymous true
max_inflight_messages 20
max_queued_messages 1000
persistence false
log_type error
log_type warning
"""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def raise_file_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def tail(path, lines=15):
    try:
        text = Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(text[-lines:])


class Broker:
    """One broker process with its own temp config and log."""

    def __init__(self, name, command, workdir, extra_config=""):
        self.name = name
        self.port = free_port()
        self.dir = Path(workdir)
        self.conf = self.dir / f"{name}.conf"
        self.conf.write_text(CONFIG.format(port=self.port) + extra_config)
        self.log = self.dir / f"{name}.log"
        self.command = command + ["-c", str(self.conf)]
        self.proc = None

    def start(self):
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                self.command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        if not wait_listening(self.port, self.proc):
            self.stop()
            raise RuntimeError(
                f"{self.name} did not start listening on {self.port}:\n{tail(self.log)}"
            )

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM, then SIGKILL after 5 s; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def server_certificate(workdir):
    """A self-signed certificate for the -tls scenarios (made once per run)."""
    cert, key = Path(workdir) / "server.pem", Path(workdir) / "server.key"
    if not cert.exists():
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                        "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True)
    return cert, key


def run_one(args, tools, broker_name, scenario, workdir):
    """Runs one scenario on a fresh broker; returns the loadgen's JSON plus notes.
    A scenario ending in -tls is the same load over TLS (both brokers get the
    same certificate; TLS 1.3, OpenSSL's default suite)."""
    extra = "set_tcp_nodelay true\n" if broker_name == "mosquitto" and args.mosquitto_nodelay else ""
    tls = scenario.endswith("-tls")
    if tls:
        cert, key = server_certificate(workdir)
        extra += f"certfile {cert}\nkeyfile {key}\n"
        if broker_name == "mosquitto":
            extra += "user root\n"  # else it reads the key after dropping to its own user
    broker = Broker(broker_name, [tools[broker_name]], workdir, extra)
    broker.start()
    cmd = [
        tools["loadgen"],
        "--port", str(broker.port),
        "--scenario", scenario.removesuffix("-tls"),
        "--duration", str(args.duration),
        "--drain", str(args.drain),
        "--protocol", str(args.protocol),
        "--payload", str(args.payload),
        "--broker-pid", str(broker.proc.pid),
    ]
    if args.window:
        cmd += ["--window", str(args.window)]
    if tls:
        cmd.append("--tls")
    timeout = args.duration + args.drain + 150
    result = {"scenario": scenario, "broker": broker_name, "notes": []}
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
        if out.returncode != 0 or not line:
            result["notes"].append(f"loadgen exit {out.returncode}: {out.stderr.strip()[-500:]}")
        else:
            result.update(json.loads(line))
            result["scenario"] = scenario  # the loadgen knows no -tls suffix
    except subprocess.TimeoutExpired:
        result["notes"].append(f"loadgen hung (killed after {timeout:.0f} s)")
    crashed = not broker.alive()
    status = broker.stop()
    if crashed:
        result["notes"].append(f"{broker_name} died during the run (exit status {status})")
    elif status not in (0, -signal.SIGTERM):
        result["notes"].append(f"{broker_name} exited with status {status} on SIGTERM")
    log = tail(broker.log)
    if crashed or result.get("errors") or result["notes"]:
        result["broker_log_tail"] = log
    return result


def pick(runs, key, higher_is_better=True):
    """The run with the median value of `key` (runs without it are skipped)."""
    good = [r for r in runs if key in r]
    if not good:
        return runs[0] if runs else {}
    good.sort(key=lambda r: r[key], reverse=higher_is_better)
    return good[(len(good) - 1) // 2]


def fmt_rate(v):
    return f"{v:,.0f}" if v is not None else "-"


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}"


def get(r, key):
    v = r.get(key)
    return v if isinstance(v, (int, float)) and v >= 0 else None


def latency(r):
    if "p50_ms" not in r:
        return "-"
    return f"{r['p50_ms']:.2f} / {r['p99_ms']:.2f}"


def lost(runs, qos):
    if not runs:
        return "-"
    if any("lost" not in r for r in runs):
        return "?"
    if qos == 0:
        return "n/a"
    return str(sum(r["lost"] for r in runs))


def problems(scenario, broker, runs):
    out = []
    for r in runs:
        tag = f"{scenario} / {broker}"
        out += [f"{tag}: {n}" for n in r.get("notes", [])]
        out += [f"{tag}: client error: {e}" for e in r.get("errors", [])]
        if "lost" not in r:
            continue
        qos = r["qos"]
        if qos > 0 and r["lost"]:
            out.append(f"{tag}: LOST {r['lost']} acknowledged messages "
                       f"(acked {r['acked']}, delivered {r['delivered']})")
        if qos > 0 and r["unacked"]:
            out.append(f"{tag}: {r['unacked']} messages never acknowledged (drain "
                       f"{r['drain_s']:.1f} s)")
        if qos == 2 and r["duplicates"]:
            out.append(f"{tag}: {r['duplicates']} duplicate deliveries at QoS 2")
        if r["out_of_order"]:
            out.append(f"{tag}: {r['out_of_order']} deliveries out of order")
        if r["rejected"]:
            out.append(f"{tag}: {r['rejected']} publications rejected by reason code")
        if r["publishers"] and not r["drained"]:
            out.append(f"{tag}: the {r['drain_s']:.1f} s drain ended incomplete "
                       f"({r['delivered']} of {r['expected']} owed deliveries made, "
                       f"{r['unacked']} publications unacknowledged)")
        if r["qos"] == 0 and r["publishers"] and r["expected"] and r["delivery_ratio"] < 0.999:
            out.append(f"{tag}: QoS 0 delivery ratio {r['delivery_ratio']:.4f}")
        if r["generator_cpu_s"] > 0.9 * (r["duration_s"] + r["drain_s"]):
            out.append(f"{tag}: the load generator used {r['generator_cpu_s']:.1f} s CPU: it may "
                       "be the bottleneck")
    return out


def machine_notes(args, tools):
    cores = os.cpu_count()
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = Path("/proc/loadavg").read_text().split()[:3]
    versions = []
    for name in ("tern", "mosquitto"):
        if name not in tools:
            continue
        flag = "--version" if name == "tern" else "-h"
        try:
            v = subprocess.run([tools[name], flag], capture_output=True, text=True, timeout=5)
            first = (v.stdout or v.stderr).strip().splitlines()
            versions.append(f"{name}: {first[0] if first else '?'}")
        except (OSError, subprocess.TimeoutExpired):
            versions.append(f"{name}: ?")
    return [
        f"Machine: {cores} cores ({model}), load average {' '.join(load)} at start. Broker and "
        "load generator share these cores (generator: 1 thread; tern: one worker per core; "
        "mosquitto: 1 thread), so figures are lower than on a dedicated broker host and "
        "vary with other load.",
        "Versions: " + "; ".join(versions),
        f"Settings (both brokers): max_inflight_messages 20, max_queued_messages 1000, "
        f"persistence false, loopback TCP, MQTT protocol level {args.protocol}, payload "
        f"{args.payload} B, {args.duration:g} s per scenario"
        + (", mosquitto with set_tcp_nodelay true" if args.mosquitto_nodelay else
           " (tern always sets TCP_NODELAY; mosquitto keeps its default, Nagle on)")
        + ".",
    ]


def add_executable_options(p):
    """--tern, --mosquitto and --loadgen, as every bench script takes them."""
    p.add_argument("--tern", default=str(ROOT / "build/app/tern"))
    p.add_argument("--mosquitto", default="/usr/sbin/mosquitto")
    p.add_argument("--loadgen", default=str(ROOT / "build/bench/load/tern_loadgen"))


def require_executables(script, paths):
    """Stops with a message naming what is missing: bench scripts build nothing."""
    missing = [v for v in paths if not os.access(v, os.X_OK)]
    if missing:
        sys.exit(f"{script}: missing executable(s):\n  " + "\n  ".join(missing) +
                 "\nBuild first with scripts/build.sh (this script builds nothing); mosquitto "
                 "comes from the Debian package `mosquitto`.")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenarios", default=",".join(SCENARIOS),
                   help="comma-separated, from: " + ", ".join(SCENARIOS))
    p.add_argument("--duration", type=float, default=10.0, help="seconds of load per scenario")
    p.add_argument("--drain", type=float, default=10.0,
                   help="seconds to wait for outstanding deliveries after the load")
    p.add_argument("--protocol", type=int, choices=(4, 5), default=4,
                   help="MQTT protocol level: 4 (3.1.1) or 5")
    p.add_argument("--brokers", default="tern,mosquitto", help="comma-separated: tern, mosquitto")
    p.add_argument("--payload", type=int, default=64, help="payload bytes (at least 20)")
    p.add_argument("--window", type=int, default=0,
                   help="unacknowledged messages per publisher (default: loadgen's, 16)")
    p.add_argument("--repeat", type=int, default=1,
                   help="runs per scenario and broker, alternating; the table shows the median")
    p.add_argument("--mosquitto-nodelay", action="store_true",
                   help="add set_tcp_nodelay true to mosquitto's config (tern always sets it)")
    add_executable_options(p)
    p.add_argument("--json", metavar="FILE", help="also write every run's JSON, one per line")
    p.add_argument("--keep", action="store_true", help="keep the temp dir with configs and logs")
    args = p.parse_args()

    scenarios = [s for s in args.scenarios.split(",") if s]
    brokers = [b for b in args.brokers.split(",") if b]
    for s in scenarios:
        if s not in SCENARIOS:
            p.error(f"unknown scenario {s!r}; choose from {', '.join(SCENARIOS)}")
    for b in brokers:
        if b not in ("tern", "mosquitto"):
            p.error(f"unknown broker {b!r}; choose tern and/or mosquitto")
    tools = {"loadgen": args.loadgen}
    for b in brokers:
        tools[b] = getattr(args, b)
    require_executables("compare.py", tools.values())
    files = raise_file_limit()
    if "idle-10k" in scenarios and files < 10_100:
        sys.exit(f"compare.py: idle-10k needs about 10,100 open files but the hard limit is "
                 f"{files}; raise it (ulimit -Hn) or leave idle-10k out")

    notes = machine_notes(args, tools)
    for n in notes:
        print(n, file=sys.stderr)
    workdir = tempfile.mkdtemp(prefix="tern-bench-")
    results = {}  # (scenario, broker) -> [runs]
    json_out = open(args.json, "w") if args.json else None
    try:
        for s in scenarios:
            for rep in range(args.repeat):
                for b in brokers:
                    print(f"running {s} on {b}" + (f" ({rep + 1}/{args.repeat})"
                                                    if args.repeat > 1 else "") + " ...",
                          file=sys.stderr, flush=True)
                    try:
                        r = run_one(args, tools, b, s, workdir)
                    except RuntimeError as e:  # the broker did not come up
                        r = {"scenario": s, "broker": b, "notes": [str(e)]}
                    results.setdefault((s, b), []).append(r)
                    if json_out:
                        json_out.write(json.dumps(r) + "\n")
                        json_out.flush()
    finally:
        if json_out:
            json_out.close()
    print_tables(args, scenarios, brokers, results, notes)
    if args.keep:
        print(f"\nConfigs and logs: {workdir}", file=sys.stderr)
    else:
        for f in Path(workdir).iterdir():
            f.unlink()
        os.rmdir(workdir)


def print_tables(args, scenarios, brokers, results, notes):
    t = "tern" if "tern" in brokers else None
    m = "mosquitto" if "mosquitto" in brokers else None

    def runs(s, b):
        return results.get((s, b), []) if b else []

    print()
    for n in notes:
        print(n + "  ")
    print()
    print("| scenario | tern msg/s | mosquitto msg/s | ratio | tern p50/p99 ms | "
          "mosquitto p50/p99 ms | lost (t/m) | CPU µs/msg (t/m) | CPU µs/msg ratio | "
          "broker CPU s (t/m) | delivered % (t/m) |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    issues = []
    for s in scenarios:
        if s.startswith("idle"):
            continue
        rate_scenario = s.endswith("-rate")
        key, best = ("cpu_us_per_msg", False) if rate_scenario else ("msg_per_s", True)
        rt, rm = pick(runs(s, t), key, best), pick(runs(s, m), key, best)
        qos = rt.get("qos", rm.get("qos", 1))
        row = [
            s,
            fmt_rate(get(rt, "msg_per_s")),
            fmt_rate(get(rm, "msg_per_s")),
            fmt_ratio(get(rt, "msg_per_s"), get(rm, "msg_per_s")),
            latency(rt),
            latency(rm),
            f"{lost(runs(s, t), qos)} / {lost(runs(s, m), qos)}",
            " / ".join(f"{v:.2f}" if v is not None else "-"
                       for v in (get(rt, "cpu_us_per_msg"), get(rm, "cpu_us_per_msg"))),
            fmt_ratio(get(rt, "cpu_us_per_msg"), get(rm, "cpu_us_per_msg")),
            " / ".join(f"{v:.2f}" if v is not None else "-"
                       for v in (get(rt, "broker_cpu_s"), get(rm, "broker_cpu_s"))),
            " / ".join(f"{100 * r['delivery_ratio']:.2f}" if "delivery_ratio" in r else "-"
                       for r in (rt, rm)),
        ]
        print("| " + " | ".join(row) + " |")
        for b in brokers:
            issues += problems(s, b, runs(s, b))

    idle = [s for s in scenarios if s.startswith("idle")]
    if idle:
        print()
        print("| scenario | tern KiB/conn | mosquitto KiB/conn | ratio | tern RSS MiB "
              "before → after | mosquitto RSS MiB before → after | connect s (t/m) | "
              "connected (t/m) |")
        print("|---|--:|--:|--:|--:|--:|--:|--:|")
        for s in idle:
            rt, rm = pick(runs(s, t), "kib_per_connection", False), \
                pick(runs(s, m), "kib_per_connection", False)

            def rss(r):
                if get(r, "rss_before_kib") is None or get(r, "rss_after_kib") is None:
                    return "-"
                return f"{r['rss_before_kib'] / 1024:.1f} → {r['rss_after_kib'] / 1024:.1f}"
            row = [
                s,
                *(f"{r['kib_per_connection']:.2f}" if get(r, "kib_per_connection") is not None
                  else "-" for r in (rt, rm)),
                fmt_ratio(get(rt, "kib_per_connection"), get(rm, "kib_per_connection")),
                rss(rt),
                rss(rm),
                " / ".join(f"{r['connect_s']:.2f}" if "connect_s" in r else "-"
                           for r in (rt, rm)),
                " / ".join(str(r.get("connections", "-")) for r in (rt, rm)),
            ]
            print("| " + " | ".join(row) + " |")
            for b in brokers:
                issues += problems(s, b, runs(s, b))

    print()
    print("msg/s: deliveries to subscribers per second during the load window; p50/p99: "
          "publish-to-delivery latency; lost: acknowledged QoS 1/2 messages never delivered "
          "(must be 0); CPU µs/msg: broker user+system CPU over load and drain divided by "
          "deliveries. Ratios are tern / mosquitto." +
          (f" Median of {args.repeat} runs." if args.repeat > 1 else ""))
    if issues:
        print("\nProblems:")
        for i in issues:
            print(f"- {i}")
        for s in scenarios:
            for b in brokers:
                for r in runs(s, b):
                    if r.get("broker_log_tail"):
                        print(f"\n{s} / {b} broker log (tail):\n```\n{r['broker_log_tail']}\n```")


if __name__ == "__main__":
    main()
