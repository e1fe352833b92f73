"""Backpressure: a connected subscriber that stops reading must not make
the broker drop QoS 1 messages it has acknowledged. tern slows the
publisher instead (its PUBACKs wait while the subscriber's queue is past
max_queued_messages) and delivers everything once the subscriber reads
again. Memory stays bounded because the publisher's window is."""

import socket
import threading
import time
import unittest

from broker import BrokerTestCase, mosquitto_deviation
from raw_mqtt import PUBLISH, PUBACK, RawClient, ack_packet, publish_packet

MESSAGES = 2000
QUEUE_BOUND = 50


class Backpressure(BrokerTestCase):
    broker_settings = {"persistence": "false", "max_queued_messages": QUEUE_BOUND,
                       "max_inflight_messages": 10}

    @mosquitto_deviation("mosquitto drops QoS 1 messages for a connected client once "
                         "max_queued_messages is reached, after acknowledging them")
    def test_slow_subscriber_holds_publisher_and_nothing_is_lost(self):
        sub = RawClient(self.broker)
        self.addCleanup(sub.close)
        sub.connect("bp-sub")
        sub.subscribe(1, "bp/t", qos=1)

        pub = self.paho("bp-pub")
        acked = []
        done = threading.Event()

        def on_publish(client, userdata, mid):
            acked.append(mid)
            if len(acked) == MESSAGES:
                done.set()

        pub.client.on_publish = on_publish
        pub.client.max_queued_messages_set(0)  # paho queues what its window can't take
        for i in range(MESSAGES):
            pub.client.publish("bp/t", str(i).encode(), qos=1)

        # The subscriber reads nothing: the publisher must be held back well
        # before it has had every message acknowledged.
        time.sleep(2.0)
        held_at = len(acked)
        self.assertLess(held_at, MESSAGES // 2,
                        "the broker acknowledged messages it could not deliver or queue")

        # Now the subscriber reads and acknowledges: everything arrives, in
        # order [MQTT-4.6.0-2], and the publisher completes.
        received = []
        deadline = time.monotonic() + 60
        while len(received) < MESSAGES and time.monotonic() < deadline:
            p = sub.recv_packet(timeout=5)
            if p is None:
                break
            if p.type != PUBLISH:
                continue
            _, qos, pid, payload = p.publish_fields()
            self.assertEqual(qos, 1)
            sub.send(ack_packet(PUBACK, pid))
            received.append(int(payload))
        self.assertEqual(received, list(range(MESSAGES)),
                         f"held at {held_at} acknowledgements; lost or reordered messages")
        self.assertTrue(done.wait(10), f"publisher saw {len(acked)} of {MESSAGES} PUBACKs")

    def test_a_subscriber_whose_socket_fills_still_gets_everything(self):
        # Ten 512 KiB messages in flight are more than the subscriber's
        # small receive buffer and the broker's send buffer hold: the
        # broker's writes to it come back short, and the rest must go out
        # as the socket drains (output edges), in order, nothing dropped.
        big = 512 * 1024
        count = 20
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        raw.settimeout(10)
        raw.connect((self.broker.host, self.broker.port))
        sub = RawClient(self.broker, sock=raw)
        self.addCleanup(sub.close)
        sub.connect("fill-sub")
        sub.subscribe(1, "fill/t", qos=1)
        pub = self.raw_connect("fill-pub")
        self.addCleanup(pub.close)
        for i in range(count):
            payload = i.to_bytes(4, "big") * (big // 4)
            pub.send(publish_packet("fill/t", payload, qos=1, pid=i + 1))
        for _ in range(count):
            pub.expect_packet(PUBACK)
        time.sleep(0.5)  # the subscriber reads nothing meanwhile: its socket fills

        received = []
        while len(received) < count:
            p = sub.recv_packet(timeout=10)
            self.assertIsNotNone(p, f"{len(received)} of {count} messages arrived")
            if p.type != PUBLISH:
                continue
            _, qos, pid, payload = p.publish_fields()
            self.assertEqual(len(payload), big)
            received.append(int.from_bytes(payload[:4], "big"))
            sub.send(ack_packet(PUBACK, pid))
        self.assertEqual(received, list(range(count)))


if __name__ == "__main__":
    unittest.main()
