#!/usr/bin/python3
"""Bridge benchmark: tern bridged to a local mosquitto (the "remote").

1. Drain rate after an outage: mosquitto stops, N QoS 1 messages of
   --payload bytes are published into tern (queued for the bridge, in the
   SQLite store with --persistence), mosquitto comes back with a subscriber
   on the bridged topic, and the time from its first to its last message
   gives the rate at which tern's queue drains into the remote.
2. Steady state: the same N messages published while the link is up, into
   tern (bridged) and straight into mosquitto (direct); the rate is N over
   the time until the subscriber at mosquitto has them all.

The publisher is paho (Python, QoS 1, 100 in flight), the subscriber
mosquitto_sub (C, QoS 1).

    scripts/build.sh && /usr/bin/python3 bench/bridge_drain.py --messages 100000
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

import paho.mqtt.client as mqtt

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from broker import Broker  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def start_sub(broker, topic, count):
    # %U: the receive time (seconds.nanoseconds), one line per message,
    # into a file: a pipe read only at the end would fill and stop it.
    out = tempfile.TemporaryFile(mode="w+")
    sub = subprocess.Popen(
        ["mosquitto_sub", "-h", broker.host, "-p", str(broker.port), "-t", topic, "-q", "1",
         "-C", str(count), "-F", "%U"], stdout=out, stderr=subprocess.DEVNULL, text=True)
    sub.stamps_file = out
    return sub


def publish(broker, topic, count, payload):
    """count QoS 1 messages from one paho client with 100 in flight; returns
    the seconds until the last was acknowledged. (mosquitto_pub -l stops
    short on a million lines: it leaves at the end of its input with
    messages still queued.)"""
    c = mqtt.Client(client_id=f"bench-pub-{os.getpid()}-{time.monotonic_ns()}")
    c.max_inflight_messages_set(100)
    c.connect(broker.host, broker.port)
    c.loop_start()
    body = b"x" * payload
    started = time.monotonic()
    window = []
    for _ in range(count):
        window.append(c.publish(topic, body, qos=1))
        if len(window) >= 1000:  # paho queues without bound: keep 1,000 unsent
            window.pop(0).wait_for_publish()
    for info in window:
        info.wait_for_publish()
    took = time.monotonic() - started
    c.disconnect()
    c.loop_stop()
    return took


def finish(sub, timeout):
    sub.wait(timeout=timeout)
    sub.stamps_file.seek(0)
    stamps = [float(s) for s in sub.stamps_file.read().split()]
    sub.stamps_file.close()
    return stamps


def steady(into, topic, at, filter, n, payload):
    """Messages per second from the first publish into `into` to the last
    arrival at a subscriber on `at`."""
    sub = start_sub(at, filter, n)
    time.sleep(0.3)
    started = time.time()
    publish(into, topic, n, payload)
    stamps = finish(sub, 600)
    return n / (stamps[-1] - started)


def wait_bridge():
    time.sleep(1.5)  # the bridge connects within a few milliseconds; margin for a busy machine


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--payload", type=int, default=1024)
    ap.add_argument("--persistence", default="true", choices=["true", "false"])
    ap.add_argument("--inflight", type=int, default=20, help="tern's max_inflight_messages")
    args = ap.parse_args()
    tern = os.path.join(ROOT, "build", "app", "tern")
    os.environ.setdefault("TERN_E2E_BROKER", tern)

    remote = Broker(["user root", "max_queued_messages 0", "max_inflight_messages 0"])
    remote.executable = "/usr/sbin/mosquitto"
    remote.start()
    local = Broker([f"persistence {args.persistence}", "persistence_location data",
                    "max_queued_messages 0", f"max_inflight_messages {args.inflight}",
                    "connection bench", f"address 127.0.0.1:{remote.port}",
                    "remote_clientid bench-bridge", "restart_timeout 2",
                    'topic bench/# out 1 "" site/']).start()
    n = args.messages
    try:
        wait_bridge()
        bridged = steady(local, "bench/steady", remote, "site/bench/#", n, args.payload)
        direct = steady(remote, "direct/x", remote, "direct/#", n, args.payload)

        # Outage: the remote stops, the load goes into tern's queue.
        remote.proc.send_signal(signal.SIGTERM)
        remote.proc.wait(10)
        queued_in = publish(local, "bench/outage", n, args.payload)
        remote.restart()
        sub = start_sub(remote, "site/bench/#", n)
        stamps = finish(sub, 900)
        drain = (len(stamps) - 1) / (stamps[-1] - stamps[0])
        print(f"| messages | payload | persistence | publish into tern during outage msg/s "
              f"| drain msg/s | bridged msg/s | direct msg/s |")
        print("|--:|--:|---|--:|--:|--:|--:|")
        print(f"| {n:,} | {args.payload} B | {args.persistence} | {n / queued_in:,.0f} "
              f"| {drain:,.0f} | {bridged:,.0f} | {direct:,.0f} |")
    finally:
        local.stop()
        remote.stop()


if __name__ == "__main__":
    main()
