#!/usr/bin/python3
"""How tern starts on a big store, and what an offline queue costs in memory.

Builds an SQLite store the way tern writes it (tern creates the schema, this
script fills the tables in one transaction), then starts tern on it and
reports the time until the listener accepts and the broker's RSS:

  startup   1,000,000 retained messages and 100,000 offline sessions with one
            subscription each (issue 5: under 5 s)
  queued    1,000 offline sessions with 1,000 queued QoS 1 messages each
            (1,000,000 in all; issue 5: RSS under 64 MiB)
  empty     the same broker on an empty store, for reference

    ./scripts/build.sh && /usr/bin/python3 bench/store_scale.py
    /usr/bin/python3 bench/store_scale.py --retained 100000 --sessions 10000 --cases startup

Only the standard library is used.
"""

import argparse
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def varint(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def stored_publish(topic, payload, retain):
    """A PUBLISH as tern stores it: MQTT 5 encoding at QoS 0, no properties."""
    t = topic.encode()
    body = len(t).to_bytes(2, "big") + t + varint(0) + payload
    return bytes([0x30 | (1 if retain else 0)]) + varint(len(body)) + body


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def start(tern, workdir, port):
    conf = Path(workdir) / "tern.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
                    f"persistence_location {workdir}/data/\nsys_interval 0\n")
    log = open(Path(workdir) / "tern.log", "ab")
    began = time.monotonic()
    proc = subprocess.Popen([tern, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    while True:
        if proc.poll() is not None:
            sys.exit(f"tern exited at start-up; see {workdir}/tern.log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, time.monotonic() - began
        except OSError:
            time.sleep(0.01)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)


def fill(db_path, retained, sessions, queue_sessions, queue_depth, payload):
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA synchronous = OFF")
    db.execute("BEGIN")
    body = os.urandom(payload)
    next_id = 1
    for i in range(retained):
        db.execute("INSERT INTO messages(id, refs, expires_at, publisher, qos, packet) "
                   "VALUES(?, 1, NULL, 0, 1, ?)",
                   (next_id, stored_publish(f"site/{i % 1000}/dev/{i}", body, True)))
        db.execute("INSERT INTO retained(topic, message_id) VALUES(?, ?)",
                   (f"site/{i % 1000}/dev/{i}", next_id))
        next_id += 1
    for s in range(1, sessions + queue_sessions + 1):
        db.execute("INSERT INTO sessions(id, client_id, version, expiry_interval, "
                   "disconnected_at) VALUES(?, ?, 4, 4294967295, ?)",
                   (s, f"device-{s}", int(time.time() * 1000)))
        db.execute("INSERT INTO subscriptions(session_id, filter, options, identifier) "
                   "VALUES(?, ?, 1, 0)", (s, f"cmd/device-{s}/#"))
    for s in range(sessions + 1, sessions + queue_sessions + 1):
        for q in range(1, queue_depth + 1):
            db.execute("INSERT INTO deliveries(session_id, seq, message_id, qos, retain, "
                       "inline_packet, inline_qos, inline_publisher) "
                       "VALUES(?, ?, ?, 1, 0, ?, 1, 0)",
                       (s, q, next_id, stored_publish(f"cmd/device-{s}/set", body, False)))
            next_id += 1
    db.execute("COMMIT")
    db.close()


def run_case(args, name, retained, sessions, queue_sessions, queue_depth):
    workdir = tempfile.mkdtemp(prefix=f"tern-scale-{name}-")
    (Path(workdir) / "data").mkdir()
    port = free_port()
    proc, _ = start(args.tern, workdir, port)  # creates the schema
    stop(proc)
    began = time.monotonic()
    fill(Path(workdir) / "data" / "tern.db", retained, sessions, queue_sessions, queue_depth,
         args.payload)
    filled = time.monotonic() - began
    size = sum(f.stat().st_size for f in (Path(workdir) / "data").iterdir())
    proc, startup = start(args.tern, workdir, port)
    time.sleep(1.0)  # let start-up allocations settle
    rss = rss_kib(proc.pid)
    stop(proc)
    print(f"| {name} | {retained:,} | {sessions + queue_sessions:,} | "
          f"{queue_sessions * queue_depth:,} | {size / 1048576:,.0f} MiB | {startup:.2f} s | "
          f"{rss / 1024:,.1f} MiB |", flush=True)
    print(f"  ({name}: store filled in {filled:.0f} s; files in {workdir})", file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", default="empty,startup,queued")
    p.add_argument("--retained", type=int, default=1_000_000)
    p.add_argument("--sessions", type=int, default=100_000)
    p.add_argument("--queue-sessions", type=int, default=1_000)
    p.add_argument("--queue-depth", type=int, default=1_000)
    p.add_argument("--payload", type=int, default=64)
    p.add_argument("--tern", default=str(ROOT / "build/app/tern"))
    args = p.parse_args()
    print(f"payload {args.payload} B\n")
    print("| case | retained | sessions | queued messages | store size | until listening | "
          "RSS after start |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    for case in args.cases.split(","):
        if case == "empty":
            run_case(args, "empty", 0, 0, 0, 0)
        elif case == "startup":
            run_case(args, "startup", args.retained, args.sessions, 0, 0)
        elif case == "queued":
            run_case(args, "queued", 0, 0, args.queue_sessions, args.queue_depth)
        else:
            p.error(f"unknown case {case}")


if __name__ == "__main__":
    main()
