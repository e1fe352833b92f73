"""Crash tests: kill -9 under load, restart, and check the durability
promise (README): nothing the broker acknowledged is lost, no QoS 2 message
is delivered twice, the retained set is exact and sessions are present.

Publishers are paho clients with persistent sessions that reconnect on
their own, as devices do, and resend what was not acknowledged (QoS 2:
PUBLISH with DUP, or PUBREL), with a paho bug worked around
(clients.PubrelKeepingClient; PahoResumesQos2 shows it). A message counts as acknowledged when paho
reports it published: PUBACK for QoS 1, PUBCOMP for QoS 2. The subscriber's
session is persistent and offline during the load, so every message is
queued in the store when the broker dies.
"""

import os
import random
import socket
import threading
import time
import unittest

import paho.mqtt.client as mqtt

from broker import HOST, Broker, free_port, mosquitto_deviation
from clients import PahoClient, PubrelKeepingClient
from limits import TIMEOUT
from raw_mqtt import CONNECT, PUBLISH, PUBREC, PUBREL, RawClient, ack_packet, packet

ROUNDS = int(os.environ.get("TERN_CRASH_ROUNDS", "20"))
# Messages a publisher may have unacknowledged at once (paho's window).
WINDOW = 20


class LoadPublisher:
    """Publishes numbered messages as fast as the broker acknowledges them,
    through crashes: paho reconnects (loop_start) and resends."""

    def __init__(self, broker, client_id, qos):
        self.qos = qos
        self.prefix = f"q{qos}"
        self.client = PubrelKeepingClient(client_id=client_id, clean_session=False)
        self.client.max_inflight_messages_set(WINDOW)
        self.client.reconnect_delay_set(min_delay=0.05, max_delay=0.2)
        self.client.on_publish = self._on_publish
        self.lock = threading.Lock()
        self.seq_of_mid = {}
        self.acked_mids = set()
        self.running = threading.Event()
        self.thread = None
        self.broker = broker

    def _on_publish(self, client, userdata, mid):
        with self.lock:
            self.acked_mids.add(mid)

    def outstanding(self):
        with self.lock:
            return len(self.seq_of_mid) - len(self.acked_mids & self.seq_of_mid.keys())

    def start(self):
        self.client.connect_async(self.broker.host, self.broker.port, keepalive=10)
        self.client.loop_start()
        self.running.set()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        seq = 0
        while self.running.is_set():
            if self.outstanding() >= WINDOW or seq >= 60000:  # mids stay unique
                time.sleep(0.002)
                continue
            info = self.client.publish("load/" + self.prefix, f"{self.prefix}-{seq}", qos=self.qos)
            with self.lock:
                self.seq_of_mid[info.mid] = seq
            seq += 1

    def pause(self):
        self.running.clear()
        if self.thread:
            self.thread.join(TIMEOUT)

    def settle(self, timeout):
        """Waits until everything published is acknowledged."""
        deadline = time.monotonic() + timeout
        while self.outstanding() and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self):
        self.pause()
        self.client.loop_stop()
        self.client.disconnect()

    def acknowledged(self):
        with self.lock:
            return {f"{self.prefix}-{self.seq_of_mid[m]}"
                    for m in self.acked_mids if m in self.seq_of_mid}


@mosquitto_deviation("mosquitto writes its state only at autosave and shutdown, "
                     "so kill -9 loses what it acknowledged since")
class CrashUnderLoad(unittest.TestCase):
    def setUp(self):
        self.broker = Broker({"persistence": "true", "persistence_location": "data",
                              "max_queued_messages": "0"}).start()
        self.addCleanup(self.broker.stop)

    def test_kill9_loses_nothing_acknowledged_and_duplicates_no_qos2(self):
        # The subscriber's session exists before the load, then goes away.
        sub = PahoClient(self.broker, "crash-sub", clean=False)
        sub.connect()
        self.assertEqual(sub.subscribe("load/#", qos=2), (2,))
        sub.disconnect()

        publishers = [LoadPublisher(self.broker, "crash-q1", 1),
                      LoadPublisher(self.broker, "crash-q2", 2)]
        for p in publishers:
            p.start()
        retained_acked = None
        rng = random.Random(7)
        for round_no in range(ROUNDS):
            time.sleep(rng.uniform(0.2, 0.6))  # under load
            # A retained value per round: the last acknowledged one must be
            # the one a subscriber finds after the crash.
            retainer = PahoClient(self.broker, f"retainer-{round_no}")
            try:
                retainer.connect()
                retainer.publish("load-retained", f"round-{round_no}", qos=1, retain=True)
                retained_acked = f"round-{round_no}"
            except AssertionError:
                pass  # not acknowledged: either value may be kept
            finally:
                retainer.close()
            time.sleep(rng.uniform(0.0, 0.2))
            self.broker.kill9()
            self.broker.restart()
        for p in publishers:
            p.pause()
        for p in publishers:
            p.settle(3 * TIMEOUT)
        for p in publishers:
            p.stop()

        acknowledged = {p.qos: p.acknowledged() for p in publishers}
        self.assertGreater(len(acknowledged[1]), ROUNDS, "the load hardly ran")
        self.assertGreater(len(acknowledged[2]), ROUNDS, "the load hardly ran")

        sub = PahoClient(self.broker, "crash-sub", clean=False)
        sub.connect()
        self.addCleanup(sub.close)
        self.assertTrue(sub.session_present(), "the subscriber's session was lost")
        expected = len(acknowledged[1]) + len(acknowledged[2])
        received = []
        deadline = time.monotonic() + 6 * TIMEOUT
        while time.monotonic() < deadline:
            got = sub.drain(1.0)
            received += got
            if not got and len(received) >= expected:
                break
        payloads = [m.payload.decode() for m in received]
        for qos in (1, 2):
            lost = acknowledged[qos] - set(payloads)
            self.assertFalse(lost, f"QoS {qos}: {len(lost)} acknowledged message(s) lost, "
                                   f"e.g. {sorted(lost)[:5]}")
        q2 = [p for p in payloads if p.startswith("q2-")]
        duplicates = {p for p in q2 if q2.count(p) > 1}
        self.assertFalse(duplicates, f"QoS 2 delivered twice: {sorted(duplicates)[:5]}")

        checker = PahoClient(self.broker, "retained-check")
        checker.connect()
        self.addCleanup(checker.close)
        checker.subscribe("load-retained", qos=1)
        retained = [m.payload.decode() for m in checker.drain(1.0)]
        self.assertEqual(len(retained), 1, retained)
        # The value acknowledged last, or one acknowledged to nobody yet
        # (sent before a crash that ate its PUBACK): never an older one.
        if retained_acked is not None:
            self.assertGreaterEqual(int(retained[0].split("-")[1]),
                                    int(retained_acked.split("-")[1]))
        sys_line = (f"crash test: {ROUNDS} kill -9 rounds, {len(acknowledged[1])} QoS 1 and "
                    f"{len(acknowledged[2])} QoS 2 messages acknowledged, "
                    f"{len(received)} received, 0 lost, 0 QoS 2 duplicates")
        print(sys_line)


class PahoResumesQos2(unittest.TestCase):
    """The client bug behind PubrelKeepingClient, shown against a scripted
    server: PUBREC, then PUBREL, then the connection drops before PUBCOMP
    and the server stays away long enough for several reconnect attempts.
    On resuming, the sender owes a PUBREL, never the PUBLISH again
    (3.1.1 and 5.0, 4.3.3: the sender MUST NOT re-send the PUBLISH once it has
    sent the corresponding PUBREL)."""

    def resume_after_pubrel(self, client_class):
        port = free_port()
        client = client_class(client_id="resume", clean_session=False)
        client.reconnect_delay_set(min_delay=0.02, max_delay=0.02)
        with socket.create_server((HOST, port)) as server:
            server.settimeout(TIMEOUT)
            client.connect(HOST, port)
            client.loop_start()
            self.addCleanup(client.loop_stop)
            conn, _ = server.accept()
            with conn:
                peer = RawClient(None, sock=conn)
                peer.expect_packet(CONNECT)
                peer.send(packet(0x20, bytes([0, 0])))
                client.publish("t", b"once", qos=2)
                publish = peer.expect_packet(PUBLISH)
                peer.send(ack_packet(PUBREC, publish.publish_fields()[2]))
                peer.expect_packet(PUBREL)
        time.sleep(0.3)  # refused meanwhile: several reconnect attempts
        with socket.create_server((HOST, port)) as server:
            server.settimeout(TIMEOUT)
            conn, _ = server.accept()
            with conn:
                peer = RawClient(None, sock=conn)
                peer.expect_packet(CONNECT)
                peer.send(packet(0x20, bytes([1, 0])))  # session present
                return peer.recv_packet()

    def test_paho_sends_the_publish_again(self):
        resent = self.resume_after_pubrel(mqtt.Client)
        self.assertEqual(resent.type, PUBLISH,
                         "paho resends the PUBREL now: PubrelKeepingClient can go")
        self.assertEqual(resent.flags & 0x08, 0, "as a new message: DUP 0")

    def test_the_workaround_sends_the_pubrel(self):
        self.assertEqual(self.resume_after_pubrel(PubrelKeepingClient).type, PUBREL)


if __name__ == "__main__":
    unittest.main()
