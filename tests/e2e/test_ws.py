"""MQTT over WebSocket (`protocol websockets`): the upgrade, frames, and
sessions shared with TCP clients. Driven by paho-mqtt's own WebSocket
transport and by a hand-made WebSocket client (raw_ws.py) for what paho
never sends. MQTT.js and a real browser are in test_ws_js.py."""

import os
import unittest

from broker import Broker, BrokerTestCase, free_port, needs
from clients import MQTTv311, MQTTv5, PahoClient
from limits import TIMEOUT
import raw_mqtt as mq
from raw_ws import BINARY, CLOSE, CONT, PING, PONG, TEXT, RawWs, frame


class WsPort:
    """What PahoClient needs of a broker: where to connect."""

    def __init__(self, host, port):
        self.host, self.port = host, port


class WsPaho(PahoClient):
    def __init__(self, where, *args, path="/mqtt", **kwargs):
        super().__init__(where, *args, **kwargs)
        # paho 1.6 picks its transport when it connects; its constructor
        # argument does the same as this.
        self.client._transport = "websockets"
        self.client.ws_set_options(path=path)


@needs("websocket")
class WsTestCase(BrokerTestCase):
    """A broker with a TCP listener (the harness's) and a WebSocket one."""

    ws_settings = []

    def setUp(self):
        self.ws_port = free_port()
        lines = ["persistence false", f"listener {self.ws_port} 127.0.0.1",
                 "protocol websockets"] + list(self.ws_settings)
        self.broker = Broker(lines).start()
        self.addCleanup(self._stop_broker)
        self.ws = WsPort(self.broker.host, self.ws_port)

    def ws_paho(self, *args, connect=True, **kwargs):
        c = WsPaho(self.ws, *args, **kwargs)
        self.addCleanup(c.close)
        if connect:
            c.connect()
        return c

    def raw_ws(self):
        r = RawWs(self.ws_port)
        self.addCleanup(r.close)
        return r

    def upgraded(self, **kwargs):
        r = self.raw_ws()
        answer = r.handshake(**kwargs)
        self.assertEqual(answer.status, 101, answer)
        return r


class Upgrade(WsTestCase):
    def test_mqtt_subprotocol_is_echoed(self):
        for offered, chosen in [("mqtt", "mqtt"), ("mqttv3.1", "mqttv3.1"),
                                ("chat, mqtt", "mqtt")]:
            with self.subTest(offered=offered):
                answer = self.raw_ws().handshake(protocols=offered)
                self.assertEqual(answer.status, 101, answer)
                self.assertEqual(answer.headers.get("sec-websocket-protocol"), chosen)

    def test_any_path_by_default(self):
        # mosquitto's websockets listener serves every path.
        answer = self.raw_ws().handshake(path="/some/other/path?x=1")
        self.assertEqual(answer.status, 101, answer)

    def test_bad_upgrades_get_their_status_and_a_close(self):
        cases = [
            ("version 8", dict(version="8"), 426, ("sec-websocket-version", "13")),
            ("no key", dict(key=False), 400, None),
            ("malformed key", dict(key="short"), 400, None),
            ("other subprotocol only", dict(protocols="chat"), 400, None),
            ("POST", dict(method="POST"), 405, ("allow", "GET")),
            ("plain HTTP GET", dict(upgrade=False), 426, ("upgrade", "websocket")),
        ]
        for what, kwargs, status, header in cases:
            with self.subTest(what):
                r = self.raw_ws()
                answer = r.handshake(**kwargs)
                self.assertEqual(answer.status, status, answer)
                if header:
                    self.assertEqual(answer.headers.get(header[0]), header[1], answer)
                self.assertTrue(answer.body, "the answer says why")
                self.assertTrue(r.closed_by_peer(), "connection left open after a refusal")

    def test_garbage_instead_of_http_is_answered_400(self):
        r = self.raw_ws()
        # An MQTT client pointed at the WebSocket port by mistake.
        r.send(mq.connect_packet("lost") + b"\r\n\r\n")
        answer = r.read_until_eof()
        self.assertTrue(answer.startswith(b"HTTP/1.1 400 "), answer)


class Frames(WsTestCase):
    def connect_raw(self, r, client_id, split=None):
        """CONNECT in one frame, or cut at the offsets in split, each piece
        its own frame (a fragmented message: first BINARY, then CONT)."""
        data = mq.connect_packet(client_id)
        if split is None:
            r.send_binary(data)
        else:
            cuts = [0] + list(split) + [len(data)]
            pieces = [data[a:b] for a, b in zip(cuts, cuts[1:])]
            for i, piece in enumerate(pieces):
                r.send(frame(BINARY if i == 0 else CONT, piece, fin=i == len(pieces) - 1))
        (first, body), = r.read_mqtt(1)
        self.assertEqual(first >> 4, mq.CONNACK)
        self.assertEqual(body[-1], 0, "CONNACK refused")

    def test_packet_split_across_frames_of_one_message(self):
        r = self.upgraded()
        self.connect_raw(r, "split1", split=[1, 2, 7])

    def test_packet_split_across_messages(self):
        # One packet in three separate messages: MQTT does not care where
        # WebSocket messages end (MQTT 5.0 section 6).
        r = self.upgraded()
        data = mq.connect_packet("split2")
        for piece in (data[:3], data[3:9], data[9:]):
            r.send_binary(piece)
        (first, _), = r.read_mqtt(1)
        self.assertEqual(first >> 4, mq.CONNACK)

    def test_several_packets_in_one_frame(self):
        r = self.upgraded()
        self.connect_raw(r, "batch")
        subscribe = mq.packet(0x82, b"\x00\x01" + mq.mqtt_str("w/t") + b"\x01")
        publish = mq.packet(0x32, mq.mqtt_str("w/t") + b"\x00\x02" + b"hello")
        pingreq = mq.packet(0xC0)
        r.send_binary(subscribe + publish + pingreq)
        kinds = {}
        for first, body in r.read_mqtt(4):
            kinds.setdefault(first >> 4, []).append(body)
        self.assertIn(mq.SUBACK, kinds)
        self.assertIn(mq.PUBACK, kinds)
        self.assertIn(mq.PINGRESP, kinds)
        self.assertIn(mq.PUBLISH, kinds)
        self.assertTrue(kinds[mq.PUBLISH][0].endswith(b"hello"))

    def test_ping_is_answered_with_pong(self):
        r = self.upgraded()
        self.connect_raw(r, "pinger")
        r.send(frame(PING, b"are you there"))
        opcode, fin, payload = r.read_frame()
        self.assertEqual((opcode, fin, payload), (PONG, True, b"are you there"))

    def test_text_frame_closes_the_connection(self):
        # [MQTT-6.0.0-1] data frames other than binary close the connection.
        r = self.upgraded()
        self.connect_raw(r, "texter")
        r.send(frame(TEXT, b"hello"))
        self.assertTrue(r.closed_by_peer())

    def test_disconnect_gets_a_close_frame(self):
        r = self.upgraded()
        self.connect_raw(r, "leaver")
        r.send_binary(mq.packet(0xE0))
        self.assertTrue(r.closed_by_peer())
        self.assertEqual(getattr(r, "close_payload", b"")[:2], b"\x03\xe8", "close code 1000")


class MessageLimit(WsTestCase):
    ws_settings = ["max_packet_size 1000"]

    def test_message_above_max_packet_size_closes(self):
        r = self.upgraded()
        r.send_binary(mq.connect_packet("big"))
        r.read_mqtt(1)
        r.send_binary(mq.packet(0x30, mq.mqtt_str("t") + b"x" * 5000))
        self.assertTrue(r.closed_by_peer())
        self.assertIn("above the limit", self.broker._read_log())
        # The listener still serves others.
        self.upgraded()


class PathAndOrigin(WsTestCase):
    ws_settings = ["websockets_path /mqtt", "websockets_origin https://app.example null"]

    def test_configured_path_only(self):
        answer = self.raw_ws().handshake(path="/other", extra=["Origin: null"])
        self.assertEqual(answer.status, 404, answer)
        answer = self.raw_ws().handshake(path="/mqtt?token=1", extra=["Origin: null"])
        self.assertEqual(answer.status, 101, answer)

    def test_origin_allow_list(self):
        answer = self.raw_ws().handshake(extra=["Origin: https://evil.example"])
        self.assertEqual(answer.status, 403, answer)
        answer = self.raw_ws().handshake()
        self.assertEqual(answer.status, 403, "no Origin while a list is set")
        answer = self.raw_ws().handshake(extra=["Origin: https://app.example"])
        self.assertEqual(answer.status, 101, answer)


class ForwardedFor(WsTestCase):
    ws_settings = ["websockets_trusted_proxy 127.0.0.1"]

    def connect_with(self, client_id, forwarded):
        r = self.upgraded(extra=[f"X-Forwarded-For: {forwarded}"])
        r.send_binary(mq.connect_packet(client_id))
        r.read_mqtt(1)
        return r

    def test_trusted_proxy_names_the_client(self):
        self.connect_with("behind-proxy", "192.0.2.1, 203.0.113.7")
        log = self.broker._read_log()
        self.assertIn("from 203.0.113.7:0 as behind-proxy", log)


class UntrustedForwardedFor(WsTestCase):
    def test_header_from_an_untrusted_peer_is_ignored(self):
        r = self.upgraded(extra=["X-Forwarded-For: 203.0.113.7"])
        r.send_binary(mq.connect_packet("liar"))
        r.read_mqtt(1)
        log = self.broker._read_log()
        self.assertIn("from 127.0.0.1:", log)
        self.assertNotIn("203.0.113.7", log)


class Sessions(WsTestCase):
    def test_qos_0_1_2_between_websocket_clients(self):
        sub = self.ws_paho("ws-sub")
        sub.subscribe("ws/q/#", qos=2)
        pub = self.ws_paho("ws-pub", protocol=MQTTv5)
        for qos in (0, 1, 2):
            pub.publish(f"ws/q/{qos}", f"m{qos}".encode(), qos=qos)
        got = sorted((m.topic, m.payload, m.qos) for m in sub.expect(3))
        self.assertEqual(got, [("ws/q/0", b"m0", 0), ("ws/q/1", b"m1", 1),
                               ("ws/q/2", b"m2", 2)])

    def test_tcp_publisher_reaches_websocket_subscriber(self):
        sub = self.ws_paho("ws-sub2")
        sub.subscribe("mixed/t", qos=1)
        self.pub("-t", "mixed/t", "-m", "over tcp", "-q", "1")
        (m,) = sub.expect(1)
        self.assertEqual(m.payload, b"over tcp")

    def test_session_moves_from_websocket_to_tcp_and_back(self):
        ws = self.ws_paho("mover", clean=False)
        ws.subscribe("move/#", qos=1)
        ws.close()
        self.pub("-t", "move/1", "-m", "queued while away", "-q", "1")
        tcp = self.paho("mover", clean=False)
        self.assertTrue(tcp.session_present())
        (m,) = tcp.expect(1)
        self.assertEqual(m.payload, b"queued while away")
        tcp.close()
        self.pub("-t", "move/2", "-m", "queued again", "-q", "1")
        back = self.ws_paho("mover", clean=False)
        self.assertTrue(back.session_present())
        (m,) = back.expect(1)
        self.assertEqual(m.payload, b"queued again")

    def test_tcp_client_takes_over_a_connected_websocket_session(self):
        ws = self.ws_paho("taken", clean=False, protocol=MQTTv311)
        ws.subscribe("take/#", qos=1)
        tcp = self.paho("taken", clean=False)
        self.assertTrue(tcp.session_present())
        self.assertTrue(ws.disconnected.wait(TIMEOUT), "the websocket connection stayed open")
        self.pub("-t", "take/x", "-m", "to the new one", "-q", "1")
        (m,) = tcp.expect(1)
        self.assertEqual(m.payload, b"to the new one")


if __name__ == "__main__":
    unittest.main()
