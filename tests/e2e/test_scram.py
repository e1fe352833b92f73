"""MQTT 5 enhanced authentication with SCRAM-SHA-256 (issue 6, point 3):
a raw-socket v5 client that implements RFC 5802's client side with
hashlib/hmac, against users made by `tern passwd --scram`. paho-mqtt 1.6
cannot drive an AUTH exchange, so the client is hand-built; it is still a
real network client of the real broker."""

import base64
import hashlib
import hmac
import os
import shutil
import subprocess
import unittest

from broker import BrokerTestCase, broker_executable
from limits import TIMEOUT
from raw_mqtt import (CONNACK, PUBLISH, SUBACK, V5, mqtt_str, packet, varint,
                      connect_packet, publish_packet, subscribe_packet)
from test_auth import private_dir
from test_v5_features import parse_props

AUTH = 15
METHOD = "SCRAM-SHA-256"


def tern_passwd(*args):
    subprocess.run([broker_executable(), "passwd", *args], check=True, capture_output=True,
                   timeout=TIMEOUT)


def auth_props(method, data):
    out = bytes([0x15]) + mqtt_str(method)
    if data is not None:
        out += bytes([0x16]) + mqtt_str(data)
    return out


def auth_packet(reason, method, data):
    props = auth_props(method, data)
    return packet(0xF0, bytes([reason]) + varint(len(props)) + props)


def props_at(body, pos):
    """The v5 properties at body[pos:] as {id: value} (strings decoded)."""
    return parse_props(body, pos)[0]


class ScramClient:
    """RFC 5802 client side, SHA-256 (RFC 7677)."""

    def __init__(self, user, password):
        self.user, self.password = user, password
        self.nonce = base64.b64encode(os.urandom(18)).decode()
        self.first_bare = f"n={user},r={self.nonce}"

    def first(self):
        return ("n,," + self.first_bare).encode()

    def final(self, server_first):
        attrs = dict(part.split("=", 1) for part in server_first.split(","))
        if not attrs["r"].startswith(self.nonce):
            raise AssertionError(f"server nonce does not extend ours: {server_first}")
        salted = hashlib.pbkdf2_hmac("sha256", self.password.encode(),
                                     base64.b64decode(attrs["s"]), int(attrs["i"]))
        client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
        stored_key = hashlib.sha256(client_key).digest()
        without_proof = f"c=biws,r={attrs['r']}"
        self.auth_message = f"{self.first_bare},{server_first},{without_proof}".encode()
        signature = hmac.new(stored_key, self.auth_message, hashlib.sha256).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
        self.expected_server = "v=" + base64.b64encode(
            hmac.new(server_key, self.auth_message, hashlib.sha256).digest()).decode()
        return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()


class Scram(BrokerTestCase):
    def setUp(self):
        self.files = private_dir()
        self.addCleanup(shutil.rmtree, self.files, True)
        self.pw_path = os.path.join(self.files, "passwords")
        tern_passwd("-c", "--scram", "-b", self.pw_path, "carol", "s3cret")
        tern_passwd("-b", self.pw_path, "dave", "plain")  # $7$: no SCRAM keys
        self.broker_settings = ["allow_anonymous false", f"password_file {self.pw_path}",
                                "sys_interval 0"]
        super().setUp()

    def start_scram(self, raw, user, password, client_id="scram"):
        """CONNECT with the client-first-message; returns (client, reply)."""
        client = ScramClient(user, password)
        raw.send(connect_packet(client_id, version=V5,
                                properties=auth_props(METHOD, client.first())))
        return client, raw.recv_packet()

    def login(self, user="carol", password="s3cret", client_id="scram"):
        raw = self.raw()
        raw.version = V5
        client, reply = self.start_scram(raw, user, password, client_id)
        self.assertIsNotNone(reply, "no answer to CONNECT")
        self.assertEqual(reply.type, AUTH, reply)
        self.assertEqual(reply.body[0], 0x18)
        props = props_at(reply.body, 1)
        self.assertEqual(props[0x15], METHOD)
        raw.send(auth_packet(0x18, METHOD, client.final(props[0x16])))
        return raw, client, raw.expect_packet(CONNACK)

    def test_scram_login_succeeds_and_the_server_proves_itself(self):
        raw, client, ack = self.login()
        self.assertEqual(ack.body[1], 0, ack)
        props = props_at(ack.body, 2)
        self.assertEqual(props[0x15], METHOD)
        self.assertEqual(props[0x16], client.expected_server)
        # And it is an ordinary client from here on.
        raw.send(subscribe_packet(1, "scram/t", version=V5))
        raw.expect_packet(SUBACK)
        raw.send(publish_packet("scram/t", b"hi", version=V5))
        self.assertEqual(raw.expect_packet(PUBLISH).publish_fields(V5)[3], b"hi")

    def test_wrong_password_is_refused_with_not_authorized(self):
        _, _, ack = self.login(password="wrong")
        self.assertEqual(ack.body[1], 0x87)

    def test_unknown_user_and_user_without_scram_keys_are_refused_alike(self):
        for user in ("nobody", "dave"):
            with self.subTest(user=user):
                _, _, ack = self.login(user=user, password="plain")
                self.assertEqual(ack.body[1], 0x87)

    def test_unknown_method_gets_bad_authentication_method(self):
        raw = self.raw()
        raw.send(connect_packet("m", version=V5, properties=auth_props("KERBEROS", b"x")))
        ack = raw.expect_packet(CONNACK)
        self.assertEqual(ack.body[1], 0x8C)
        self.assertTrue(raw.wait_closed()[0])

    def test_other_packets_before_connack_are_a_protocol_error(self):
        raw = self.raw()
        raw.version = V5
        _, reply = self.start_scram(raw, "carol", "s3cret")
        self.assertEqual(reply.type, AUTH)
        raw.send(publish_packet("x", b"y", version=V5))
        closed, packets = raw.wait_closed()
        self.assertTrue(closed)
        self.assertEqual([p.body[1] for p in packets if p.type == CONNACK], [0x82])

    def test_a_scram_user_can_also_log_in_with_a_plain_password(self):
        self.raw().connect("plain", version=V5, username="carol", password="s3cret")

    def reauthenticate(self, password):
        """Logs carol in, then starts a re-authentication (AUTH 0x19) with
        `password` and answers the server-first-message."""
        raw, _, ack = self.login()
        self.assertEqual(ack.body[1], 0)
        again = ScramClient("carol", password)
        raw.send(auth_packet(0x19, METHOD, again.first()))
        reply = raw.expect_packet(AUTH)
        self.assertEqual(reply.body[0], 0x18)
        raw.send(auth_packet(0x18, METHOD, again.final(props_at(reply.body, 1)[0x16])))
        return raw, again

    def test_re_authentication(self):
        raw, again = self.reauthenticate("s3cret")
        done = raw.expect_packet(AUTH)
        self.assertEqual(done.body[0], 0x00)
        self.assertEqual(props_at(done.body, 1)[0x16], again.expected_server)
        # Still connected.
        raw.send(subscribe_packet(2, "still/here", version=V5))
        raw.expect_packet(SUBACK)

    def test_failed_re_authentication_disconnects_with_not_authorized(self):
        raw, _ = self.reauthenticate("wrong")
        closed, packets = raw.wait_closed()
        self.assertTrue(closed)
        self.assertEqual([(p.type, p.body[0]) for p in packets], [(14, 0x87)])

    def test_auth_without_a_method_in_connect_is_a_protocol_error(self):
        raw = self.raw()
        raw.connect("p", version=V5, username="carol", password="s3cret")
        raw.send(auth_packet(0x19, METHOD, b"n,,n=carol,r=x"))
        closed, packets = raw.wait_closed()
        self.assertTrue(closed)
        self.assertEqual([(p.type, p.body[0]) for p in packets], [(14, 0x82)])


class TernPasswd(unittest.TestCase):
    def test_passwd_writes_replaces_and_deletes_lines(self):
        d = private_dir()
        self.addCleanup(shutil.rmtree, d, True)
        path = os.path.join(d, "pw")
        tern_passwd("-c", "-b", path, "a", "one")
        tern_passwd("--scram", "-b", path, "b", "two")
        subprocess.run([broker_executable(), "passwd", path, "a"], input=b"three\n", check=True,
                       capture_output=True, timeout=TIMEOUT)
        with open(path) as f:
            lines = f.read().splitlines()
        self.assertEqual([l.split(":")[0] for l in lines], ["b", "a"])
        self.assertTrue(lines[0].startswith("b:$scram-sha-256$4096$"))
        self.assertTrue(lines[1].startswith("a:$7$101$"))
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        tern_passwd("-D", path, "b")
        with open(path) as f:
            self.assertEqual([l.split(":")[0] for l in f.read().splitlines()], ["a"])
        # mosquitto_passwd reads tern's $7$ lines, so the files stay interchangeable.
        res = subprocess.run(["mosquitto_passwd", "-b", path, "c", "four"], capture_output=True,
                             timeout=TIMEOUT)
        self.assertEqual(res.returncode, 0, res.stderr)


if __name__ == "__main__":
    unittest.main()
