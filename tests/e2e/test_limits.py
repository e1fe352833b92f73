"""Connection and client limits (issue 6, point 5): max_connections per
listener, global_max_connections, max_connection_rate per source address,
max_publish_rate per client, max_keepalive and message_size_limit for
3.1.1 clients. A socket over a connection limit is closed before a byte is
read, and every refusal is logged."""

import re
import socket
import time
import unittest

from broker import Broker, BrokerTestCase
from limits import TIMEOUT
from raw_mqtt import (CONNACK, PUBACK, PUBLISH, V311, V5, RawClient, connect_packet,
                      publish_packet, subscribe_packet, SUBACK)


def log_matches(broker, pattern, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(broker.log_path, "rb") as f:
            if re.search(pattern, f.read().decode("utf-8", "replace")):
                return True
        time.sleep(0.05)
    return False


class FromAddress:
    """What RawClient needs of a broker, connecting from another loopback
    address: the harness's own start-up probe came from 127.0.0.1, and a
    limit per source address must not count it."""

    def __init__(self, broker, source):
        self.host, self.port, self.source = broker.host, broker.port, source


class SourcedClient(RawClient):
    def __init__(self, where):
        self.sock = socket.create_connection((where.host, where.port), timeout=TIMEOUT,
                                             source_address=(where.source, 0))
        self.buf = b""
        self.version = V311
        self.eof = False


class ConnectionCase(BrokerTestCase):
    source = None  # connect from this address (None: 127.0.0.1)

    def new_client(self):
        r = SourcedClient(FromAddress(self.broker, self.source)) if self.source else \
            RawClient(self.broker)
        self.addCleanup(r.close)
        return r

    def connected(self, client_id, version=V311):
        r = self.new_client()
        r.connect(client_id, version=version)
        return r

    def assert_refused_at_accept(self):
        """A new socket is accepted by the kernel and closed by the broker
        without a CONNACK, even after sending CONNECT."""
        r = self.new_client()
        try:
            r.send(connect_packet("over", version=V311))
        except OSError:
            return  # already closed: refused
        closed, packets = r.wait_closed()
        self.assertTrue(closed, "the connection over the limit stayed open")
        self.assertEqual([p for p in packets if p.type == CONNACK], [])

    def connect_eventually(self, client_id):
        """The broker notices a closed connection asynchronously: retry
        until its place is free again (bounded)."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            r = RawClient(self.broker)
            self.addCleanup(r.close)
            try:
                r.send(connect_packet(client_id, version=V311))
                ack = r.recv_packet()
            except OSError:
                ack = None
            if ack is not None and ack.type == CONNACK and ack.body[1] == 0:
                return r
            if time.monotonic() > deadline:
                self.fail("no place became free after a client left")
            time.sleep(0.05)


class ListenerMaxConnections(ConnectionCase):
    broker_settings = ["max_connections 2"]  # follows the test's listener line

    def test_third_connection_is_closed_at_once_and_logged(self):
        # The harness's start-up probe may not be gone yet: wait for places.
        a = self.connect_eventually("a")
        self.connect_eventually("b")
        self.assert_refused_at_accept()
        self.assertTrue(log_matches(self.broker, r"Connection from 127\.0\.0\.1:\d+ on listener "
                                                 r"127\.0\.0\.1:\d+ refused: max_connections 2 "
                                                 r"reached"))
        # A client leaves: its place is free again.
        a.close()
        self.connect_eventually("c")


class GlobalMaxConnections(ConnectionCase):
    broker_settings = ["global_max_connections 1"]

    def test_second_connection_is_refused(self):
        # The harness's start-up probe may not be gone yet: wait for a place.
        first = self.connect_eventually("only")
        self.assert_refused_at_accept()
        self.assertTrue(log_matches(self.broker, r"refused: global_max_connections 1 reached"))
        first.close()
        self.connect_eventually("next")


class ConnectionRate(ConnectionCase):
    broker_settings = ["max_connection_rate 3/3600"]
    source = "127.0.0.2"

    def test_fourth_connection_from_one_address_within_the_window_is_refused(self):
        for i in range(3):
            self.connected(f"c{i}").close()
        self.assert_refused_at_accept()
        self.assertTrue(log_matches(self.broker, r"Connection from 127\.0\.0\.2:\d+ on listener "
                                                 r".* refused: more than max_connection_rate "
                                                 r"3/3600s from this address"))
        # Another address has its own count.
        self.source = "127.0.0.3"
        self.connected("other")


class PublishRate(BrokerTestCase):
    broker_settings = ["max_publish_rate 20"]

    def test_a_fast_publisher_is_slowed_down_and_loses_nothing(self):
        sub = self.raw()
        sub.connect("sub")
        sub.subscribe(1, "rate/#", qos=1)
        pub = self.raw()
        pub.connect("pub")
        count = 60
        start = time.monotonic()
        # All at once, QoS 1: each PUBACK says the broker took it.
        pub.send(b"".join(publish_packet("rate/t", str(i).encode(), qos=1, pid=i + 1)
                          for i in range(count)))
        acked = set()
        while len(acked) < count:
            p = pub.expect_packet(PUBACK, timeout=3 * TIMEOUT)
            acked.add(p.pid())
        elapsed = time.monotonic() - start
        # 20 at once (a second's burst), then 20/s: at least 2 s for 60.
        # Only a lower bound: a loaded machine can be slower, never faster.
        self.assertGreaterEqual(elapsed, 1.5)
        got = []
        while len(got) < count:
            p = sub.expect_packet(PUBLISH, timeout=3 * TIMEOUT)
            topic, qos, pid, payload = p.publish_fields()
            got.append(int(payload))
            sub.send(bytes([0x40, 2]) + pid.to_bytes(2, "big"))
        self.assertEqual(sorted(got), list(range(count)))
        self.assertTrue(log_matches(self.broker, r"Client pub from 127\.0\.0\.1:\d+ publishes "
                                                 r"faster than max_publish_rate 20/s"))
        # Reading resumed: the connection still works.
        pub.send(publish_packet("rate/t", b"after", qos=1, pid=100))
        self.assertEqual(pub.expect_packet(PUBACK).pid(), 100)


class KeepAlive(BrokerTestCase):
    broker_settings = ["max_keepalive 30"]

    def test_v311_over_max_keepalive_is_refused_with_identifier_rejected(self):
        # mosquitto 2.0 does the same: 3.1.1 has no way to tell the client.
        for keepalive in (31, 0):
            with self.subTest(keepalive=keepalive):
                r = self.raw()
                r.send(connect_packet("k", version=V311, keepalive=keepalive))
                ack = r.expect_packet(CONNACK)
                self.assertEqual(ack.body[1], 2)
                self.assertTrue(r.wait_closed()[0])
                self.assertTrue(log_matches(
                    self.broker, rf"Client k from 127\.0\.0\.1:\d+ refused: Client Identifier "
                                 rf"not valid \(keep alive {keepalive} s, max_keepalive is 30\)"))

    def test_v311_within_max_keepalive_connects(self):
        self.raw().connect("k", version=V311, keepalive=30)

    def test_v5_over_max_keepalive_is_told_the_server_keep_alive(self):
        r = self.raw()
        ack = r.connect("k5", version=V5, keepalive=600)
        # CONNACK properties: Server Keep Alive (0x13) = 30.
        self.assertIn(bytes([0x13, 0, 30]), ack.body[2:])


class MessageSizeV311(BrokerTestCase):
    broker_settings = ["message_size_limit 10"]

    def test_a_3_1_1_publish_over_the_limit_is_acknowledged_and_dropped(self):
        sub = self.raw()
        sub.connect("sub")
        sub.subscribe(1, "size/#")
        pub = self.raw()
        pub.connect("pub")
        pub.send(publish_packet("size/big", b"x" * 11, qos=1, pid=7))
        self.assertEqual(pub.expect_packet(PUBACK).pid(), 7)
        pub.send(publish_packet("size/small", b"y" * 10, qos=0))
        p = sub.expect_packet(PUBLISH)
        self.assertEqual(p.publish_fields()[0], "size/small")


if __name__ == "__main__":
    unittest.main()
