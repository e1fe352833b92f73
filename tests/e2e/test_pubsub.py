"""Publish/subscribe with the mosquitto command-line clients at protocol
levels 3.1, 3.1.1 and 5, QoS 0/1/2, topic wildcards and $SYS isolation."""

import time
import unittest

from broker import BrokerTestCase
from clients import MQTTv311
from limits import QUIET

VERSIONS = {"31": "mqttv31", "311": "mqttv311", "5": "mqttv5"}


class QosRoundTrip(BrokerTestCase):
    def round_trip(self, version):
        v = VERSIONS[version]
        topic = f"ps/{version}/qos"
        sub = self.sub("-V", v, "-q", "2", "-t", topic, "-C", "3").wait_subscribed()
        for qos in (0, 1, 2):
            self.pub("-V", v, "-q", str(qos), "-t", topic, "-m", f"m{qos}")
        got = sub.expect(3)
        # A QoS 2 subscription receives each message at its published QoS
        # [MQTT-3.8.4-6] (v3.1.1) / [MQTT-3.8.4-8] (v5); live messages carry
        # RETAIN 0 [MQTT-3.3.1-9] (v3.1.1) / [MQTT-3.3.1-12] (v5).
        self.assertEqual(sorted((m.topic, m.payload, m.qos, m.retain) for m in got),
                         [(topic, b"m0", 0, False), (topic, b"m1", 1, False),
                          (topic, b"m2", 2, False)])
        self.assertEqual(sub.wait_exit(), 0, sub.output())

    def test_v31(self):
        self.round_trip("31")

    def test_v311(self):
        self.round_trip("311")

    def test_v5(self):
        self.round_trip("5")

    def test_qos_downgraded_to_granted(self):
        # Delivered QoS = min(published QoS, granted QoS) [MQTT-3.8.4-6] (v3.1.1),
        # [MQTT-3.8.4-8] (v5).
        for version in ("311", "5"):
            with self.subTest(version=version):
                v = VERSIONS[version]
                topic = f"ps/{version}/down"
                s0 = self.sub("-V", v, "-q", "0", "-t", topic).wait_subscribed()
                s1 = self.sub("-V", v, "-q", "1", "-t", topic).wait_subscribed()
                self.pub("-V", v, "-q", "2", "-t", topic, "-m", "x")
                self.assertEqual([(m.payload, m.qos) for m in s0.expect(1)], [(b"x", 0)])
                self.assertEqual([(m.payload, m.qos) for m in s1.expect(1)], [(b"x", 1)])
                s0.stop()
                s1.stop()

    def test_binary_and_large_payloads(self):
        # 300 000 bytes needs a 3-byte remaining length; the small one has
        # NUL and newline bytes that must pass through untouched.
        small = b"a\x00b\nc\xff"
        large = bytes(range(256)) * 1172  # 300 032 bytes
        sub = self.sub("-V", "mqttv311", "-q", "1", "-t", "ps/bin", "-C", "2").wait_subscribed()
        self.pub("-V", "mqttv311", "-q", "1", "-t", "ps/bin", "-s", input=small)
        self.pub("-V", "mqttv311", "-q", "1", "-t", "ps/bin", "-s", input=large, timeout=10)
        got = sub.expect(2, timeout=10)
        self.assertEqual(sorted(len(m.payload) for m in got), [len(small), len(large)])
        self.assertEqual({m.payload for m in got}, {small, large})


class Wildcards(BrokerTestCase):
    broker_settings = {"persistence": "false", "sys_interval": "1"}

    TOPICS = ["wc/b", "wc/c", "wc/b/c", "wc/b/d/c", "wc//c", "wcx/b/c"]

    def test_plus_and_hash(self):
        expected = {
            # '+' matches exactly one level, an empty one too (4.7.1.3).
            "wc/+/c": {"wc/b/c", "wc//c"},
            "wc/+": {"wc/b", "wc/c"},
            # '#' matches the parent level and any number of children (4.7.1.2).
            "wc/b/#": {"wc/b", "wc/b/c", "wc/b/d/c"},
            "+/+/c": {"wc/b/c", "wc//c", "wcx/b/c"},
            "#": set(self.TOPICS),
            "wc/b/c": {"wc/b/c"},
        }
        subs = {f: self.sub("-V", "mqttv311", "-q", "1", "-t", f) for f in expected}
        for s in subs.values():
            s.wait_subscribed()
        pub = self.paho(protocol=MQTTv311)
        for t in self.TOPICS:
            pub.publish(t, t.encode(), qos=1)
        first = {f: subs[f].expect(len(topics)) for f, topics in expected.items()}
        time.sleep(QUIET)  # then anything extra has arrived
        for f, topics in expected.items():
            got = first[f] + subs[f].drain(0)
            self.assertEqual(sorted(m.topic for m in got), sorted(topics), f"filter {f!r}")
            self.assertTrue(all(m.payload == m.topic.encode() for m in got), got)

    def test_sys_topics_not_matched_by_wildcards_at_first_level(self):
        # Filters starting with a wildcard do not match topics starting
        # with '$' [MQTT-4.7.2-1].
        hash_sub = self.sub("-t", "#").wait_subscribed()
        plus_sub = self.sub("-t", "+/broker/#").wait_subscribed()
        sys_sub = self.sub("-t", "$SYS/#").wait_subscribed()
        # Wait for a live (RETAIN 0) $SYS publish: the broker published to
        # $SYS while the other two were subscribed.
        deadline = time.monotonic() + 4
        live = None
        while live is None and time.monotonic() < deadline:
            live = next((m for m in sys_sub.drain(0.2) if not m.retain), None)
        self.assertIsNotNone(live, "no periodic $SYS publish within 4s with sys_interval 1")
        self.assertTrue(live.topic.startswith("$SYS/"), live)
        self.pub("-q", "1", "-t", "marker/x", "-m", "m")
        got = hash_sub.expect(1) + hash_sub.drain()
        self.assertEqual([m.topic for m in got], ["marker/x"])
        self.assertEqual(plus_sub.drain(), [])


class Unsubscribe(BrokerTestCase):
    def test_unsubscribe_stops_delivery(self):
        c = self.paho(protocol=MQTTv311)
        c.subscribe("un/x", qos=1)
        c.publish("un/x", b"1", qos=1)
        self.assertEqual([m.payload for m in c.expect(1)], [b"1"])
        c.unsubscribe("un/x")
        c.publish("un/x", b"2", qos=1)
        c.subscribe("un/marker", qos=1)
        c.publish("un/marker", b"m", qos=1)
        got = c.expect(1) + c.drain()
        self.assertEqual([(m.topic, m.payload) for m in got], [("un/marker", b"m")])


if __name__ == "__main__":
    unittest.main()
