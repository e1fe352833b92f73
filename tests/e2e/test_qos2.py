"""QoS 2, exactly once: paho publishers and subscribers, a raw publisher that
retransmits before PUBREL, and a raw subscriber that reconnects in the
middle of the flow."""

import unittest

from broker import BrokerTestCase
from clients import MQTTv5, MQTTv311
from raw_mqtt import PUBCOMP, PUBLISH, PUBREC, PUBREL, ack_packet, publish_packet

N = 100


class PahoExactlyOnce(BrokerTestCase):
    def exactly_once(self, pub_protocol, sub_protocol):
        sub = self.paho("q2-sub", protocol=sub_protocol)
        sub.subscribe("q2/x", qos=2)
        pub = self.paho("q2-pub", protocol=pub_protocol)
        # Fire all N without waiting, so several flows overlap in flight.
        infos = [pub.client.publish("q2/x", f"{i:03}".encode(), qos=2) for i in range(N)]
        got = sub.expect(N, timeout=15)
        for info in infos:
            info.wait_for_publish(5)
            self.assertTrue(info.is_published(), "publisher's QoS 2 flow not completed")
        got += sub.drain()
        # Each once, in publish order [MQTT-4.6.0-6], at QoS 2.
        self.assertEqual([m.payload for m in got], [f"{i:03}".encode() for i in range(N)])
        self.assertEqual({m.qos for m in got}, {2})

    def test_v311(self):
        self.exactly_once(MQTTv311, MQTTv311)

    def test_v5(self):
        self.exactly_once(MQTTv5, MQTTv5)

    def test_v5_publisher_v311_subscriber(self):
        self.exactly_once(MQTTv5, MQTTv311)


class RawFlows(BrokerTestCase):
    def test_publisher_retransmission_is_not_delivered_twice(self):
        sub = self.paho(protocol=MQTTv311)
        sub.subscribe("q2/dup", qos=2)
        r = self.raw_connect("q2-raw-pub")
        r.send(publish_packet("q2/dup", b"first", qos=2, pid=7))
        self.assertEqual(r.expect_packet(PUBREC).pid(), 7)
        # Same packet id again with DUP, before PUBREL: acknowledged again,
        # not delivered again [MQTT-4.3.3-2] (v3.1.1) / [MQTT-4.3.3-10] (v5).
        r.send(publish_packet("q2/dup", b"first", qos=2, pid=7, dup=True))
        self.assertEqual(r.expect_packet(PUBREC).pid(), 7)
        r.send(ack_packet(PUBREL, 7))
        self.assertEqual(r.expect_packet(PUBCOMP).pid(), 7)
        # After PUBCOMP the id is free: a new PUBLISH with it is a new
        # message [MQTT-4.3.3-12] (v5).
        r.send(publish_packet("q2/dup", b"second", qos=2, pid=7))
        self.assertEqual(r.expect_packet(PUBREC).pid(), 7)
        r.send(ack_packet(PUBREL, 7))
        self.assertEqual(r.expect_packet(PUBCOMP).pid(), 7)
        got = sub.expect(2) + sub.drain()
        self.assertEqual([m.payload for m in got], [b"first", b"second"])

    def raw_subscriber(self):
        r = self.raw_connect("q2-raw-sub", clean=False)
        r.subscribe(1, "q2/resume", qos=2)
        return r

    def test_pubrel_resent_after_reconnect(self):
        r = self.raw_subscriber()
        self.paho(protocol=MQTTv311).publish("q2/resume", b"once", qos=2)
        p = r.expect_packet(PUBLISH)
        topic, qos, pid, payload = p.publish_fields()
        self.assertEqual((topic, qos, payload), ("q2/resume", 2, b"once"))
        r.send(ack_packet(PUBREC, pid))
        rel = r.expect_packet(PUBREL)
        self.assertEqual((rel.flags, rel.pid()), (0x2, pid))  # [MQTT-3.6.1-1]
        r.close()  # without PUBCOMP
        # On resumption the broker resends the PUBREL, not the PUBLISH
        # [MQTT-4.4.0-1]: the message is not delivered a second time.
        r = self.raw()
        ack = r.connect("q2-raw-sub", clean=False)
        self.assertEqual(ack.body[0] & 1, 1, "session present expected")
        rel = r.expect_packet(PUBREL)
        self.assertEqual(rel.pid(), pid)
        r.send(ack_packet(PUBCOMP, pid))
        nothing = r.recv_packet(timeout=0.7)
        self.assertIsNone(nothing, f"unexpected packet after PUBCOMP: {nothing}")
        self.assertFalse(r.eof)

    def test_publish_resent_with_dup_after_reconnect(self):
        r = self.raw_subscriber()
        self.paho(protocol=MQTTv311).publish("q2/resume", b"again", qos=2)
        first = r.expect_packet(PUBLISH)
        _, _, pid, _ = first.publish_fields()
        self.assertEqual(first.flags & 0x08, 0, "DUP set on first delivery")  # [MQTT-3.3.1-3]
        r.close()  # without PUBREC
        r = self.raw()
        r.connect("q2-raw-sub", clean=False)
        # Unacknowledged PUBLISH is resent with DUP 1 and the same id [MQTT-4.4.0-1],
        # [MQTT-3.3.1-1].
        p = r.expect_packet(PUBLISH)
        topic, qos, pid2, payload = p.publish_fields()
        self.assertEqual((topic, qos, pid2, payload, p.flags & 0x08),
                         ("q2/resume", 2, pid, b"again", 0x08))
        r.send(ack_packet(PUBREC, pid))
        self.assertEqual(r.expect_packet(PUBREL).pid(), pid)
        r.send(ack_packet(PUBCOMP, pid))
        self.assertIsNone(r.recv_packet(timeout=0.5))
        self.assertFalse(r.eof)


if __name__ == "__main__":
    unittest.main()
