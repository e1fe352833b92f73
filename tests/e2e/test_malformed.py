"""Malformed packets and protocol violations, from raw sockets: each
offender is disconnected, while a client connected before keeps working.

MQTT v3.1.1 4.8: on a protocol violation the server closes the network
connection. MQTT v5 4.13: it MAY first send a CONNACK (during CONNECT) or
DISCONNECT with a reason code >= 0x80; nothing else may come before the
close. v3.1.1 has no server DISCONNECT; only a refusing CONNACK may precede
the close of a CONNECT it rejects."""

import struct
import unittest

from broker import BrokerTestCase
from clients import MQTTv311
from limits import TIMEOUT
from raw_mqtt import (CONNACK, DISCONNECT, PINGREQ_PACKET, V5, V311, connect_packet, mqtt_str,
                      packet, publish_packet, subscribe_packet, varint)


def props(version):
    """Empty property block of v5 packets."""
    return varint(0) if version == V5 else b""


class Malformed(BrokerTestCase):
    def setUp(self):
        super().setUp()
        self.witness = self.paho("witness", protocol=MQTTv311)
        self.witness.subscribe("witness/#", qos=1)
        self.rounds = 0

    def assert_witness_works(self):
        self.assertFalse(self.witness.disconnected.is_set(), "witness was disconnected")
        self.rounds += 1
        payload = f"ping-{self.rounds}".encode()
        self.witness.publish("witness/ping", payload, qos=1)
        self.assertEqual([m.payload for m in self.witness.expect(1)], [payload])

    def assert_rejected(self, data, connect_first=True, versions=(V311, V5), refusal=None):
        """Sends data (bytes or a function of the protocol version) from a
        raw socket, connected first unless connect_first is False, and
        checks the broker closes it. refusal: for a rejected CONNECT, the
        v3.1.1 CONNACK return codes allowed before the close."""
        for version in versions:
            with self.subTest(version=version):
                r = self.raw()
                if connect_first:
                    r.connect(f"offender-{version}", version=version)
                r.send(data(version) if callable(data) else data)
                closed, pkts = r.wait_closed(TIMEOUT)
                self.assertTrue(closed, f"v{version}: offender not disconnected within {TIMEOUT}s")
                self.check_before_close(pkts, version, connecting=not connect_first,
                                        refusal=refusal or ())
                self.assert_witness_works()

    def check_before_close(self, pkts, version, connecting, refusal):
        self.assertLessEqual(len(pkts), 1, f"v{version}: {pkts}")
        if not pkts:
            return
        p = pkts[0]
        if version == V5:
            # DISCONNECT/CONNACK with an error reason code (>= 0x80).
            if connecting:
                self.assertEqual(p.type, CONNACK, p)
                self.assertGreaterEqual(p.body[1], 0x80, p)
            else:
                self.assertEqual(p.type, DISCONNECT, p)
                self.assertGreaterEqual(p.body[0], 0x80, p)
        else:
            self.assertTrue(connecting, f"v3.1.1 server sent {p} before closing")
            self.assertEqual(p.type, CONNACK, p)
            self.assertIn(p.body[1], refusal, p)

    # CONNECT

    def test_bad_protocol_name(self):
        # [MQTT-3.1.2-1]: not "MQTT" -> MAY disconnect; must not go on as MQTT.
        self.assert_rejected(lambda v: connect_packet("bad-name", version=v, protocol_name="MQTX"),
                             connect_first=False, refusal=(0x01,))

    def test_unsupported_protocol_level(self):
        # [MQTT-3.1.2-2] (v3.1.1): CONNACK 0x01 "unacceptable protocol
        # version", then close.
        r = self.raw()
        body = mqtt_str("MQTT") + bytes([42, 0x02]) + struct.pack("!H", 60) + mqtt_str("lvl42")
        r.send(packet(0x10, body))
        closed, pkts = r.wait_closed()
        self.assertTrue(closed, "broker accepted protocol level 42")
        self.assertEqual([(p.type, p.body) for p in pkts], [(CONNACK, b"\x00\x01")])
        self.assert_witness_works()

    def test_connect_reserved_flag_set(self):
        # [MQTT-3.1.2-3] the reserved bit of the connect flags must be 0.
        self.assert_rejected(lambda v: connect_packet("rsv", version=v, flags_extra=0x01),
                             connect_first=False)

    def test_connect_fixed_header_flags_set(self):
        # [MQTT-2.2.2-2] (v3.1.1) / [MQTT-2.1.3-1] (v5): CONNECT's fixed
        # header flags are reserved (0).
        def data(v):
            p = bytearray(connect_packet("hdr", version=v))
            p[0] |= 0x01
            return bytes(p)
        self.assert_rejected(data, connect_first=False)

    def test_will_qos_3(self):
        # [MQTT-3.1.2-14] will QoS must not be 3.
        self.assert_rejected(
            lambda v: connect_packet("willq3", version=v,
                                     will={"topic": "w", "payload": b"x", "qos": 3}),
            connect_first=False)

    def test_password_without_username_v311(self):
        # [MQTT-3.1.2-22] (v3.1.1 only; v5 allows it).
        body = (mqtt_str("MQTT") + bytes([4, 0x02 | 0x40]) + struct.pack("!H", 60)
                + mqtt_str("pw-only") + mqtt_str("secret"))
        self.assert_rejected(packet(0x10, body), connect_first=False, versions=(V311,),
                             refusal=(0x01, 0x02, 0x04, 0x05))

    def test_first_packet_not_connect(self):
        # [MQTT-3.1.0-1] the first packet must be CONNECT; no PINGRESP here.
        self.assert_rejected(PINGREQ_PACKET, connect_first=False, versions=(V311,))
        self.assert_rejected(publish_packet("witness/sneak", b"x"), connect_first=False,
                             versions=(V311,))
        # The sneaked PUBLISH was not routed: the witness saw only its pings.
        self.assertEqual(self.witness.drain(0.3), [])

    def test_second_connect(self):
        # [MQTT-3.1.0-2] a second CONNECT is a protocol violation.
        self.assert_rejected(lambda v: connect_packet(f"offender-{v}", version=v))

    # fixed header

    def test_remaining_length_of_five_bytes(self):
        # The remaining length has at most 4 bytes (v3.1.1 2.2.3, v5 1.5.5).
        self.assert_rejected(b"\x30\xff\xff\xff\xff\x7f")

    def test_reserved_packet_type(self):
        # Types 0 and 15 (v3.1.1) are reserved / AUTH is v5-only.
        self.assert_rejected(b"\x00\x00", versions=(V311, V5))
        self.assert_rejected(b"\xf0\x00", versions=(V311,))

    def test_subscribe_reserved_flags(self):
        # [MQTT-3.8.1-1] SUBSCRIBE fixed header flags must be 0010.
        self.assert_rejected(lambda v: subscribe_packet(1, "a/b", version=v, first_byte=0x80))

    def test_pubrel_reserved_flags(self):
        # [MQTT-3.6.1-1] PUBREL fixed header flags must be 0010.
        self.assert_rejected(packet(0x60, b"\x00\x01"), versions=(V311,))

    # PUBLISH

    def test_publish_qos_3(self):
        # [MQTT-3.3.1-4] a PUBLISH must not have both QoS bits set.
        self.assert_rejected(
            lambda v: packet(0x36, mqtt_str("witness/q3") + b"\x00\x01" + props(v) + b"x"))
        self.assertEqual(self.witness.drain(0.3), [])

    def test_publish_topic_with_wildcard(self):
        # [MQTT-3.3.2-2] topic names must not contain wildcards.
        self.assert_rejected(lambda v: publish_packet("witness/+", b"x", version=v))
        self.assertEqual(self.witness.drain(0.3), [])

    def test_publish_topic_invalid_utf8(self):
        # [MQTT-1.5.3-1] ill-formed UTF-8; [MQTT-1.5.3-2] U+0000 (v3.1.1;
        # v5: [MQTT-1.5.4-1], [MQTT-1.5.4-2]).
        bad = (b"witness/\xc3\x28", b"witness/\x00")
        for topic in bad:
            self.assert_rejected(
                lambda v, t=topic: packet(0x30, struct.pack("!H", len(t)) + t + props(v) + b"x"))
        self.assertEqual(self.witness.drain(0.3), [])

    # SUBSCRIBE

    def test_subscribe_packet_id_zero(self):
        # [MQTT-2.3.1-1] (v3.1.1) / [MQTT-2.2.1-3] (v5) packet id non-zero.
        self.assert_rejected(lambda v: subscribe_packet(0, "a/b", version=v))

    def test_subscribe_without_filters(self):
        # [MQTT-3.8.3-3] (v3.1.1) / [MQTT-3.8.3-2] (v5): at least one topic filter.
        self.assert_rejected(lambda v: packet(0x82, b"\x00\x05" + props(v)))

    def test_subscribe_qos_3(self):
        # [MQTT-3.8.3-4] (v3.1.1): requested QoS 3 is malformed (v5: reserved value).
        self.assert_rejected(lambda v: subscribe_packet(5, "a/b", qos=3, version=v))


if __name__ == "__main__":
    unittest.main()
