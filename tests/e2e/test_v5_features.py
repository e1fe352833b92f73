"""MQTT 5 server behaviour with real clients (paho v5, mosquitto_pub/_sub -V 5
-D, raw sockets): shared subscriptions, what CONNACK announces and how it is
enforced, reason codes and strings, Response Information, mixed versions.

Settings that only tern has (its feature switches, shared subscription policy,
response_topic_prefix) would stop mosquitto at start-up: those classes are
skipped when the suite runs against mosquitto."""

import os
import struct
import unittest

from broker import BROKER_ENV, BrokerTestCase, mosquitto_deviation
from clients import MQTTv5, MosquittoSub
from limits import QUIET
from raw_mqtt import (CONNACK, DISCONNECT, PUBACK, PUBLISH, SUBACK, V5, V311, decode_varint,
                      mqtt_str, packet, publish_packet)

UNDER_MOSQUITTO = os.path.basename(os.environ.get(BROKER_ENV, "")).startswith("mosquitto")


def tern_settings(cls):
    """A test class whose broker settings mosquitto does not know."""
    return unittest.skipIf(UNDER_MOSQUITTO, "tern-only configuration")(cls)


# --- raw v5 helpers ---------------------------------------------------------------

BYTE_PROPS = {0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A}
TWO_BYTE_PROPS = {0x13, 0x21, 0x22, 0x23}
FOUR_BYTE_PROPS = {0x02, 0x11, 0x18, 0x27}
STRING_PROPS = {0x03, 0x08, 0x09, 0x12, 0x15, 0x16, 0x1A, 0x1C, 0x1F}


def parse_props(buf, pos=0):
    """{id: value} of v5 properties at buf[pos] (user properties as a list
    of pairs under 0x26); and the position after them."""
    length, used = decode_varint(buf, pos)
    pos += used
    end = pos + length
    props = {}
    while pos < end:
        pid = buf[pos]
        pos += 1
        if pid in BYTE_PROPS:
            props[pid] = buf[pos]
            pos += 1
        elif pid in TWO_BYTE_PROPS:
            props[pid] = struct.unpack("!H", buf[pos:pos + 2])[0]
            pos += 2
        elif pid in FOUR_BYTE_PROPS:
            props[pid] = struct.unpack("!I", buf[pos:pos + 4])[0]
            pos += 4
        elif pid in STRING_PROPS:
            n = struct.unpack("!H", buf[pos:pos + 2])[0]
            props[pid] = buf[pos + 2:pos + 2 + n].decode()
            pos += 2 + n
        elif pid == 0x26:
            k = struct.unpack("!H", buf[pos:pos + 2])[0]
            key = buf[pos + 2:pos + 2 + k].decode()
            pos += 2 + k
            n = struct.unpack("!H", buf[pos:pos + 2])[0]
            props.setdefault(0x26, []).append((key, buf[pos + 2:pos + 2 + n].decode()))
            pos += 2 + n
        elif pid == 0x0B:
            props[pid], used = decode_varint(buf, pos)
            pos += used
        else:
            raise AssertionError(f"property {pid:#x} not understood by this test")
    return props, end


def connack_props(ack):
    return parse_props(ack.body, 2)[0]


def ack_reason_and_props(p):
    """Reason code and properties of a PUBACK/PUBREC (v5)."""
    if len(p.body) == 2:
        return 0, {}
    if len(p.body) == 3:
        return p.body[2], {}
    return p.body[2], parse_props(p.body, 3)[0]


def subscribe_v5(pid, topic, options=1, properties=b""):
    """SUBSCRIBE with raw subscription options (QoS | 0x04 No Local ...)."""
    body = struct.pack("!H", pid) + bytes([len(properties)]) + properties
    return packet(0x82, body + mqtt_str(topic) + bytes([options]))


class RawV5(BrokerTestCase):
    def v5(self, client_id, properties=b"", **kwargs):
        return self.raw_connect(client_id, version=V5, properties=properties, **kwargs)

    def disconnect_reason(self, raw, timeout=5):
        """The reason code of the DISCONNECT before the broker closed `raw`."""
        closed, pkts = raw.wait_closed(timeout)
        self.assertTrue(closed, "the broker did not close the connection")
        reasons = [p.body[0] for p in pkts if p.type == DISCONNECT]
        self.assertEqual(len(reasons), 1, f"expected one DISCONNECT, got {pkts}")
        return reasons[0]

    def publish_until(self, sender, receiver, topic, n=40):
        """Publishes QoS 1 until `receiver` (raw) gets one; its packet."""
        for i in range(n):
            sender.publish(topic, f"job{i}".encode(), qos=1)
            p = receiver.recv_packet(timeout=0.2)
            if p is not None and p.type == PUBLISH:
                return p
        self.fail(f"{receiver} got none of {n} messages")


def props_sub(broker_test, *args):
    """mosquitto_sub -V 5 printing content type and user properties after
    the topic ("topic\\tPROPS\\tcontent-type\\tuser-properties")."""
    class Sub(MosquittoSub):
        FORMAT = MosquittoSub.FORMAT + r"\tPROPS\t%C\t%P"
    s = Sub(broker_test.broker, "-V", "5", *args)
    broker_test.addCleanup(s.stop)
    return s


# --- shared subscriptions (spec 4.8.2) ------------------------------------------

class SharedSubscriptions(RawV5):
    def test_one_member_per_message_round_robin(self):
        a, b = two_members(self, "jobs")
        everyone = self.sub("-V", "5", "-q", "1", "-t", "jobs").wait_subscribed()
        for i in range(10):
            self.pub("-V", "5", "-q", "1", "-t", "jobs", "-m", f"job{i}")
        got_a = [m.payload for m in a.drain(QUIET)]
        got_b = [m.payload for m in b.drain(0)]
        self.assertEqual(sorted(got_a + got_b), sorted(f"job{i}".encode() for i in range(10)))
        self.assertEqual((len(got_a), len(got_b)), (5, 5), "in turn")
        self.assertEqual(len(everyone.expect(10)), 10, "an ordinary subscription gets all")

    @mosquitto_deviation("mosquitto 2.0.11 sends retained messages on a shared subscribe")
    def test_retained_not_sent_on_shared_subscribe(self):
        self.pub("-V", "5", "-r", "-q", "1", "-t", "kept/x", "-m", "retained")
        shared = self.sub("-V", "5", "-t", "$share/g/kept/#").wait_subscribed()
        plain = self.sub("-V", "5", "-t", "kept/#").wait_subscribed()
        self.assertEqual([m.payload for m in plain.expect(1)], [b"retained"])
        self.assertEqual(shared.drain(QUIET), [])

    @mosquitto_deviation("mosquitto 2.0.11 accepts No Local on a shared subscription")
    def test_no_local_on_shared_subscription_is_protocol_error(self):
        r = self.v5("nl")
        r.send(subscribe_v5(1, "$share/g/t", options=0x04 | 1))  # [MQTT-3.8.3-4]
        self.assertEqual(self.disconnect_reason(r), 0x82)

    @mosquitto_deviation("mosquitto 2.0.11 drops the unacknowledged messages with the session")
    def test_unacknowledged_messages_of_a_departing_member_go_to_another(self):
        leaving = self.v5("leaving")
        leaving.send(subscribe_v5(1, "$share/g/work", options=1))
        leaving.expect_packet(SUBACK)
        staying = self.paho("staying", protocol=MQTTv5)
        staying.subscribe("$share/g/work", qos=1)
        pub = self.paho(protocol=MQTTv5)
        held = self.publish_until(pub, leaving, "work")
        payload = held.publish_fields(V5)[3]
        staying.drain(QUIET)
        leaving.close()  # never acknowledged; its session ends (expiry 0)
        self.assertIn(payload, [m.payload for m in staying.expect(1)])


def two_members(test, topic):
    """Two paho v5 clients in group g on `topic`."""
    members = [test.paho(protocol=MQTTv5) for _ in range(2)]
    for m in members:
        m.subscribe(f"$share/g/{topic}", qos=1)
    return members


@tern_settings
class StickyPolicy(BrokerTestCase):
    broker_settings = {"shared_subscription_policy": "sticky"}

    def test_a_publishers_messages_stay_with_one_member(self):
        a, b = two_members(self, "s")
        pub = self.paho("the-publisher", protocol=MQTTv5)
        for i in range(8):
            pub.publish("s", f"m{i}".encode(), qos=1)
        got = sorted([len(a.drain(QUIET)), len(b.drain(0))])
        self.assertEqual(got, [0, 8])


@tern_settings
class RandomPolicy(BrokerTestCase):
    broker_settings = {"shared_subscription_policy": "random"}

    def test_each_message_once_and_both_members_served(self):
        a, b = two_members(self, "r")
        for i in range(40):
            self.pub("-V", "5", "-q", "1", "-t", "r", "-m", f"m{i}")
        got_a = [m.payload for m in a.drain(QUIET)]
        got_b = [m.payload for m in b.drain(0)]
        self.assertEqual(sorted(got_a + got_b), sorted(f"m{i}".encode() for i in range(40)))
        self.assertTrue(got_a and got_b, "40 coin tosses all alike")


# --- CONNACK capabilities, enforced ----------------------------------------------

class MaximumQos(RawV5):
    broker_settings = {"max_qos": "1"}

    def test_announced_and_publish_above_it_disconnected_0x9b(self):
        c = self.paho(protocol=MQTTv5)
        self.assertEqual(getattr(c.connack[2], "MaximumQoS", None), 1)  # [MQTT-3.2.2-9]
        r = self.v5("q2")
        r.send(publish_packet("t", b"x", qos=2, pid=1, version=V5))
        self.assertEqual(self.disconnect_reason(r), 0x9B)  # [MQTT-3.2.2-11], spec 3.3.1.2

    def test_subscription_granted_at_most_maximum(self):
        c = self.paho(protocol=MQTTv5)
        granted = c.subscribe("t", qos=2)  # accepted [MQTT-3.2.2-10]
        self.assertEqual([g.value if hasattr(g, "value") else g for g in granted], [1])

    def test_mosquitto_pub_keeps_to_the_announced_maximum(self):
        sub = self.sub("-V", "5", "-q", "2", "-t", "t").wait_subscribed()
        # libmosquitto reads Maximum QoS from CONNACK and sends nothing.
        res = self.pub("-V", "5", "-q", "2", "-t", "t", "-m", "x", check=False)
        self.assertIn(b"QoS not supported", res.stderr + res.stdout)
        self.pub("-V", "5", "-q", "1", "-t", "t", "-m", "y")
        self.assertEqual([(m.payload, m.qos) for m in sub.expect(1)], [(b"y", 1)])

    def test_will_above_maximum_refused_0x9b(self):
        r = self.raw()
        r.send(packet(0x10, mqtt_str("MQTT") + bytes([5, 0x02 | 0x04 | (2 << 3)]) +
                      struct.pack("!H", 60) + b"\x00" + mqtt_str("w") + b"\x00" +
                      mqtt_str("will/t") + mqtt_str("bye")))
        ack = r.expect_packet(CONNACK)
        self.assertEqual(ack.body[1], 0x9B)  # [MQTT-3.2.2-12]


class RetainNotAvailable(RawV5):
    broker_settings = {"retain_available": "false"}

    def test_announced_and_retained_publish_disconnected_0x9a(self):
        c = self.paho(protocol=MQTTv5)
        self.assertEqual(getattr(c.connack[2], "RetainAvailable", None), 0)
        # libmosquitto reads Retain Available from CONNACK and clears the flag.
        self.pub("-V", "5", "-r", "-q", "1", "-t", "t", "-m", "x")
        late = self.sub("-V", "5", "-t", "t").wait_subscribed()
        self.assertEqual(late.drain(QUIET), [], "nothing was retained")
        r = self.v5("ret")
        r.send(publish_packet("t", b"x", retain=True, version=V5))
        self.assertEqual(self.disconnect_reason(r), 0x9A)  # [MQTT-3.2.2-14]


@tern_settings
class FeaturesOff(RawV5):
    broker_settings = {"wildcard_subscription_available": "false",
                       "subscription_identifier_available": "false",
                       "shared_subscription_available": "false"}

    def test_announced_in_connack(self):
        props = self.paho(protocol=MQTTv5).connack[2]
        self.assertEqual((props.WildcardSubscriptionAvailable,
                          props.SubscriptionIdentifierAvailable,
                          props.SharedSubscriptionAvailable), (0, 0, 0))

    def test_wildcard_subscription_disconnected_0xa2(self):
        r = self.v5("wild")
        r.send(subscribe_v5(1, "a/b"))
        r.expect_packet(SUBACK)
        r.send(subscribe_v5(2, "a/#"))
        self.assertEqual(self.disconnect_reason(r), 0xA2)  # spec 3.2.2.3.11

    def test_subscription_identifier_disconnected_0xa1(self):
        r = self.v5("sid")
        r.send(subscribe_v5(1, "a", properties=b"\x0b\x07"))
        self.assertEqual(self.disconnect_reason(r), 0xA1)  # spec 3.2.2.3.12

    def test_shared_subscription_disconnected_0x9e(self):
        r = self.v5("shared")
        r.send(subscribe_v5(1, "$share/g/a"))
        self.assertEqual(self.disconnect_reason(r), 0x9E)  # spec 3.2.2.3.13

    def test_mosquitto_sub_is_closed_on_a_wildcard(self):
        s = self.sub("-V", "5", "-t", "a/#")
        s.wait_exit()
        self.assertEqual(s.subacks, 0, s.output())

    def test_v311_wildcard_refused_in_suback(self):
        r = self.raw_connect("old")
        ack = r.subscribe(1, "a/+", qos=1)
        self.assertEqual(ack.body[2:], b"\x80")  # [MQTT-3.8.3-2] of 3.1.1


@tern_settings
class ResponseInformation(RawV5):
    broker_settings = {"response_topic_prefix": "replies"}

    def test_sent_when_requested(self):
        # Request Response Information 1 -> Response Information (spec 3.2.2.3.15).
        ack = self.raw().connect("asker", version=V5, properties=b"\x19\x01")
        self.assertEqual(connack_props(ack).get(0x1A), "replies/asker")
        self.assertNotIn(0x1A, connack_props(self.raw().connect("quiet", version=V5)))


class ResponseInformationOff(RawV5):
    def test_none_without_a_configured_prefix(self):
        ack = self.raw().connect("asker", version=V5, properties=b"\x19\x01")
        self.assertNotIn(0x1A, connack_props(ack))


# --- reason codes and strings ---------------------------------------------------

class ReasonStrings(RawV5):
    broker_settings = {"message_size_limit": "10"}

    def refused_puback(self, client_id, properties=b""):
        r = self.v5(client_id, properties=properties)
        r.send(publish_packet("big", b"x" * 20, qos=1, pid=1, version=V5))
        return ack_reason_and_props(r.expect_packet(PUBACK))

    @mosquitto_deviation("mosquitto 2.0.11 sends no Reason String with its PUBACK 0x95")
    def test_refusal_explained_when_problem_information_wanted(self):
        reason, props = self.refused_puback("wants")
        self.assertEqual(reason, 0x95)
        self.assertIn(0x1F, props, "a human-readable Reason String")

    def test_no_reason_string_without_problem_information_mqtt_3_1_2_29(self):
        reason, props = self.refused_puback("quiet", properties=b"\x17\x00")
        self.assertEqual((reason, props), (0x95, {}))


class PublisherToldWhatHappened(RawV5):
    """A v5 publisher hears 0x10 when nobody matched its message and 0x97
    when the one session that would take it has a full offline queue (spec
    3.4.2.1); a message acknowledged with 0x00 reaches its subscriber."""

    broker_settings = {"max_queued_messages": "2"}

    def ack_reason(self, raw, topic, pid):
        raw.send(publish_packet(topic, b"m%d" % pid, qos=1, pid=pid, version=V5))
        return ack_reason_and_props(raw.expect_packet(PUBACK))[0]

    def test_no_matching_subscribers_0x10(self):
        self.assertEqual(self.ack_reason(self.v5("lonely"), "nobody/listens", 1), 0x10)

    @mosquitto_deviation("mosquitto 2.0.11 acknowledges with 0x00 and drops the message")
    def test_full_offline_queue_0x97(self):
        expiry = b"\x11" + struct.pack("!I", 300)
        owner = self.v5("queue-owner", clean=False, properties=expiry)
        owner.subscribe(1, "full/q", qos=1)
        owner.send(packet(0xE0, b"\x00\x00"))  # DISCONNECT, keeping the session
        owner.wait_closed()
        pub = self.v5("filler")
        self.assertEqual([self.ack_reason(pub, "full/q", pid) for pid in (1, 2, 3)],
                         [0x00, 0x00, 0x97])
        back = self.v5("queue-owner", clean=False, properties=expiry)
        got = [back.expect_packet(PUBLISH).body for _ in range(2)]
        self.assertTrue(got[0].endswith(b"m1") and got[1].endswith(b"m2"), got)
        self.assertIsNone(back.recv_packet(timeout=0.5), "the refused message was kept")


class ServerDisconnects(RawV5):
    """Every DISCONNECT the server sends carries the right reason (4.13)."""

    @mosquitto_deviation("mosquitto 2.0.11 closes the old connection without a DISCONNECT")
    def test_session_taken_over_0x8e(self):
        first = self.v5("twin")
        self.v5("twin")
        self.assertEqual(self.disconnect_reason(first), 0x8E)  # [MQTT-3.1.4-3]

    @mosquitto_deviation("mosquitto 2.0.11 answers Topic Alias 0 with 0x81 Malformed Packet")
    def test_topic_alias_invalid_0x94(self):
        r = self.v5("alias")
        # Alias 0 is never valid [MQTT-3.3.2-8].
        r.send(publish_packet("t", b"x", version=V5, properties=b"\x23\x00\x00"))
        self.assertEqual(self.disconnect_reason(r), 0x94)


class PacketTooLarge(RawV5):
    broker_settings = {"max_packet_size": "64"}

    def test_packet_too_large_0x95(self):
        r = self.v5("large")
        r.send(publish_packet("t", b"x" * 100, version=V5))
        self.assertEqual(self.disconnect_reason(r), 0x95)  # spec 3.2.2.3.6


class KeepAlive(RawV5):
    @mosquitto_deviation("mosquitto 2.0.11 checks keep alive every ~5 s and sends no DISCONNECT")
    def test_keep_alive_timeout_0x8d(self):
        r = self.v5("sleepy", keepalive=1)
        self.assertEqual(self.disconnect_reason(r, timeout=4), 0x8D)  # [MQTT-3.1.2-24]


# --- mixed versions -----------------------------------------------------------------

class MixedVersions(BrokerTestCase):
    def test_v5_message_reaches_v311_subscriber_without_properties(self):
        old = self.sub("-V", "311", "-q", "1", "-t", "mix/a").wait_subscribed()
        new = props_sub(self, "-q", "1", "-t", "mix/a").wait_subscribed()
        self.pub("-V", "5", "-q", "1", "-t", "mix/a", "-m", "hello",
                 "-D", "publish", "content-type", "text/plain",
                 "-D", "publish", "user-property", "k", "v")
        self.assertEqual([m.payload for m in old.expect(1)], [b"hello"])
        topic, _, ctype, users = new.expect(1)[0].topic.split("\t")
        self.assertEqual((topic, ctype, users), ("mix/a", "text/plain", "k:v"))
        # A 3.1.1 client decodes exactly what it was sent: no properties
        # leaked into its PUBLISH (raw check).
        r = self.raw_connect("old-raw")
        r.subscribe(1, "mix/b", qos=0)
        self.pub("-V", "5", "-t", "mix/b", "-m", "p", "-D", "publish", "user-property", "k", "v")
        self.assertEqual(r.expect_packet(PUBLISH).publish_fields(V311),
                         ("mix/b", 0, None, b"p"))

    def test_v311_message_reaches_v5_subscriber(self):
        new = self.paho(protocol=MQTTv5)
        new.subscribe("mix/c", qos=1)
        self.pub("-V", "311", "-q", "1", "-t", "mix/c", "-m", "from-311")
        m = new.expect(1)[0]
        self.assertEqual((m.payload, m.user_properties()), (b"from-311", []))

    def test_retained_message_keeps_its_properties_for_v5(self):
        self.pub("-V", "5", "-r", "-q", "1", "-t", "mix/kept", "-m", "r",
                 "-D", "publish", "content-type", "application/json",
                 "-D", "publish", "user-property", "origin", "test")
        new = props_sub(self, "-t", "mix/kept").wait_subscribed()
        m = new.expect(1)[0]
        topic, _, ctype, users = m.topic.split("\t")
        self.assertEqual((topic, m.retain, ctype, users),
                         ("mix/kept", True, "application/json", "origin:test"))
        old = self.sub("-V", "311", "-t", "mix/kept").wait_subscribed()
        self.assertEqual([(x.payload, x.retain) for x in old.expect(1)], [(b"r", True)])


if __name__ == "__main__":
    unittest.main()
