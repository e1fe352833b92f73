"""MQTT v5 basics with paho: connect, properties passed through, subscription
identifiers, no local, topic aliases."""

import struct
import time
import unittest

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from broker import BrokerTestCase, mosquitto_deviation
from clients import MQTTv5, MQTTv311, user_properties
from raw_mqtt import PUBACK, PUBLISH, V5, publish_packet


def sub_id_props(sid):
    p = Properties(PacketTypes.SUBSCRIBE)
    p.SubscriptionIdentifier = sid
    return p


class Connect(BrokerTestCase):
    def test_connect_and_assigned_client_id(self):
        c = self.paho("", protocol=MQTTv5)
        flags, rc, props = c.connack
        self.assertEqual((rc, c.session_present()), (0, False))
        # Empty client id: the CONNACK assigns one [MQTT-3.2.2-16] (v5).
        assigned = getattr(props, "AssignedClientIdentifier", "")
        self.assertTrue(assigned, f"no Assigned Client Identifier in {props}")

    def test_named_client_gets_no_assigned_id(self):
        c = self.paho("named-v5", protocol=MQTTv5)
        self.assertFalse(hasattr(c.connack[2], "AssignedClientIdentifier"))


class PublishProperties(BrokerTestCase):
    def test_user_properties_pass_through_in_order(self):
        sub = self.paho(protocol=MQTTv5)
        sub.subscribe("v5/props", qos=1)
        old = self.paho(protocol=MQTTv311)
        old.subscribe("v5/props", qos=1)
        pub = self.paho(protocol=MQTTv5)
        pairs = [("b", "2"), ("a", "1"), ("a", "1 again"), ("ü", "ünïcode")]
        pub.publish("v5/props", b"payload", qos=1, properties=user_properties(pairs))
        m = sub.expect(1)[0]
        # Unchanged, order kept, duplicates kept [MQTT-3.3.2-17], [MQTT-3.3.2-18].
        self.assertEqual((m.payload, m.user_properties()), (b"payload", pairs))
        # A v3.1.1 subscriber gets the message without properties.
        self.assertEqual([x.payload for x in old.expect(1)], [b"payload"])

    def test_request_response_properties_pass_through(self):
        sub = self.paho(protocol=MQTTv5)
        sub.subscribe("v5/req", qos=1)
        pub = self.paho(protocol=MQTTv5)
        p = Properties(PacketTypes.PUBLISH)
        p.PayloadFormatIndicator = 1
        p.ContentType = "text/plain"
        p.ResponseTopic = "v5/reply/42"
        p.CorrelationData = b"\x00\x01corr"
        p.MessageExpiryInterval = 100
        pub.publish("v5/req", b"question", qos=1, properties=p)
        got = sub.expect(1)[0].properties
        # [MQTT-3.3.2-4] [MQTT-3.3.2-20] [MQTT-3.3.2-15] [MQTT-3.3.2-16]
        self.assertEqual((got.PayloadFormatIndicator, got.ContentType, got.ResponseTopic,
                          got.CorrelationData),
                         (1, "text/plain", "v5/reply/42", b"\x00\x01corr"))
        # Expiry is forwarded minus the time spent in the broker [MQTT-3.3.2-6].
        self.assertTrue(95 <= got.MessageExpiryInterval <= 100, got.MessageExpiryInterval)


class SubscriptionIdentifiers(BrokerTestCase):
    def test_identifier_returned_with_matching_messages(self):
        c = self.paho(protocol=MQTTv5)
        c.subscribe("sid/one/+", qos=1, properties=sub_id_props(7))
        c.subscribe("sid/plain", qos=1)
        pub = self.paho(protocol=MQTTv5)
        pub.publish("sid/one/x", b"a", qos=1)
        pub.publish("sid/plain", b"b", qos=1)
        got = {m.topic: m.subscription_ids() for m in c.expect(2)}
        # [MQTT-3.3.4-3] the identifier of the matching subscription; none
        # for a subscription that had none.
        self.assertEqual(got, {"sid/one/x": [7], "sid/plain": []})

    def test_overlapping_subscriptions(self):
        c = self.paho(protocol=MQTTv5)
        c.subscribe("sid/over/+", qos=1, properties=sub_id_props(7))
        c.subscribe("sid/over/#", qos=1, properties=sub_id_props(300))
        self.paho(protocol=MQTTv5).publish("sid/over/x", b"m", qos=1)
        got = c.expect(1) + c.drain()
        # One message with both identifiers, or one per subscription with
        # its own [MQTT-3.3.4-4], [MQTT-3.3.4-5]: either way 7 and 300.
        self.assertIn(len(got), (1, 2))
        self.assertEqual(sorted(i for m in got for i in m.subscription_ids()), [7, 300])

    def test_identifier_on_retained_delivery(self):
        pub = self.paho(protocol=MQTTv5)
        pub.publish("sid/ret", b"kept", qos=1, retain=True)
        c = self.paho(protocol=MQTTv5)
        c.subscribe("sid/ret", qos=1, properties=sub_id_props(12345))
        m = c.expect(1)[0]
        self.assertEqual((m.payload, m.retain, m.subscription_ids()), (b"kept", True, [12345]))


class Options(BrokerTestCase):
    def test_no_local(self):
        c = self.paho(protocol=MQTTv5)
        c.subscribe("nl/x", options=mqtt.SubscribeOptions(qos=1, noLocal=True))
        c.publish("nl/x", b"mine", qos=1)
        self.paho(protocol=MQTTv5).publish("nl/x", b"theirs", qos=1)
        # [MQTT-3.8.3-3] (v5): not sent back to the publishing connection.
        got = c.expect(1) + c.drain()
        self.assertEqual([m.payload for m in got], [b"theirs"])

    def test_topic_alias_from_client(self):
        sub = self.paho(protocol=MQTTv5)
        sub.subscribe("alias/#", qos=1)
        r = self.raw_connect("aliaser", version=V5)
        alias = b"\x23" + struct.pack("!H", 1)  # Topic Alias = 1
        r.send(publish_packet("alias/long/topic", b"1", qos=1, pid=1, version=V5,
                              properties=alias))
        self.assertEqual(r.expect_packet(PUBACK).pid(), 1)
        # Empty topic name + alias: the broker maps it back [MQTT-3.3.2-12] (v5).
        r.send(publish_packet("", b"2", qos=1, pid=2, version=V5, properties=alias))
        self.assertEqual(r.expect_packet(PUBACK).pid(), 2)
        got = sub.expect(2)
        self.assertEqual([(m.topic, m.payload) for m in got],
                         [("alias/long/topic", b"1"), ("alias/long/topic", b"2")])
        self.assertFalse(r.eof)


class MessageExpiry(BrokerTestCase):
    def test_expired_while_queued_is_not_delivered(self):
        """A message whose expiry passes while queued for an offline session
        is dropped [MQTT-3.3.2-5]; one still alive arrives with the time
        left, not the time published [MQTT-3.3.2-6]."""
        sub = self.paho("expiry-sub", protocol=MQTTv5, clean=False, session_expiry=600)
        sub.subscribe("v5/expiry/#", qos=1)
        sub.disconnect()
        pub = self.paho(protocol=MQTTv5)
        short = Properties(PacketTypes.PUBLISH)
        short.MessageExpiryInterval = 1
        pub.publish("v5/expiry/short", b"gone", qos=1, properties=short)
        long = Properties(PacketTypes.PUBLISH)
        long.MessageExpiryInterval = 60
        pub.publish("v5/expiry/long", b"kept", qos=1, properties=long)
        time.sleep(2.2)
        sub = self.paho("expiry-sub", protocol=MQTTv5, clean=False, session_expiry=600)
        got = sub.expect(1) + sub.drain()
        self.assertEqual([m.payload for m in got], [b"kept"])
        left = got[0].properties.MessageExpiryInterval
        # At least 2.2 s went by: 58 at most. The floor only says it is the
        # same message's clock (a loaded machine may take seconds more).
        self.assertTrue(30 <= left <= 58, left)


class PayloadFormat(BrokerTestCase):
    @mosquitto_deviation("mosquitto 2.0.11 accepts and forwards it (PUBACK success)")
    def test_payload_announced_as_utf8_must_be_utf8(self):
        """Payload Format Indicator 1 with a payload that is not UTF-8:
        PUBACK 0x99 and the message is not forwarded (spec 3.3.2.3.2); a
        valid one passes."""
        sub = self.paho(protocol=MQTTv5)
        sub.subscribe("v5/pfi", qos=1)
        r = self.raw_connect("pfi-pub", version=V5)
        pfi = bytes([0x01, 0x01])  # property 0x01 Payload Format Indicator = 1
        r.send(publish_packet("v5/pfi", b"\xff\xfe", qos=1, pid=1, version=V5, properties=pfi))
        ack = r.expect_packet(PUBACK)
        self.assertEqual((ack.pid(), ack.body[2]), (1, 0x99))
        r.send(publish_packet("v5/pfi", "ünïcode".encode(), qos=1, pid=2, version=V5,
                              properties=pfi))
        ack = r.expect_packet(PUBACK)
        self.assertEqual(ack.pid(), 2)
        self.assertEqual([m.payload for m in sub.expect(1) + sub.drain()], ["ünïcode".encode()])


class ServerTopicAliases(BrokerTestCase):
    @mosquitto_deviation("mosquitto 2.0.11 never sends topic aliases to clients")
    def test_broker_sets_up_aliases_when_the_client_allows(self):
        """A client announcing Topic Alias Maximum 1 gets the topic once with
        alias 1, then the alias alone (spec 3.3.2.3.4)."""
        r = self.raw()
        r.connect("alias-sub", version=V5, properties=bytes([0x22, 0x00, 0x01]))
        r.subscribe(1, "v5/alias/t", qos=0)
        pub = self.paho(protocol=MQTTv5)
        for payload in (b"one", b"two"):
            pub.publish("v5/alias/t", payload, qos=1)
        seen = []
        for _ in range(2):
            p = r.expect_packet(PUBLISH)
            topic, _, _, rest = p.publish_fields(V5)
            # publish_fields skipped the properties; read the alias from them.
            n = struct.unpack("!H", p.body[:2])[0]
            props_len = p.body[2 + n]
            props = p.body[3 + n:3 + n + props_len]
            self.assertEqual(props[:1], b"\x23", props)  # Topic Alias
            seen.append((topic, struct.unpack("!H", props[1:3])[0], rest))
        self.assertEqual(seen, [("v5/alias/t", 1, b"one"), ("", 1, b"two")])


if __name__ == "__main__":
    unittest.main()
