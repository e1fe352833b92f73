"""Hostile clients (issue 11, point 2): each case attacks the broker from
raw sockets and checks three things.

(a) The offender is handled: closed, or answered with the spec's reason
    code (MQTT 5 4.13: a DISCONNECT / CONNACK >= 0x80 before the close).
(b) A well-behaved client connected alongside (the witness) keeps getting
    its messages: it runs QoS 1 publish/receive round trips from its own
    thread during the whole attack (at least one must complete during it,
    none may fail or take longer than the suite's TIMEOUT) and once after.
(c) The broker's resident memory (VmRSS in /proc/PID/status) grows by no
    more than the bound the case states.

Figures (RSS, connects per second, witness rounds) are printed to stderr
as "hostile: ..." lines; nothing asserts a speed.

Against mosquitto (cd tests/e2e && TERN_E2E_BROKER=/usr/sbin/mosquitto
/usr/bin/python3 -m unittest -v test_hostile) the cases where it
legitimately differs are marked with mosquitto_deviation."""

import contextlib
import os
import socket
import struct
import sys
import threading
import time
import unittest

from broker import BROKER_ENV, BrokerTestCase, mosquitto_deviation
from limits import QUIET, SANITIZER, TIMEOUT
from raw_mqtt import (CONNACK, DISCONNECT, PINGREQ_PACKET, PINGRESP, PUBACK, PUBCOMP, PUBLISH,
                      PUBREC, PUBREL, SUBACK, V311, V5, RawClient, ack_packet, connect_packet,
                      decode_varint,
                      disconnect_packet, packet, publish_packet, subscribe_packet,
                      varint)

MIB = 1024 * 1024
# The broker's connect timeout (tern: 10 s from accept, not configurable).
CONNECT_TIMEOUT = 10.0
MOSQUITTO = os.path.basename(os.environ.get(BROKER_ENV, "")).startswith("mosquitto")


def with_tern_settings(settings, **tern_only):
    """settings plus tern's own keys, which mosquitto would refuse to start
    with: its tests then run with its defaults (and are expected to fail)."""
    return dict(settings) if MOSQUITTO else dict(settings, **tern_only)


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def report(text):
    sys.stderr.write(f"\nhostile: {text}\n")
    sys.stderr.flush()


def deep_topic(prefix, levels):
    """prefix followed by levels-1 more levels ("prefix/a/a/...")."""
    return prefix + "/a" * (levels - 1)


class Witness:
    """The well-behaved client: a QoS 1 subscription to witness/# and, from
    its own thread, a publish/receive round trip every 50 ms."""

    def __init__(self, broker):
        self.client = RawClient(broker)
        self.client.connect("witness", version=V311)
        self.client.subscribe(1, "witness/#", qos=1)
        self.rounds = 0
        self.slowest = 0.0
        self.error = None
        self._stop = threading.Event()
        self._thread = None

    def round(self):
        """One round trip: PUBLISH QoS 1 to witness/ping, its PUBACK and the
        message itself back; raises AssertionError past TIMEOUT."""
        self.rounds += 1
        pid = self.rounds % 60000 + 2
        payload = f"ping-{self.rounds}".encode()
        start = time.monotonic()
        self.client.send(publish_packet("witness/ping", payload, qos=1, pid=pid))
        acked = received = False
        while not (acked and received):
            left = start + TIMEOUT - time.monotonic()
            p = self.client.recv_packet(max(left, 0.01))
            if p is None:
                why = "its connection closed" if self.client.eof else f"nothing within {TIMEOUT}s"
                raise AssertionError(f"witness round {self.rounds}: {why}")
            if p.type == PUBACK and p.pid() == pid:
                acked = True
            elif p.type == PUBLISH:
                _, qos, in_pid, body = p.publish_fields()
                if qos:
                    self.client.send(ack_packet(PUBACK, in_pid))
                received = received or body == payload
        self.slowest = max(self.slowest, time.monotonic() - start)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.round()
            except (AssertionError, OSError) as e:
                self.error = e
                return
            self._stop.wait(0.05)

    def start(self):
        self.rounds_at_start = self.rounds
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self):
        """Stops the thread once it completed a round during the attack;
        the number of rounds it made."""
        deadline = time.monotonic() + TIMEOUT
        while (self.rounds - self.rounds_at_start < 2 and self.error is None
               and time.monotonic() < deadline):
            time.sleep(0.02)
        self._stop.set()
        self._thread.join(2 * TIMEOUT)
        if self.error is not None:
            raise AssertionError(f"the witness failed during the attack: {self.error}")
        return self.rounds - self.rounds_at_start

    def close(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2 * TIMEOUT)
        self.client.close()


class HostileCase(BrokerTestCase):
    broker_settings = {"persistence": "false"}

    def setUp(self):
        super().setUp()
        self.witness = Witness(self.broker)
        self.addCleanup(self.witness.close)

    def rss(self):
        return rss_bytes(self.broker.proc.pid)

    @contextlib.contextmanager
    def attack(self, name, rss_bound_mib):
        """Runs the body as an attack: the witness works during it and
        after it, and RSS grows by less than rss_bound_mib."""
        before = self.rss()
        started = time.monotonic()
        self.witness.start()
        peak = [before]
        stop_sampling = threading.Event()

        def sample():
            while not stop_sampling.wait(0.05):
                try:
                    peak[0] = max(peak[0], self.rss())
                except (OSError, AssertionError):
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            yield
        finally:
            stop_sampling.set()
            sampler.join(TIMEOUT)
        rounds = self.witness.stop()
        self.witness.round()  # and after
        after = self.rss()
        peak[0] = max(peak[0], after)
        report(f"{name}: RSS {before / MIB:.1f} MiB before, peak {peak[0] / MIB:.1f} MiB, "
               f"{after / MIB:.1f} MiB after (bound: +{rss_bound_mib} MiB); "
               f"{time.monotonic() - started:.1f} s, witness {rounds} round trips during it, "
               f"slowest {self.witness.slowest * 1000:.0f} ms")
        self.assertGreaterEqual(rounds, 1, "no witness round trip completed during the attack")
        if not SANITIZER:  # see limits.SANITIZER
            self.assertLess(peak[0] - before, rss_bound_mib * MIB,
                            f"{name}: RSS grew by {(peak[0] - before) / MIB:.1f} MiB")

    def offender(self, client_id=None, version=V311, **kwargs):
        r = self.raw()
        if client_id is not None:
            r.connect(client_id, version=version, **kwargs)
        return r

    def assert_closed_with(self, r, version, expected, connecting=False):
        """The broker closes r; a v5 client first gets DISCONNECT (or CONNACK
        when connecting) with a reason in `expected`, a 3.1.1 one nothing
        (or a refusing CONNACK with a return code in `expected` when
        connecting)."""
        closed, pkts = r.wait_closed(TIMEOUT)
        self.assertTrue(closed, f"v{version}: offender not disconnected within {TIMEOUT}s")
        if version == V5:
            kind = CONNACK if connecting else DISCONNECT
            self.assertEqual(len(pkts), 1, f"v5: expected one {kind} before the close: {pkts}")
            self.assertEqual(pkts[0].type, kind, pkts[0])
            reason = pkts[0].body[1] if connecting else pkts[0].body[0]
            self.assertIn(reason, expected, f"v5 reason {reason:#x}")
        else:
            for p in pkts:
                self.assertTrue(connecting and p.type == CONNACK and p.body[1] in expected,
                                f"v3.1.1: {p} before the close")


class ConnectTimeout(HostileCase):
    @mosquitto_deviation("mosquitto 2.0.11 leaves a socket that sends no CONNECT open past 15 s")
    def test_silent_and_trickling_connections_are_closed_at_the_connect_timeout(self):
        # Cases 1 and 2 side by side (both wait for the same timeout): a
        # socket that sends nothing, and one that sends its CONNECT a byte a
        # second (slowloris). The CONNECT is long enough that trickling it
        # would take three times the timeout: the broker must not let bytes
        # received push the deadline back.
        silent = self.offender()
        slow = self.offender()
        data = connect_packet("slowloris-" + "x" * 20, version=V311)
        self.assertGreater(len(data), 3 * CONNECT_TIMEOUT)
        sent = [0]
        done = threading.Event()

        def trickle():
            for i in range(len(data)):
                if done.wait(1.0):
                    return
                try:
                    slow.sock.send(data[i:i + 1])
                except OSError:
                    return
                sent[0] = i + 1

        trickler = threading.Thread(target=trickle, daemon=True)
        self.addCleanup(done.set)
        start = time.monotonic()
        with self.attack("silent + slowloris CONNECT", rss_bound_mib=8):
            trickler.start()
            deadline = start + CONNECT_TIMEOUT + TIMEOUT
            closed_silent, pkts_silent = silent.wait_closed(deadline - time.monotonic())
            silent_at = time.monotonic() - start
            closed_slow, pkts_slow = slow.wait_closed(max(deadline - time.monotonic(), 0.01))
            slow_at = time.monotonic() - start
            done.set()
            trickler.join(TIMEOUT)
        report(f"silent socket closed after {silent_at:.1f} s, slowloris after {slow_at:.1f} s "
               f"having sent {sent[0]} of {len(data)} CONNECT bytes")
        self.assertTrue(closed_silent, "a socket that never sent CONNECT stayed open")
        self.assertEqual(pkts_silent, [])
        self.assertTrue(closed_slow, "a trickled CONNECT kept the connection open")
        self.assertLess(sent[0], len(data), "the whole CONNECT went through")
        self.assertEqual(pkts_slow, [], "no CONNACK for an incomplete CONNECT")


class RemainingLength(HostileCase):
    broker_settings = {"persistence": "false", "max_packet_size": 1024}

    def test_remaining_length_over_max_packet_size(self):
        # v5 [MQTT-3.2.2-15]... the server's Maximum Packet Size: DISCONNECT
        # 0x95 Packet too large (4.13); 3.1.1 has no limit to announce and
        # no DISCONNECT: closed. The header alone decides: the body is never
        # sent.
        with self.attack("remaining length over max_packet_size", rss_bound_mib=8):
            for version in (V311, V5):
                with self.subTest(version=version):
                    r = self.offender(f"big-{version}", version=version)
                    r.send(b"\x30" + varint(2000) + b"\x00\x01t")
                    self.assert_closed_with(r, version, (0x95,))
            # The largest 4-byte remaining length (268,435,455).
            r = self.offender("big-max", version=V5)
            r.send(b"\x30\xff\xff\xff\x7f")
            self.assert_closed_with(r, V5, (0x95,))
            # The same before CONNECT: closed (no CONNACK needed, 4.13).
            r = self.offender()
            r.send(b"\x10\xff\xff\xff\x7f")
            self.assertTrue(r.wait_closed()[0])

    @mosquitto_deviation("mosquitto 2.0.11 closes without the DISCONNECT 0x81 (a SHOULD, 4.13.1)")
    def test_remaining_length_with_a_fifth_byte_is_malformed(self):
        # The remaining length has at most 4 bytes (v3.1.1 2.2.3, v5 1.5.5):
        # v5 DISCONNECT 0x81 Malformed Packet; 3.1.1 closed.
        with self.attack("5-byte remaining length", rss_bound_mib=8):
            for version in (V311, V5):
                with self.subTest(version=version):
                    r = self.offender(f"five-{version}", version=version)
                    r.send(b"\x30\xff\xff\xff\xff\x7f")
                    self.assert_closed_with(r, version, (0x81,))


class UnlimitedPacketSize(HostileCase):
    def test_a_huge_announced_length_reserves_nothing_up_front(self):
        # No max_packet_size: a header announcing 256 MiB must not make the
        # broker reserve 256 MiB before the bytes arrive. (Buffering what
        # does arrive is bounded only by max_packet_size: set it.)
        with self.attack("256 MiB announced, 1 MiB sent", rss_bound_mib=16):
            r = self.offender("huge", version=V311)
            r.send(b"\x30\xff\xff\xff\x7f" + b"\x00\x01t" + b"x" * MIB)
            time.sleep(QUIET)
            r.send(PINGREQ_PACKET)  # part of the huge PUBLISH's body, not answered
            self.assertIsNone(r.recv_packet(QUIET))
            self.assertFalse(r.eof, "closed although the packet is within the limits")


class InvalidUtf8(HostileCase):
    BAD = b"\xc3\x28"

    def test_invalid_utf8_in_topic_and_filter(self):
        # [MQTT-1.5.3-1] (3.1.1) / [MQTT-1.5.4-1] (v5): ill-formed UTF-8 is a
        # malformed packet: v5 DISCONNECT 0x81, 3.1.1 closed.
        bad = self.BAD
        with self.attack("invalid UTF-8 in topics", rss_bound_mib=8):
            for version in (V311, V5):
                with self.subTest(version=version, where="publish topic"):
                    props = varint(0) if version == V5 else b""
                    r = self.offender(f"utf8-{version}", version=version)
                    topic = b"witness/" + bad
                    r.send(packet(0x30, struct.pack("!H", len(topic)) + topic + props + b"x"))
                    self.assert_closed_with(r, version, (0x81,))
                with self.subTest(version=version, where="subscribe filter"):
                    r = self.offender(f"utf8s-{version}", version=version)
                    body = struct.pack("!H", 3) + props + struct.pack("!H", 3) + b"a/" + bad[:1]
                    r.send(packet(0x82, body + b"\x00"))
                    self.assert_closed_with(r, version, (0x81,))
        self.assertEqual(self.witness.client.recv_packet(QUIET), None, "a bad topic was routed")

    @mosquitto_deviation("mosquitto 2.0.11 closes without a CONNACK (a MAY, 4.13.1)")
    def test_invalid_utf8_in_client_id(self):
        # In CONNECT the v5 refusal is a CONNACK 0x81 (or 0x85 Client
        # Identifier not valid); 3.1.1 closed (or CONNACK 2).
        with self.attack("invalid UTF-8 in client ids", rss_bound_mib=8):
            for version in (V311, V5):
                with self.subTest(version=version):
                    r = self.offender()
                    r.send(connect_packet(b"id-" + self.BAD, version=version))
                    self.assert_closed_with(r, version, (0x81, 0x85) if version == V5 else (2,),
                                            connecting=True)


class WildcardTopic(HostileCase):
    @mosquitto_deviation("mosquitto 2.0.11 answers v5 with DISCONNECT 0x82 Protocol Error")
    def test_wildcards_in_a_publish_topic(self):
        # [MQTT-3.3.2-2]: no wildcards in a topic name. v5: DISCONNECT 0x90
        # Topic Name invalid, or 0x81 Malformed Packet (tern's codec: the
        # name breaks the packet's syntax, table 2-6 keeps 0x90 for names
        # that are well-formed but refused).
        with self.attack("wildcards in PUBLISH topics", rss_bound_mib=8):
            for version in (V311, V5):
                for topic in ("witness/+", "witness/#", "+", "witness/a+b"):
                    with self.subTest(version=version, topic=topic):
                        r = self.offender(f"wild-{version}", version=version)
                        r.send(publish_packet(topic, b"x", qos=1, pid=1, version=version))
                        self.assert_closed_with(r, version, (0x81, 0x90))
        self.assertEqual(self.witness.client.recv_packet(QUIET), None, "a wildcard was routed")


def receive_qos2(sub, quiet):
    """Payloads of the QoS 2 messages arriving until none came for `quiet`
    seconds, completing each handshake (PUBREC, then PUBCOMP for PUBREL)."""
    got = []
    while True:
        p = sub.recv_packet(quiet)
        if p is None:
            if sub.eof:
                raise AssertionError("the subscriber was disconnected")
            return got
        if p.type == PUBLISH:
            _, _, pid, payload = p.publish_fields()
            got.append(payload)
            sub.send(ack_packet(PUBREC, pid))
        elif p.type == PUBREL:
            sub.send(ack_packet(PUBCOMP, p.pid()))


class PacketIds(HostileCase):
    @mosquitto_deviation("mosquitto 2.0.11 closes the connection on a burst of 50 DUP copies "
                         "of one QoS 2 message")
    def test_qos2_packet_id_reused_before_pubrel_is_delivered_once(self):
        # [MQTT-4.3.3-10]: until PUBREL, a PUBLISH with the same packet id is
        # the same message, whatever its payload: never delivered twice.
        sub = self.offender("reuse-sub", version=V311)
        sub.subscribe(1, "reuse/#", qos=2)
        with self.attack("QoS 2 packet id reuse", rss_bound_mib=8):
            for version in (V311, V5):
                with self.subTest(version=version):
                    pub = self.offender(f"reuse-pub-{version}", version=version)
                    first = publish_packet("reuse/t", b"first", qos=2, pid=5, version=version)
                    pub.send(first)
                    self.assertEqual(pub.expect_packet(PUBREC).pid(), 5)
                    # One at a time: each gets its own PUBREC.
                    for payload, dup in ((b"first", True), (b"other", False), (b"third", True)):
                        pub.send(publish_packet("reuse/t", payload, qos=2, pid=5, dup=dup,
                                                version=version))
                        self.assertEqual(pub.expect_packet(PUBREC).pid(), 5)
                    # A burst in one write (answers not counted: see the notes).
                    pub.send(publish_packet("reuse/t", b"first", qos=2, pid=5, dup=True,
                                            version=version) * 50)
                    pub.send(ack_packet(PUBREL, 5))
                    deadline = time.monotonic() + TIMEOUT
                    while time.monotonic() < deadline:
                        p = pub.recv_packet(max(deadline - time.monotonic(), 0.01))
                        self.assertIsNotNone(p, "no PUBCOMP for the released id")
                        if p.type == PUBCOMP:
                            self.assertEqual(p.pid(), 5)
                            break
                    # Released: the id carries a new message now.
                    pub.send(publish_packet("reuse/t", b"next", qos=2, pid=5, version=version))
                    self.assertEqual(pub.expect_packet(PUBREC).pid(), 5)
                    pub.send(ack_packet(PUBREL, 5))
                    # The subscriber gets exactly "first" and "next".
                    self.assertEqual(receive_qos2(sub, QUIET), [b"first", b"next"])

    @mosquitto_deviation("mosquitto 2.0.11 answers PUBCOMP 0x00 (success) to v5")
    def test_pubrel_for_an_unknown_id(self):
        # [MQTT-4.3.3-11]: PUBREL is answered with PUBCOMP; v5 3.7.2.1: with
        # 0x92 Packet Identifier not found when the id is unknown.
        with self.attack("PUBREL for unknown ids", rss_bound_mib=8):
            for version in (V311, V5):
                with self.subTest(version=version):
                    r = self.offender(f"pubrel-{version}", version=version)
                    for pid in (1, 77, 65535):
                        r.send(ack_packet(PUBREL, pid))
                        p = r.expect_packet(PUBCOMP)
                        self.assertEqual(p.pid(), pid)
                        if version == V5:
                            self.assertEqual(p.body[2:3], b"\x92", p)
                    r.send(PINGREQ_PACKET)
                    r.expect_packet(PINGRESP)


SUBSCRIPTIONS = 100_000
SUBSCRIPTION_LIMIT = 10_000  # tern's default max_subscriptions_per_client


def read_subacks(client, n):
    """The last reason code of each of the next n packets, which must be
    SUBACKs (parsed in one pass: RawClient.recv_packet reparses its whole
    buffer per packet, too slow for a thousand at once)."""
    out = []
    deadline = time.monotonic() + 2 * TIMEOUT
    pos = 0
    while len(out) < n:
        try:
            length, used = decode_varint(client.buf, pos + 1)
        except ValueError:
            length, used = None, 0
        if length is None or pos + 1 + used + length > len(client.buf):
            client.buf = client.buf[pos:]
            pos = 0
            if not client._fill(deadline):
                raise AssertionError(f"{len(out)} of {n} SUBACKs came")
            continue
        if client.buf[pos] >> 4 != SUBACK:
            raise AssertionError(f"expected SUBACK, got first byte {client.buf[pos]:#x}")
        end = pos + 1 + used + length
        out.append(client.buf[end - 1])
        pos = end
    client.buf = client.buf[pos:]
    return out


def subscribe_many(client, version, count, prefix, limit):
    """`count` SUBSCRIBE packets of one filter each, pipelined a thousand at
    a time; the SUBACK reason of each, in order. Stops early when more than
    `limit` were granted."""
    reasons = []
    for start in range(0, count, 1000):
        n = min(1000, count - start)
        client.send(b"".join(
            subscribe_packet(i % 65535 + 1, f"{prefix}/{i}", qos=0, version=version)
            for i in range(start, start + n)))
        reasons += read_subacks(client, n)
        granted = sum(1 for x in reasons if x < 0x80)
        if granted > limit:
            raise AssertionError(f"{granted} subscriptions granted, more than the limit {limit}")
    return reasons


class SubscriptionFlood(HostileCase):
    @mosquitto_deviation("mosquitto 2.0.11 has no max_subscriptions_per_client")
    def test_subscriptions_per_client_are_bounded(self):
        # 100,000 filters from one client: the first 10,000
        # (max_subscriptions_per_client) are granted, the rest get SUBACK
        # 0x97 Quota exceeded, and the connection stays up.
        r = self.offender("subflood", version=V5)
        with self.attack(f"{SUBSCRIPTIONS} subscriptions from one client", rss_bound_mib=24):
            reasons = subscribe_many(r, V5, SUBSCRIPTIONS, "flood", SUBSCRIPTION_LIMIT)
        granted = sum(1 for x in reasons if x == 0)
        refused = sum(1 for x in reasons if x == 0x97)
        report(f"{granted} subscriptions granted, {refused} refused with 0x97")
        self.assertEqual(granted, SUBSCRIPTION_LIMIT)
        self.assertEqual(refused, SUBSCRIPTIONS - SUBSCRIPTION_LIMIT)
        self.assertEqual(reasons[:SUBSCRIPTION_LIMIT], [0] * SUBSCRIPTION_LIMIT)
        r.send(PINGREQ_PACKET)
        r.expect_packet(PINGRESP)
        # Logged once, not 90,000 times.
        with open(self.broker.log_path, "rb") as f:
            log = f.read().decode("utf-8", "replace")
        self.assertEqual(log.count("has max_subscriptions_per_client 10000 subscriptions: new "
                                   "filters are refused"), 1, log[-2000:])


class SubscriptionLimitV311(HostileCase):
    broker_settings = with_tern_settings({"persistence": "false"}, max_subscriptions_per_client=20)

    @mosquitto_deviation("mosquitto 2.0.11 has no max_subscriptions_per_client")
    def test_v311_past_the_limit_gets_failure(self):
        r = self.offender("sub311", version=V311)
        with self.attack("3.1.1 subscriptions past the limit", rss_bound_mib=8):
            reasons = subscribe_many(r, V311, 30, "lim", 20)
        self.assertEqual(reasons, [0] * 20 + [0x80] * 10)
        # Replacing a granted filter is no new subscription.
        self.assertEqual(r.subscribe(1, "lim/3", qos=1).body[-1], 1)


class TopicLevels(HostileCase):
    # tern's default max_topic_levels is 200.
    LIMIT = 200

    @mosquitto_deviation("mosquitto 2.0.11 has no max_topic_levels")
    def test_topics_with_thousands_of_levels(self):
        deep = deep_topic("witness", 5000)
        too_deep = deep_topic("witness", self.LIMIT + 1)
        at_limit = deep_topic("witness", self.LIMIT)
        with self.attack("topics with thousands of levels", rss_bound_mib=8):
            for version in (V311, V5):
                for topic in (too_deep, deep):
                    with self.subTest(version=version, what="publish", levels=topic.count("/")):
                        # v5 DISCONNECT 0x90 Topic Name invalid; 3.1.1 closed.
                        r = self.offender(f"deep-{version}", version=version)
                        r.send(publish_packet(topic, b"x", version=version))
                        self.assert_closed_with(r, version, (0x90,))
                with self.subTest(version=version, what="will"):
                    # v5 CONNACK 0x90; 3.1.1 closed without a CONNACK.
                    r = self.offender()
                    r.send(connect_packet(f"deepwill-{version}", version=version,
                                          will={"topic": deep, "payload": b"w"}))
                    self.assert_closed_with(r, version, (0x90,), connecting=True)
                with self.subTest(version=version, what="subscribe"):
                    # SUBACK 0x8F Topic Filter invalid (3.1.1: 0x80), still connected.
                    r = self.offender(f"deepsub-{version}", version=version)
                    self.assertEqual(r.subscribe(1, deep_topic("a", self.LIMIT + 1)).body[-1],
                                     0x8F if version == V5 else 0x80)
                    self.assertEqual(r.subscribe(2, deep + "/#").body[-1],
                                     0x8F if version == V5 else 0x80)
                    self.assertEqual(r.subscribe(3, deep_topic("a", self.LIMIT)).body[-1], 0)
        # Nothing too deep was routed; a topic at the limit is.
        self.assertIsNone(self.witness.client.recv_packet(QUIET))
        p = self.raw_connect("at-limit")
        p.send(publish_packet(at_limit, b"deep", qos=1, pid=9))
        self.assertEqual(p.expect_packet(PUBACK).pid(), 9)
        msg = self.witness.client.expect_packet(PUBLISH)
        self.assertEqual(msg.publish_fields()[0], at_limit)


RETAINED = 20_000


class RetainedFlood(HostileCase):
    def test_retained_flood(self):
        # 20,000 distinct retained topics with 100-byte payloads: about 2.5
        # MiB of topic and payload; memory must stay within a small multiple.
        pub = self.offender("retainer", version=V311)
        payload = b"r" * 100
        with self.attack(f"{RETAINED} retained topics", rss_bound_mib=40):
            for start in range(0, RETAINED, 2000):
                pub.send(b"".join(publish_packet(f"ret/{i}/level", payload, retain=True)
                                  for i in range(start, start + 2000)))
            # Packets of one connection are handled in order: this PUBACK
            # means every retained message before it was taken.
            pub.send(publish_packet("ret/sync", b"", qos=1, pid=1))
            self.assertEqual(pub.expect_packet(PUBACK, timeout=3 * TIMEOUT).pid(), 1)
        late = self.raw_connect("late")
        late.subscribe(1, f"ret/{RETAINED - 1}/level")
        p = late.expect_packet(PUBLISH)
        self.assertEqual(p.publish_fields()[3], payload)
        self.assertTrue(p.flags & 0x01, "not marked retained")


STORM_THREADS = 8
STORM_SECONDS = 3.0


class ConnectStorm(HostileCase):
    broker_settings = {"persistence": "false", "sys_interval": 1}

    def test_connect_storm(self):
        # Several threads open sockets as fast as they can, each sending
        # CONNECT + DISCONNECT and waiting for the CONNACK.
        counts = [0] * STORM_THREADS
        failures = [0] * STORM_THREADS
        stop = threading.Event()
        host, port = self.broker.host, self.broker.port

        def storm(t):
            n = 0
            while not stop.is_set():
                n += 1
                data = (connect_packet(f"storm-{t}-{n}", version=V311 if n % 2 else V5)
                        + disconnect_packet())
                try:
                    with socket.create_connection((host, port), timeout=TIMEOUT) as s:
                        s.sendall(data)
                        ack = b""
                        while len(ack) < 4:
                            chunk = s.recv(4 - len(ack))
                            if not chunk:
                                break
                            ack += chunk
                    if len(ack) >= 4 and ack[0] == 0x20 and ack[3] == 0:
                        counts[t] += 1
                    else:
                        failures[t] += 1
                except OSError:
                    failures[t] += 1

        threads = [threading.Thread(target=storm, args=(t,), daemon=True)
                   for t in range(STORM_THREADS)]
        with self.attack("connect storm", rss_bound_mib=32):
            start = time.monotonic()
            for t in threads:
                t.start()
            time.sleep(STORM_SECONDS)
            stop.set()
            for t in threads:
                t.join(2 * TIMEOUT)
            elapsed = time.monotonic() - start
        total = sum(counts)
        report(f"connect storm: {total} CONNECT/CONNACK/DISCONNECT in {elapsed:.1f} s "
               f"with {STORM_THREADS} threads = {total / elapsed:.0f} connects/s, "
               f"{sum(failures)} failed")
        self.assertGreater(total, 0)
        self.assertEqual(sum(failures), 0, "connections refused or cut during the storm")
        # Every stormer left: only the witness (and the probe) stay connected.
        self.assertTrue(wait_sys_at_most(self.broker, "$SYS/broker/clients/connected", 2),
                        "connections left over after the storm")


def sys_value(broker, topic):
    """The current value of a $SYS topic, read by a fresh client."""
    r = RawClient(broker)
    try:
        r.connect("sys-probe")
        r.subscribe(1, topic)
        p = r.expect_packet(PUBLISH)
        return int(p.publish_fields()[3].split()[0])
    finally:
        r.close()


def wait_sys_at_most(broker, topic, bound, timeout=3 * TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        value = sys_value(broker, topic)
        if value <= bound:
            return True
        if time.monotonic() > deadline:
            report(f"{topic} is still {value}")
            return False
        time.sleep(0.5)


FLOOD_MESSAGES = 40_000
FLOOD_PAYLOAD = 1024


class Qos0Flood(HostileCase):
    def test_qos0_flood_into_a_client_that_never_reads(self):
        # 40 MiB of QoS 0 to a subscriber that never reads its socket: past
        # its output cap (1 MiB of encoded bytes) the broker drops QoS 0, so
        # memory stays bounded; the kernel's socket buffers hold the rest.
        sink = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sink.settimeout(TIMEOUT)
        sink.connect((self.broker.host, self.broker.port))
        self.addCleanup(sink.close)
        sink.sendall(connect_packet("sink") + subscribe_packet(1, "flood/#"))
        time.sleep(QUIET)  # CONNACK and SUBACK sit unread in its buffer
        pub = self.offender("flooder", version=V311)
        payload = b"f" * FLOOD_PAYLOAD
        with self.attack(f"{FLOOD_MESSAGES} x {FLOOD_PAYLOAD} B QoS 0 into a non-reader",
                         rss_bound_mib=24):
            for start in range(0, FLOOD_MESSAGES, 1000):
                pub.send(publish_packet("flood/t", payload) * 1000)
            pub.send(publish_packet("flood/sync", b"", qos=1, pid=1))
            self.assertEqual(pub.expect_packet(PUBACK, timeout=3 * TIMEOUT).pid(), 1)
        # The sink now reads what reached it: fewer than were sent.
        sink.settimeout(QUIET)
        received = 0
        try:
            while True:
                chunk = sink.recv(1 << 20)
                if not chunk:
                    break
                received += len(chunk)
        except socket.timeout:
            pass
        report(f"the non-reader got {received / MIB:.1f} MiB of the "
               f"{FLOOD_MESSAGES * FLOOD_PAYLOAD / MIB:.0f} MiB sent")
        self.assertLess(received, FLOOD_MESSAGES * FLOOD_PAYLOAD / 2)


def cut_stream(version, client_id):
    """CONNECT + SUBSCRIBE + PUBLISH QoS 1, as one byte stream."""
    return (connect_packet(client_id, version=version)
            + subscribe_packet(1, "cut/#", qos=1, version=version)
            + publish_packet("witness/cut", b"cut", qos=1, pid=2, version=version))


class CutMidPacket(HostileCase):
    broker_settings = {"persistence": "false", "sys_interval": 1}

    def test_disconnect_at_every_byte_offset(self):
        # A client that goes away after every prefix of its byte stream:
        # abruptly (RST) at odd offsets, with a FIN at even ones. Nothing may
        # be left behind: no connection, no session, no subscription.
        cuts = 0
        with self.attack("disconnect at every byte offset", rss_bound_mib=8):
            for version in (V311, V5):
                stream = cut_stream(version, f"cut-{version}")
                for offset in range(1, len(stream)):
                    s = socket.create_connection((self.broker.host, self.broker.port),
                                                 timeout=TIMEOUT)
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    if offset % 2:
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                     struct.pack("ii", 1, 0))
                    s.sendall(stream[:offset])
                    s.close()
                    cuts += 1
        report(f"{cuts} connections cut mid-stream")
        # The witness's own ping and every whole cut PUBLISH reach it; drain.
        while self.witness.client.recv_packet(QUIET) is not None:
            pass
        # The last stream's client id is free and had no session left.
        r = self.raw()
        ack = r.connect(f"cut-{V5}", version=V5, clean=False)
        self.assertEqual(ack.body[0] & 1, 0, "a session outlived its clean connection")
        self.assertTrue(wait_sys_at_most(self.broker, "$SYS/broker/clients/connected", 3),
                        "connections left over")
        # The witness's witness/# and the probe's own subscription.
        self.assertTrue(wait_sys_at_most(self.broker, "$SYS/broker/subscriptions/count", 2),
                        "subscriptions left over")


if __name__ == "__main__":
    unittest.main()
