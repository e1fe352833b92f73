"""Read coalescing: a client that keeps sending QoS 0 PUBLISHes and nothing
else is read about once per write_coalescer window (5 ms) rather than each
time its socket turns readable, so many such clients share a worker's
wake-ups. What a client waits for (QoS 1/2, PINGREQ) is read at once, and
nothing a held client sends, its close included, is lost or missed.

Reads are counted by the tern_input_reads_total metric (the http listener);
that a QoS 1 client is not held shows in its PUBACK round trips."""

import statistics
import time
import unittest

from prometheus_client.parser import text_string_to_metric_families

from broker import BrokerTestCase, free_port, needs
from limits import TIMEOUT, scaled
from ops_http import http_get, http_listener_settings
from raw_mqtt import PUBACK, PUBLISH, publish_packet

WINDOW_S = 0.005  # write_coalescer::window
MESSAGES = 500
PINGREQ = bytes([0xC0, 0x00])
PINGRESP = 13


def held_read_bound(elapsed):
    """The most reads a held client may cost over `elapsed` seconds: one
    per window, with room for the reads before it counts as busy."""
    return elapsed / WINDOW_S * 1.5 + 10


@needs("websocket")  # the http listener is left out with WebSocket
class ReadCoalescing(BrokerTestCase):
    http_port = free_port()
    broker_settings = ["persistence false", *http_listener_settings(http_port)]

    def input_reads(self):
        status, _, body = http_get(self.http_port, "/metrics")
        self.assertEqual(status, 200, body)
        for fam in text_string_to_metric_families(body):
            for s in fam.samples:
                if s.name == "tern_input_reads_total":
                    return s.value
        raise AssertionError("no tern_input_reads_total in /metrics")

    def send_paced(self, client, packet_of, count=MESSAGES):
        """Sends count packets about 1 ms apart; returns the seconds taken."""
        start = time.monotonic()
        for i in range(count):
            client.send(packet_of(i))
            time.sleep(0.001)
        return time.monotonic() - start

    def receive_payloads(self, sub, count):
        got = []
        while len(got) < count:
            p = sub.recv_packet(TIMEOUT)
            self.assertIsNotNone(p, f"{len(got)} of {count} messages arrived")
            self.assertEqual(p.type, PUBLISH)
            got.append(p.publish_fields()[3])
        return got

    def test_busy_qos0_publisher_is_read_about_once_per_window(self):
        sub = self.raw_connect("coalesce-sub")
        sub.subscribe(1, "coal/#", qos=0)
        pub = self.raw_connect("coalesce-pub")
        before = self.input_reads()
        elapsed = self.send_paced(
            pub, lambda i: publish_packet("coal/t", i.to_bytes(4, "big")))
        got = self.receive_payloads(sub, MESSAGES)
        self.assertEqual(got, [i.to_bytes(4, "big") for i in range(MESSAGES)],
                         "every message, in order")
        reads = self.input_reads() - before
        self.assertLess(reads, held_read_bound(elapsed),
                        f"{MESSAGES} messages over {elapsed:.2f}s took {reads:.0f} reads")

    def test_qos1_publisher_is_read_at_once(self):
        # Busy (a PUBLISH every few hundred microseconds) but at QoS 1: each
        # is read as it arrives, so its PUBACK comes back in far less than a
        # window. Held, half the round trips would take half a window or more.
        pub = self.raw_connect("coalesce-q1")
        round_trips = []
        for i in range(200):
            start = time.monotonic()
            pub.send(publish_packet("coal/q1", b"x", qos=1, pid=i + 1))
            self.assertEqual(pub.expect_packet(PUBACK).pid(), i + 1)
            round_trips.append(time.monotonic() - start)
        median = statistics.median(round_trips)
        self.assertLess(median, scaled(WINDOW_S / 2),
                        f"median PUBACK round trip {median * 1000:.2f} ms: input held?")

    def test_close_of_a_held_publisher_is_noticed(self):
        sub = self.raw_connect("coalesce-will-sub")
        sub.subscribe(1, "coal/#", qos=0)
        pub = self.raw_connect("coalesce-will-pub",
                               will={"topic": "coal/will", "payload": b"gone"})
        self.send_paced(pub, lambda i: publish_packet("coal/t", i.to_bytes(4, "big")),
                        count=100)
        pub.close()  # no DISCONNECT: the will goes out
        got = self.receive_payloads(sub, 101)
        self.assertEqual(got[-1], b"gone")
        self.assertEqual(got[:-1], [i.to_bytes(4, "big") for i in range(100)])

    def test_pingreq_behind_qos0_is_answered(self):
        pub = self.raw_connect("coalesce-ping")
        self.send_paced(pub, lambda i: publish_packet("coal/t", b"x"), count=50)
        pub.send(PINGREQ)
        pub.expect_packet(PINGRESP)


if __name__ == "__main__":
    unittest.main()
