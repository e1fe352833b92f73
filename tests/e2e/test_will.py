"""Will messages: published when the connection ends without a DISCONNECT
(killed client, closed socket, protocol error), not after a clean
DISCONNECT [MQTT-3.1.2-8], [MQTT-3.1.2-10], [MQTT-3.14.4-3]."""

import unittest

from broker import BrokerTestCase
from clients import MQTTv311
from raw_mqtt import PUBACK, V5, V311, disconnect_packet, packet, publish_packet


class Will(BrokerTestCase):
    def watcher(self):
        w = self.paho(protocol=MQTTv311)
        w.subscribe("will/#", qos=2)
        return w

    def test_published_when_client_killed(self):
        w = self.watcher()
        for version in ("mqttv31", "mqttv311", "mqttv5"):
            with self.subTest(version=version):
                s = self.sub("-V", version, "-t", "will-none", "--will-topic", f"will/{version}",
                             "--will-payload", f"gone-{version}", "--will-qos", "1")
                s.wait_subscribed()
                self.assertEqual(w.drain(0.2), [])  # nothing while it lives
                s.kill()  # SIGKILL: the kernel closes the socket, no DISCONNECT
                m = w.expect(1)[0]
                self.assertEqual((m.topic, m.payload, m.qos, m.retain),
                                 (f"will/{version}", f"gone-{version}".encode(), 1, False))

    def test_retained_will(self):
        w = self.watcher()
        s = self.sub("-t", "will-none", "--will-topic", "will/r", "--will-payload", "last",
                     "--will-qos", "2", "--will-retain").wait_subscribed()
        s.kill()
        m = w.expect(1)[0]
        # Live delivery to an existing subscription: RETAIN 0 [MQTT-3.3.1-9] (v3.1.1).
        self.assertEqual((m.topic, m.payload, m.qos, m.retain), ("will/r", b"last", 2, False))
        # ...but stored as retained [MQTT-3.1.2-17].
        late = self.paho(protocol=MQTTv311)
        late.subscribe("will/r", qos=2)
        m = late.expect(1)[0]
        self.assertEqual((m.payload, m.qos, m.retain), (b"last", 2, True))

    def test_published_when_socket_closed_without_disconnect(self):
        w = self.watcher()
        for version in (V311, V5):
            with self.subTest(version=version):
                r = self.raw_connect(f"will-raw-{version}", version=version,
                                     will={"topic": f"will/raw{version}", "payload": b"bye",
                                           "qos": 1})
                r.close()
                m = w.expect(1)[0]
                self.assertEqual((m.topic, m.payload, m.qos), (f"will/raw{version}", b"bye", 1))

    def test_published_on_protocol_error(self):
        # v3.1.1 3.1.2.5: the server closing the connection because of a
        # protocol error publishes the will.
        w = self.watcher()
        r = self.raw_connect("will-proto", will={"topic": "will/proto", "payload": b"err"})
        r.send(packet(0x36, b"\x00\x01x\x00\x01"))  # PUBLISH with QoS 3 [MQTT-3.3.1-4]
        closed, _ = r.wait_closed()
        self.assertTrue(closed, "broker kept a connection that sent PUBLISH QoS 3")
        m = w.expect(1)[0]
        self.assertEqual((m.topic, m.payload), ("will/proto", b"err"))

    def test_not_published_after_clean_disconnect(self):
        w = self.watcher()
        # mosquitto_pub sends DISCONNECT after its message.
        for version in ("mqttv311", "mqttv5"):
            self.pub("-V", version, "-q", "1", "-t", "will/normal", "-m", version,
                     "--will-topic", "will/never", "--will-payload", "no")
        # A raw client too: DISCONNECT, then close [MQTT-3.14.4-3].
        r = self.raw_connect("will-clean", will={"topic": "will/never", "payload": b"no"})
        r.send(disconnect_packet())
        r.close()
        # A marker published after all of them arrives after any will would.
        m = self.paho(protocol=MQTTv311)
        m.publish("will/marker", b"end", qos=1)
        got = w.expect(3)
        got += w.drain()
        self.assertEqual([(x.topic, x.payload) for x in got],
                         [("will/normal", b"mqttv311"), ("will/normal", b"mqttv5"),
                          ("will/marker", b"end")])

    def test_v5_disconnect_with_will_message(self):
        # v5 3.14.2.1: reason code 0x04 "Disconnect with Will Message".
        w = self.watcher()
        r = self.raw_connect("will-v5-04", version=V5,
                             will={"topic": "will/v5", "payload": b"asked"})
        r.send(disconnect_packet(V5, reason=0x04))
        m = w.expect(1)[0]
        self.assertEqual((m.topic, m.payload), ("will/v5", b"asked"))
        r.close()

    def test_publish_before_abnormal_close_is_delivered_before_will(self):
        w = self.watcher()
        r = self.raw_connect("will-order", will={"topic": "will/order", "payload": b"will"})
        r.send(publish_packet("will/order", b"data", qos=1, pid=1))
        self.assertEqual(r.expect_packet(PUBACK).pid(), 1)
        r.close()
        got = w.expect(2)
        self.assertEqual([x.payload for x in got], [b"data", b"will"])


if __name__ == "__main__":
    unittest.main()
