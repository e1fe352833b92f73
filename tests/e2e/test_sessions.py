"""Sessions: persistent sessions keep subscriptions and queue QoS 1/2
messages while the client is away, clean sessions discard them, a second
connection with the same client id takes the session over, and the
offline queue is bounded by max_queued_messages."""

import unittest

from broker import BrokerTestCase
from clients import MQTTv5, MQTTv311
from raw_mqtt import (CONNACK, DISCONNECT, PINGREQ_PACKET, PINGRESP, PUBACK, PUBLISH, V5, V311,
                      ack_packet, connect_packet)

MAX_QUEUED = 5


class PersistentSession(BrokerTestCase):
    def test_mosquitto_sub_queued_while_offline(self):
        for version in ("mqttv311", "mqttv5"):
            with self.subTest(version=version):
                cid, topic = f"sess-{version}", f"sess/{version}"
                # -c: clean session 0 (v5: session expiry "never"); -E: exit
                # (with DISCONNECT) once subscribed.
                first = self.sub("-V", version, "-c", "-i", cid, "-q", "1", "-t", topic, "-E")
                self.assertEqual(first.wait_exit(), 0, first.output())
                for i in range(3):
                    self.pub("-V", version, "-q", str(1 + i % 2), "-t", topic, "-m", f"m{i}")
                again = self.sub("-V", version, "-c", "-i", cid, "-q", "1", "-t", topic, "-C", "3")
                got = again.expect(3)
                # Queued QoS 1/2 messages are delivered [MQTT-3.1.2-5] (v3.1.1),
                # in order [MQTT-4.6.0-6].
                self.assertEqual([m.payload for m in got], [b"m0", b"m1", b"m2"])
                self.assertEqual(again.wait_exit(), 0, again.output())

    def paho_session_round(self, protocol):
        kw = {"session_expiry": 3600} if protocol == MQTTv5 else {}
        c = self.paho("paho-sess", protocol=protocol, clean=False, **kw)
        self.assertFalse(c.session_present())  # a new session [MQTT-3.2.2-3]
        c.subscribe("psess/#", qos=2)
        c.disconnect()
        pub = self.paho(protocol=MQTTv311)
        pub.publish("psess/a", b"one", qos=1)
        pub.publish("psess/b", b"two", qos=2)
        pub.publish("psess/c", b"zero", qos=0)  # QoS 0 may or may not be queued
        # Reconnect without subscribing: the subscription is session state.
        c = self.paho("paho-sess", protocol=protocol, clean=False, **kw)
        self.assertTrue(c.session_present())  # [MQTT-3.2.2-2] (v3.1.1), [MQTT-3.2.2-3] (v5)
        got = [m for m in c.expect(2) + c.drain() if m.qos > 0]
        self.assertEqual([(m.topic, m.payload, m.qos) for m in got],
                         [("psess/a", b"one", 1), ("psess/b", b"two", 2)])
        # Live traffic keeps flowing to the resumed session.
        pub.publish("psess/d", b"live", qos=1)
        self.assertEqual([m.payload for m in c.expect(1)], [b"live"])

    def test_paho_v311_session_present_and_queue(self):
        self.paho_session_round(MQTTv311)

    def test_paho_v5_session_present_and_queue(self):
        self.paho_session_round(MQTTv5)


class CleanSession(BrokerTestCase):
    def make_offline_session_with_messages(self, cid, topic):
        s = self.sub("-c", "-i", cid, "-q", "1", "-t", topic, "-E")
        self.assertEqual(s.wait_exit(), 0, s.output())
        self.pub("-q", "1", "-t", topic, "-m", "queued")

    def test_clean_session_discards_v311(self):
        self.make_offline_session_with_messages("clean-311", "clean/311")
        # CleanSession 1 discards the stored session [MQTT-3.1.2-6] (v3.1.1).
        c = self.paho("clean-311", protocol=MQTTv311, clean=True)
        self.assertFalse(c.session_present())  # [MQTT-3.2.2-1] (v3.1.1)
        self.assertEqual(c.drain(), [])
        c.disconnect()
        # The clean session ended with the connection: nothing is left, not
        # even the subscription.
        self.pub("-q", "1", "-t", "clean/311", "-m", "after")
        c = self.paho("clean-311", protocol=MQTTv311, clean=False)
        self.assertFalse(c.session_present())
        self.assertEqual(c.drain(), [])

    def test_clean_start_discards_v5(self):
        self.make_offline_session_with_messages("clean-5", "clean/5")
        c = self.paho("clean-5", protocol=MQTTv5, clean=True)
        # [MQTT-3.1.2-4] (v5) discards the session; [MQTT-3.2.2-2] (v5) no session present.
        self.assertFalse(c.session_present())
        self.assertEqual(c.drain(), [])
        c.disconnect()
        # Session expiry 0 (the default): the session ended at the close.
        self.pub("-q", "1", "-t", "clean/5", "-m", "after")
        c = self.paho("clean-5", protocol=MQTTv5, clean=False, session_expiry=60)
        self.assertFalse(c.session_present())
        self.assertEqual(c.drain(), [])


class Takeover(BrokerTestCase):
    def test_second_connection_closes_first_v311(self):
        first = self.raw_connect("twin", version=V311)
        second = self.raw_connect("twin", version=V311)
        # [MQTT-3.1.4-2] (v3.1.1) / [MQTT-3.1.4-3] (v5): the existing
        # connection is closed.
        closed, pkts = first.wait_closed()
        self.assertTrue(closed, "first connection still open after takeover")
        self.assertEqual(pkts, [], "v3.1.1 has no packet to send before closing")
        second.send(PINGREQ_PACKET)
        second.expect_packet(PINGRESP)

    def test_second_connection_closes_first_v5(self):
        first = self.raw_connect("twin5", version=V5)
        second = self.raw_connect("twin5", version=V5)
        closed, pkts = first.wait_closed()
        self.assertTrue(closed, "first connection still open after takeover")
        # v5 3.1.4 describes a DISCONNECT 0x8E "Session taken over" to the
        # existing client, and 4.13.2 makes it a MAY; mosquitto 2.0.11
        # sends none. So: if anything comes, it is that DISCONNECT.
        self.assertIn([(p.type, p.body[:1]) for p in pkts], ([], [(DISCONNECT, b"\x8e")]))
        second.send(PINGREQ_PACKET)
        second.expect_packet(PINGRESP)

    def test_takeover_resumes_persistent_session(self):
        first = self.raw_connect("twin-sess", clean=False)
        first.subscribe(1, "twin/sess", qos=1)
        second = self.raw()
        second.connect("twin-sess", clean=False)
        self.assertTrue(first.wait_closed()[0])
        self.paho(protocol=MQTTv311).publish("twin/sess", b"for-the-session", qos=1)
        p = second.expect_packet(PUBLISH)
        topic, qos, pid, payload = p.publish_fields()
        self.assertEqual((topic, qos, payload), ("twin/sess", 1, b"for-the-session"))
        second.send(ack_packet(PUBACK, pid))

    def test_takeover_reports_session_present(self):
        self.raw_connect("twin-sp", clean=False)
        r = self.raw()
        r.send(connect_packet("twin-sp", clean=False))
        ack = r.expect_packet(CONNACK)
        # Session present, accepted [MQTT-3.2.2-2] (v3.1.1).
        self.assertEqual(ack.body, b"\x01\x00")


class MaxQueued(BrokerTestCase):
    broker_settings = {"persistence": "false", "max_queued_messages": str(MAX_QUEUED)}

    def test_offline_queue_is_bounded(self):
        s = self.sub("-c", "-i", "bounded", "-q", "1", "-t", "mq/x", "-E")
        self.assertEqual(s.wait_exit(), 0, s.output())
        pub = self.paho(protocol=MQTTv311)
        for i in range(3 * MAX_QUEUED):
            pub.publish("mq/x", str(i).encode(), qos=1)
        c = self.paho("bounded", protocol=MQTTv311, clean=False)
        self.assertTrue(c.session_present())
        got = c.expect(MAX_QUEUED) + c.drain()
        values = [int(m.payload) for m in got]
        # Exactly N kept; which ones is the broker's choice (mosquitto keeps
        # the oldest and drops new arrivals), but their order is kept.
        self.assertEqual(len(values), MAX_QUEUED, values)
        self.assertEqual(values, sorted(values))
        # The session is usable afterwards.
        pub.publish("mq/x", b"after", qos=1)
        self.assertEqual([m.payload for m in c.expect(1)], [b"after"])


if __name__ == "__main__":
    unittest.main()
