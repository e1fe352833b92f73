#!/usr/bin/python3
"""Soak: a broker under mixed load for a long time (default 30 minutes),
with persistence on, reporting its RSS over time and whether anything
acknowledged was lost.

The load, all at once, for the whole run:

  pairs-qos1    tern_loadgen, 10 publisher/subscriber pairs, QoS 1,
                persistent sessions, 1,000 msg/s, in rounds of --round s
                (every round connects its clients afresh: connect churn)
  pairs-qos2    the same at QoS 2, 300 msg/s
  fanout-qos0   1 publisher at 100 msg/s to 20 subscribers, QoS 0
  wills         20 connections/s with a QoS 1 will; every other one drops
                its socket without DISCONNECT, so its will must arrive at
                the will subscriber, and the others must not
  retained      a QoS 1 retained publication every 20 ms over 500 topics;
                every minute a fresh subscriber checks that each topic's
                retained message is there and no older than its last PUBACK

RSS (VmRSS) is sampled every --sample s. After --warmup minutes, a least
squares line through the samples gives the slope; the run passes when
nothing acknowledged was lost (QoS 1/2 deliveries, wills, retained) and the
fitted growth over the measured span stays under --max-growth-kib.
Build first (scripts/build.sh); this script builds nothing.

    /usr/bin/python3 bench/soak.py                       # 30 min, tern
    /usr/bin/python3 bench/soak.py --minutes 3 --warmup 1 --brokers tern,mosquitto
"""

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as paho

import compare

RETAINED_TOPICS = 500

EXTRA_CONFIG = {
    "tern": "persistence true\npersistence_location {dir}/\nthreads 2\n",
    "mosquitto": "persistence true\npersistence_location {dir}/\nautosave_interval 60\n",
}


class LoadLoop(threading.Thread):
    """Runs one tern_loadgen scenario in back-to-back rounds and adds up
    what every round reports."""

    def __init__(self, name, loadgen, port, pid, args, round_s, stop):
        super().__init__(daemon=True)
        self.name = name
        self.cmd = [loadgen, "--port", str(port), "--broker-pid", str(pid),
                    "--name", name, "--duration", str(round_s), "--drain", "15", *args]
        self.round_s = round_s
        self.stop = stop
        self.totals = {k: 0 for k in ("sent", "acked", "expected", "delivered", "lost",
                                       "duplicates", "client_failures", "rejected")}
        self.rounds = 0
        self.errors = []

    def run(self):
        while not self.stop.is_set():
            try:
                out = subprocess.run(self.cmd, capture_output=True, text=True,
                                     timeout=self.round_s + 120)
            except subprocess.TimeoutExpired:
                self.errors.append("loadgen hung")
                continue
            lines = out.stdout.strip().splitlines()
            if out.returncode != 0 or not lines:
                self.errors.append(f"exit {out.returncode}: {out.stderr.strip()[-200:]}")
                time.sleep(1)
                continue
            report = json.loads(lines[-1])
            for k in self.totals:
                self.totals[k] += report.get(k, 0)
            self.errors.extend(report.get("errors", [])[:2])
            self.rounds += 1


def mqtt_string(s):
    b = s.encode()
    return len(b).to_bytes(2, "big") + b


def connect_with_will(client_id, will_topic):
    """A 3.1.1 CONNECT with a QoS 1 will, keep alive 60 s."""
    flags = 0x02 | 0x04 | (1 << 3)  # clean session, will, will QoS 1
    body = (mqtt_string("MQTT") + bytes([4, flags]) + (60).to_bytes(2, "big")
            + mqtt_string(client_id) + mqtt_string(will_topic) + mqtt_string("gone"))
    return bytes([0x10, len(body)]) + body


class WillChurn(threading.Thread):
    """Connections that come and go; every other one vanishes without
    DISCONNECT and so owes the will subscriber its will."""

    def __init__(self, port, stop, per_second=20):
        super().__init__(daemon=True)
        self.port, self.stop, self.period = port, stop, 1.0 / per_second
        self.abrupt = self.clean = self.failures = 0
        self.received = set()
        self.unexpected = 0
        self.owed = set()
        self.lock = threading.Lock()
        self.sub = paho.Client(client_id="soak-will-watcher", clean_session=True)
        self.sub.on_message = self._on_will
        self.sub.connect("127.0.0.1", port)
        self.sub.subscribe("soak/will/#", qos=1)
        self.sub.loop_start()

    def _on_will(self, _client, _userdata, msg):
        with self.lock:
            if msg.topic in self.owed:
                self.received.add(msg.topic)
            else:
                self.unexpected += 1

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            topic = f"soak/will/{n}"
            abrupt = n % 2 == 0
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
                    s.sendall(connect_with_will(f"soak-will-{n}", topic))
                    connack = s.recv(4)
                    if len(connack) < 4 or connack[3] != 0:
                        self.failures += 1
                        continue
                    if abrupt:
                        with self.lock:
                            self.owed.add(topic)
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                     (1).to_bytes(4, "little") + (0).to_bytes(4, "little"))
                        self.abrupt += 1
                    else:
                        s.sendall(b"\xe0\x00")
                        self.clean += 1
            except OSError:
                self.failures += 1
            time.sleep(self.period)

    def missing(self):
        with self.lock:
            return len(self.owed - self.received)

    def close(self):
        self.sub.loop_stop()
        self.sub.disconnect()


class RetainedChurn(threading.Thread):
    """Keeps replacing retained messages and checks, once a minute, that a
    new subscriber gets every topic at no older than its last PUBACK."""

    def __init__(self, port, stop, period=0.02):
        super().__init__(daemon=True)
        self.port, self.stop, self.period = port, stop, period
        self.acked = {}  # topic -> highest sequence number PUBACKed
        self.lock = threading.Lock()
        self.published = self.checks = 0
        self.stale = self.missing = 0
        self.pub = paho.Client(client_id="soak-retained-publisher", clean_session=True)
        self.pub.max_inflight_messages_set(20)
        self.pub.connect("127.0.0.1", port)
        self.pub.loop_start()

    def run(self):
        seq = 0
        next_check = time.monotonic() + 60
        while not self.stop.is_set():
            seq += 1
            topic = f"soak/retained/{seq % RETAINED_TOPICS}"
            info = self.pub.publish(topic, str(seq), qos=1, retain=True)
            info.wait_for_publish(timeout=30)
            if info.is_published():
                with self.lock:
                    self.acked[topic] = seq
                self.published += 1
            if time.monotonic() >= next_check:
                self.check()
                next_check = time.monotonic() + 60
            time.sleep(self.period)

    def check(self):
        with self.lock:
            floor = dict(self.acked)
        got = {}
        done = threading.Event()
        sub = paho.Client(client_id=f"soak-retained-check-{self.checks}", clean_session=True)

        def on_message(_c, _u, msg):
            if msg.retain:
                got[msg.topic] = int(msg.payload)
                if len(got) >= len(floor):
                    done.set()

        sub.on_message = on_message
        sub.connect("127.0.0.1", self.port)
        sub.subscribe("soak/retained/#", qos=1)
        sub.loop_start()
        done.wait(timeout=20)
        sub.loop_stop()
        sub.disconnect()
        self.checks += 1
        self.missing += sum(1 for t in floor if t not in got)
        self.stale += sum(1 for t, s in floor.items() if t in got and got[t] < s)

    def close(self):
        self.pub.loop_stop()
        self.pub.disconnect()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def slope_kib_per_min(samples):
    """Least squares slope of (seconds, KiB) samples, in KiB per minute."""
    if len(samples) < 3:
        return 0.0
    xs = [t / 60 for t, _ in samples]
    ys = [r for _, r in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0


def soak(args, broker_name, workdir):
    data = Path(workdir) / f"{broker_name}-data"
    data.mkdir(exist_ok=True)
    exe = args.tern if broker_name == "tern" else args.mosquitto
    broker = compare.Broker(broker_name, [exe], workdir,
                            EXTRA_CONFIG[broker_name].format(dir=data))
    broker.start()
    pid = broker.proc.pid
    stop = threading.Event()
    loads = [
        LoadLoop("pairs-qos1", args.loadgen, broker.port, pid,
                 ["--scenario", "pairs", "--clients", "10", "--qos", "1", "--rate", "1000",
                  "--persistent"], args.round, stop),
        LoadLoop("pairs-qos2", args.loadgen, broker.port, pid,
                 ["--scenario", "pairs", "--clients", "10", "--qos", "2", "--rate", "300",
                  "--persistent"], args.round, stop),
        LoadLoop("fanout-qos0", args.loadgen, broker.port, pid,
                 ["--scenario", "fanout", "--clients", "20", "--rate", "100"], args.round, stop),
    ]
    wills = WillChurn(broker.port, stop)
    retained = RetainedChurn(broker.port, stop)
    for t in [*loads, wills, retained]:
        t.start()

    csv = Path(args.csv_dir) / f"soak-{broker_name}-rss.csv"
    samples = []
    start = time.monotonic()
    end = start + args.minutes * 60
    with open(csv, "w") as out:
        out.write("seconds,rss_kib\n")
        while time.monotonic() < end and broker.alive():
            t = time.monotonic() - start
            r = rss_kib(pid)
            samples.append((t, r))
            out.write(f"{t:.0f},{r}\n")
            out.flush()
            print(f"{broker_name} {t / 60:5.1f} min  RSS {r / 1024:7.1f} MiB", file=sys.stderr)
            time.sleep(args.sample)

    stop.set()
    for t in loads:
        t.join(timeout=args.round + 150)
    retained.join(timeout=60)
    wills.join(timeout=30)
    time.sleep(3)  # the last wills are still on their way
    died = not broker.alive()
    result = {
        "broker": broker_name, "died": died, "log": compare.tail(broker.log) if died else "",
        "loads": {l.name: dict(l.totals, rounds=l.rounds, errors=l.errors[:3]) for l in loads},
        "wills_owed": wills.abrupt, "wills_missing": wills.missing(),
        "wills_unexpected": wills.unexpected, "will_connect_failures": wills.failures,
        "retained_published": retained.published, "retained_checks": retained.checks,
        "retained_missing": retained.missing, "retained_stale": retained.stale,
        "samples": samples, "csv": str(csv),
    }
    wills.close()
    retained.close()
    broker.stop()
    return result


def verdict(r, args):
    measured = [(t, kib) for t, kib in r["samples"] if t >= args.warmup * 60]
    slope = slope_kib_per_min(measured)
    span_min = (measured[-1][0] - measured[0][0]) / 60 if len(measured) > 1 else 0
    growth = slope * span_min
    acked_lost = sum(r["loads"][n]["lost"] for n in ("pairs-qos1", "pairs-qos2"))
    failures = []
    if r["died"]:
        failures.append("broker died")
    if acked_lost:
        failures.append(f"{acked_lost} acknowledged QoS 1/2 messages lost")
    if r["wills_missing"]:
        failures.append(f"{r['wills_missing']} wills missing")
    if r["wills_unexpected"]:
        failures.append(f"{r['wills_unexpected']} wills sent after a DISCONNECT")
    if r["retained_missing"] or r["retained_stale"]:
        failures.append(f"retained: {r['retained_missing']} missing, {r['retained_stale']} stale")
    if growth > args.max_growth_kib:
        failures.append(f"RSS grew {growth:.0f} KiB after warm-up (limit {args.max_growth_kib})")
    return slope, growth, acked_lost, failures


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--brokers", default="tern", help="tern and/or mosquitto, comma separated")
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--warmup", type=float, default=5, help="minutes left out of the RSS slope")
    p.add_argument("--sample", type=float, default=10, help="seconds between RSS samples")
    p.add_argument("--round", type=float, default=30, help="seconds per loadgen round")
    p.add_argument("--max-growth-kib", type=float, default=2048)
    p.add_argument("--csv-dir", default=".")
    compare.add_executable_options(p)
    args = p.parse_args()
    brokers = [b for b in args.brokers.split(",") if b]
    for b in brokers:
        if b not in EXTRA_CONFIG:
            p.error(f"unknown broker {b!r}")
    compare.require_executables("soak.py", (args.loadgen, *(getattr(args, b) for b in brokers)))
    compare.raise_file_limit()
    workdir = tempfile.mkdtemp(prefix="tern-soak-")
    results = [soak(args, b, workdir) for b in brokers]

    print(f"\nSoak: {args.minutes:g} min, persistence on, RSS slope after {args.warmup:g} min "
          f"warm-up (samples every {args.sample:g} s)\n")
    print("| broker | RSS start / max / end MiB | slope KiB/min | fitted growth KiB "
          "| QoS 1 / QoS 2 delivered | acked lost | QoS 0 delivered / sent | wills owed / missing "
          "| retained published / checks / missing | verdict |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    failed = False
    for r in results:
        slope, growth, acked_lost, failures = verdict(r, args)
        failed |= bool(failures)
        rss = [kib for _, kib in r["samples"]] or [0]
        q1, q2, q0 = (r["loads"][n] for n in ("pairs-qos1", "pairs-qos2", "fanout-qos0"))
        print(f"| {r['broker']} | {rss[0] / 1024:.1f} / {max(rss) / 1024:.1f} / "
              f"{rss[-1] / 1024:.1f} | {slope:+.1f} | {growth:+.0f} | "
              f"{q1['delivered']:,} / {q2['delivered']:,} | {acked_lost} | "
              f"{q0['delivered']:,} / {q0['sent'] * 20:,} | {r['wills_owed']:,} / "
              f"{r['wills_missing']} | {r['retained_published']:,} / {r['retained_checks']} / "
              f"{r['retained_missing'] + r['retained_stale']} | "
              f"{'pass' if not failures else '; '.join(failures)} |")
    for r in results:
        print(f"\n{r['broker']}: RSS samples in {r['csv']}")
        for name, l in r["loads"].items():
            print(f"  {name}: {l['rounds']} rounds, sent {l['sent']:,}, acked {l['acked']:,}, "
                  f"delivered {l['delivered']:,}, duplicates {l['duplicates']:,}, "
                  f"client failures {l['client_failures']}, errors {l['errors']}")
        if r["died"]:
            print(r["log"])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
