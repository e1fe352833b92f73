"""Retained messages: set (-r), replace, delete with an empty payload (-n),
delivery to new subscribers with RETAIN 1."""

import os
import unittest

import paho.mqtt.client as mqtt

from broker import BrokerTestCase, mosquitto_deviation
from clients import MQTTv5, MQTTv311
from limits import SANITIZER


class Retained(BrokerTestCase):
    def new_sub(self, topic, *args):
        """A mosquitto_sub on topic plus a marker topic, subscribed."""
        return self.sub("-q", "1", "-t", topic, "-t", "rt-marker", *args).wait_subscribed()

    def retained_seen(self, sub):
        """Messages that arrived before a marker published after the
        SUBACK; retained messages are sent on subscribe, so they are
        among them."""
        self.pub("-q", "1", "-t", "rt-marker", "-m", "end")
        got = []
        while True:
            m = sub.expect(1)[0]
            if m.topic == "rt-marker":
                return got + [x for x in sub.drain(0.2) if x.topic != "rt-marker"]
            got.append(m)

    def test_delivered_on_subscribe_with_retain_flag(self):
        for version in ("mqttv31", "mqttv311", "mqttv5"):
            with self.subTest(version=version):
                topic = f"rt/{version}"
                self.pub("-V", version, "-r", "-q", "1", "-t", topic, "-m", "kept")
                sub = self.new_sub(topic, "-V", version)
                got = self.retained_seen(sub)
                # [MQTT-3.3.1-6] sent on subscribe with RETAIN 1 [MQTT-3.3.1-8].
                self.assertEqual([(m.topic, m.payload, m.retain, m.qos) for m in got],
                                 [(topic, b"kept", True, 1)])
                sub.stop()

    def test_retain_flag_zero_for_established_subscription(self):
        sub = self.new_sub("rt/live")
        self.pub("-r", "-q", "1", "-t", "rt/live", "-m", "now")
        # [MQTT-3.3.1-9] (v3.1.1): RETAIN 0 when it matches an existing
        # subscription.
        m = sub.expect(1)[0]
        self.assertEqual((m.topic, m.payload, m.retain), ("rt/live", b"now", False))
        # ...and it was stored all the same.
        later = self.new_sub("rt/live")
        self.assertEqual([(m.payload, m.retain) for m in self.retained_seen(later)],
                         [(b"now", True)])

    def test_replace(self):
        self.pub("-r", "-q", "1", "-t", "rt/replace", "-m", "first")
        self.pub("-r", "-q", "1", "-t", "rt/replace", "-m", "second")
        # [MQTT-3.3.1-5] the new message replaces the stored one.
        got = self.retained_seen(self.new_sub("rt/replace"))
        self.assertEqual([(m.payload, m.retain) for m in got], [(b"second", True)])

    def test_delete_with_empty_payload(self):
        self.pub("-r", "-q", "1", "-t", "rt/del", "-m", "doomed")
        self.pub("-r", "-q", "1", "-t", "rt/keep", "-m", "stays")
        existing = self.new_sub("rt/del")
        self.assertEqual([m.payload for m in self.retained_seen(existing)], [b"doomed"])
        self.pub("-r", "-q", "1", "-t", "rt/del", "-n")
        # [MQTT-3.3.1-10] the empty retained message is delivered as normal
        # to existing subscribers...
        m = existing.expect(1)[0]
        self.assertEqual((m.topic, m.payload, m.retain), ("rt/del", b"", False))
        # ...and removes the stored one [MQTT-3.3.1-10/11].
        got = self.retained_seen(self.new_sub("rt/#"))
        self.assertEqual([(m.topic, m.payload) for m in got], [("rt/keep", b"stays")])

    def test_wildcard_subscription_gets_every_match(self):
        for t in ("rw/a", "rw/b/c", "rw", "other/a"):
            self.pub("-r", "-t", t, "-m", t)
        got = self.retained_seen(self.new_sub("rw/#"))
        self.assertEqual(sorted((m.topic, m.payload, m.retain) for m in got),
                         [("rw", b"rw", True), ("rw/a", b"rw/a", True),
                          ("rw/b/c", b"rw/b/c", True)])

    def test_retained_qos_is_min_of_message_and_subscription(self):
        c = self.paho(protocol=MQTTv311)
        c.publish("rq/x", b"two", qos=2, retain=True)
        c.publish("rq/y", b"zero", qos=0, retain=True)
        c.subscribe("rq/+", qos=1)
        got = sorted(c.expect(2), key=lambda m: m.topic)
        self.assertEqual([(m.topic, m.qos, m.retain) for m in got],
                         [("rq/x", 1, True), ("rq/y", 0, True)])

    def test_v5_retain_as_published_and_retain_handling(self):
        c = self.paho(protocol=MQTTv5)
        c.publish("r5/x", b"old", qos=1, retain=True)
        # Retain Handling 2: no retained messages on subscribe [MQTT-3.3.1-11] (v5).
        c.subscribe("r5/x", options=mqtt.SubscribeOptions(qos=1, retainHandling=2))
        self.assertEqual(c.drain(), [])
        # Retain As Published: RETAIN kept as sent on live delivery [MQTT-3.3.1-13] (v5).
        d = self.paho(protocol=MQTTv5)
        d.subscribe("r5/#", options=mqtt.SubscribeOptions(qos=1, retainAsPublished=True))
        self.assertEqual([(m.payload, m.retain) for m in d.expect(1)], [(b"old", True)])
        c.publish("r5/x", b"new", qos=1, retain=True)
        self.assertEqual([(m.payload, m.retain) for m in d.expect(1)], [(b"new", True)])
        self.assertEqual([(m.payload, m.retain) for m in c.expect(1)], [(b"new", False)])


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


@mosquitto_deviation("mosquitto holds every retained message in memory")
class RetainedOnDisk(BrokerTestCase):
    """With persistence, retained messages are stored and their bodies stay
    on disk: after a crash the broker reads only topics and ids, and a new
    subscriber gets each body read back exact."""

    broker_settings = {"persistence": "true", "persistence_location": "data"}
    COUNT = 160
    SIZE = 256 * 1024  # 40 MiB in all

    def test_bodies_survive_kill9_outside_memory_and_come_back_exact(self):
        bodies = {f"big/{i}": os.urandom(self.SIZE) for i in range(self.COUNT)}
        pub = self.paho("retainer")
        for topic, body in bodies.items():
            pub.publish(topic, body, qos=1, retain=True)  # acknowledged: stored
        pub.disconnect()

        self.broker.kill9()
        self.broker.restart()
        rss = rss_mib(self.broker.proc.pid)
        if not SANITIZER:  # a sanitizer's shadow memory is no measure
            self.assertLess(rss, self.COUNT * self.SIZE / 2**20 / 2,
                            "retained bodies read into memory at start-up")

        sub = self.paho("reader", protocol=MQTTv5)
        sub.subscribe("big/#", qos=1)
        got = {m.topic: m for m in sub.expect(self.COUNT)}
        self.assertEqual(set(got), set(bodies))
        for topic, body in bodies.items():
            self.assertTrue(got[topic].retain, topic)
            self.assertEqual(got[topic].payload, body, topic)
        # Read again for the next subscriber: reading consumed nothing.
        sub2 = self.paho("reader-2")
        sub2.subscribe("big/7", qos=1)
        self.assertEqual([m.payload for m in sub2.expect(1)], [bodies["big/7"]])


if __name__ == "__main__":
    unittest.main()
