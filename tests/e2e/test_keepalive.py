"""Keep alive: a client silent for 1.5x its keep alive is disconnected
[MQTT-3.1.2-24]; any control packet, PINGREQ included, keeps it alive; keep
alive 0 switches the mechanism off."""

import time
import unittest

from broker import BrokerTestCase, mosquitto_deviation
from clients import MQTTv311
from raw_mqtt import DISCONNECT, PINGREQ_PACKET, PINGRESP, V5, V311, publish_packet

KEEPALIVE = 1
# Spec: closed once 1.5 x keep alive passed without a packet. The upper
# bound leaves room for a timer granularity of a second plus a loaded host.
EARLIEST = 1.0 * KEEPALIVE
LATEST = 2.0 * KEEPALIVE + 1.0


class KeepAlive(BrokerTestCase):
    def connect_silent(self, will_prefix=None):
        """A v3.1.1 and a v5 client that CONNECT with keep alive 1 and then
        say nothing; {version: (client, time of CONNACK)}."""
        clients = {}
        for version in (V311, V5):
            r = self.raw()
            will = None
            if will_prefix:
                will = {"topic": f"{will_prefix}/{version}", "payload": b"timed out"}
            r.connect(f"silent-{version}", version=version, keepalive=KEEPALIVE, will=will)
            clients[version] = (r, time.monotonic())
        return clients

    @mosquitto_deviation("mosquitto 2.0.11 checks keep alive about every 5 s: a client with "
                         "keep alive 1 is closed after ~6 s, not 1.5 s")
    def test_silent_client_closed_after_one_and_a_half_keepalive(self):
        for version, (r, t0) in self.connect_silent().items():
            closed, pkts = r.wait_closed(timeout=LATEST + 1)
            elapsed = time.monotonic() - t0
            self.assertTrue(closed, f"v{version}: silent client still open after {elapsed:.2f}s")
            self.assertGreaterEqual(elapsed, EARLIEST, f"v{version}: closed before keep alive")
            self.assertLessEqual(elapsed, LATEST, f"v{version}: closed too late")
            # v5 may say why first: DISCONNECT 0x8D "Keep Alive timeout".
            allowed = ([], [(DISCONNECT, b"\x8d")]) if version == V5 else ([],)
            self.assertIn([(p.type, p.body[:1]) for p in pkts], allowed)

    def test_silent_client_closed_and_its_will_published(self):
        # The same, with a lenient deadline, for the will: a keep-alive
        # timeout is not a DISCONNECT, so the will goes out [MQTT-3.1.2-8].
        watcher = self.paho(protocol=MQTTv311)
        watcher.subscribe("ka/will/#", qos=1)
        for version, (r, t0) in self.connect_silent("ka/will").items():
            closed, _ = r.wait_closed(timeout=10)
            self.assertTrue(closed, f"v{version}: silent client still open after 10s")
            self.assertGreaterEqual(time.monotonic() - t0, EARLIEST)
        got = watcher.expect(2) + watcher.drain(0.2)
        self.assertEqual(sorted((m.topic, m.payload) for m in got),
                         [("ka/will/4", b"timed out"), ("ka/will/5", b"timed out")])

    def test_active_clients_stay(self):
        pinger = self.raw()
        pinger.connect("pinger", keepalive=KEEPALIVE)
        publisher = self.raw()
        publisher.connect("publisher", keepalive=KEEPALIVE)
        # Keep alive 0 turns the mechanism off (v3.1.1 3.1.2.10, v5 3.1.2.10).
        idle = self.raw()
        idle.connect("keepalive-zero", keepalive=0)
        pongs = 0
        deadline = time.monotonic() + 2.5 * KEEPALIVE + 0.5
        while time.monotonic() < deadline:
            pinger.send(PINGREQ_PACKET)
            pinger.expect_packet(PINGRESP)  # [MQTT-3.12.4-1]
            pongs += 1
            # Any control packet counts as activity, not only PINGREQ.
            publisher.send(publish_packet("ka/traffic", b"x"))
            time.sleep(0.4 * KEEPALIVE)
        self.assertGreaterEqual(pongs, 5)
        for name, r in (("pinger", pinger), ("publisher", publisher), ("keepalive-zero", idle)):
            with self.subTest(client=name):
                self.assertIsNone(r.recv_packet(timeout=0.05))
                self.assertFalse(r.eof, f"{name} was disconnected")
                r.send(PINGREQ_PACKET)
                r.expect_packet(PINGRESP)


if __name__ == "__main__":
    unittest.main()
