"""per_listener_settings true (issue 6, point 1): each listener has its own
allow_anonymous, password_file and acl_file, as in mosquitto; and a
bridge's local client gets into its own broker whatever allow_anonymous
says (point 3)."""

import os
import shutil
import time
import unittest

from broker import Broker, BrokerTestCase, free_port
from limits import TIMEOUT
from raw_mqtt import (CONNACK, PUBLISH, SUBACK, V311, V5, RawClient, connect_packet,
                      publish_packet)
from test_auth import mosquitto_passwd, private_dir
from test_bridge import MOSQUITTO, UNDER_TEST, bridge_lines, start_mosquitto


class TwoListenerBroker(Broker):
    """Listener 1 (self.port): anonymous clients, no files. Listener 2
    (self.port2): a password file and an ACL, no anonymous clients."""

    def __init__(self, pw_path, acl_path):
        super().__init__()
        self.pw_path, self.acl_path = pw_path, acl_path
        self.port2 = None

    def config_text(self):
        if self.port2 is None:
            self.port2 = free_port()
        return "\n".join([
            "per_listener_settings true",
            f"listener {self.port} {self.host}",
            "allow_anonymous true",
            f"listener {self.port2} {self.host}",
            "allow_anonymous false",
            f"password_file {self.pw_path}",
            f"acl_file {self.acl_path}",
            "sys_interval 0",
        ]) + "\n"


class PerListener(BrokerTestCase):
    def setUp(self):
        self.files = private_dir()
        self.addCleanup(shutil.rmtree, self.files, True)
        pw = os.path.join(self.files, "pw")
        mosquitto_passwd(pw, "alice", "secret", "-c")
        acl = os.path.join(self.files, "acl")
        with open(acl, "w") as f:
            f.write("user alice\ntopic readwrite alice/#\n")
        os.chmod(acl, 0o644)
        self.broker = TwoListenerBroker(pw, acl).start()
        self.addCleanup(self._stop_broker)

    def on(self, port):
        class Where:  # what RawClient needs of a broker
            host = self.broker.host
        w = Where()
        w.port = port
        r = RawClient(w)
        self.addCleanup(r.close)
        return r

    def connack(self, port, version=V311, **kwargs):
        r = self.on(port)
        r.send(connect_packet("c", version=version, **kwargs))
        return r, r.expect_packet(CONNACK, timeout=2 * TIMEOUT).body[1]

    def test_anonymous_is_allowed_on_one_listener_and_refused_on_the_other(self):
        self.assertEqual(self.connack(self.broker.port)[1], 0)
        self.assertEqual(self.connack(self.broker.port2)[1], 5)
        self.assertEqual(self.connack(self.broker.port2, version=V5)[1], 0x87)

    def test_the_password_file_is_the_listeners_own(self):
        _, code = self.connack(self.broker.port2, username="alice", password="secret")
        self.assertEqual(code, 0)
        _, code = self.connack(self.broker.port2, username="alice", password="wrong")
        self.assertEqual(code, 4)
        # The first listener has no password file: a user name is not checked.
        _, code = self.connack(self.broker.port, username="alice", password="wrong")
        self.assertEqual(code, 0)

    def test_the_acl_is_the_listeners_own(self):
        alice, code = self.connack(self.broker.port2, username="alice", password="secret")
        self.assertEqual(code, 0)
        alice.send(bytes([0x82]) + bytes([2 + 2 + 7 + 1]) + b"\x00\x01" + b"\x00\x07other/x" +
                   b"\x00")
        self.assertEqual(alice.expect_packet(SUBACK).body[2], 0x80)
        # Anonymous clients on the open listener have no ACL at all.
        anon, code = self.connack(self.broker.port)
        self.assertEqual(code, 0)
        anon.send(bytes([0x82]) + bytes([2 + 2 + 7 + 1]) + b"\x00\x01" + b"\x00\x07other/x" +
                  b"\x00")
        self.assertEqual(anon.expect_packet(SUBACK).body[2], 0)


@unittest.skipIf(UNDER_TEST.startswith("mosquitto"), "tern's bridge is under test")
@unittest.skipUnless(os.access(MOSQUITTO, os.X_OK), f"needs {MOSQUITTO} as the remote")
class BridgeIntoLockedBroker(unittest.TestCase):
    """allow_anonymous false and a password file on the bridge's own
    broker: its local link is part of the broker, not a client that needs
    a password (as mosquitto's bridges)."""

    def test_messages_cross_the_bridge_both_ways(self):
        files = private_dir()
        self.addCleanup(shutil.rmtree, files, True)
        pw = os.path.join(files, "pw")
        mosquitto_passwd(pw, "alice", "secret", "-c")
        remote = start_mosquitto()
        self.addCleanup(remote.stop)
        local = Broker(["persistence false", "allow_anonymous false", f"password_file {pw}",
                        *bridge_lines(remote, "topic bridged/# both 1")]).start()
        self.addCleanup(local.stop)

        def alice(client_id):
            r = RawClient(local)
            self.addCleanup(r.close)
            r.connect(client_id, username="alice", password="secret")
            return r

        state = alice("state-watch")
        state.subscribe(1, "$SYS/broker/connection/tern-bridge/state", qos=1)
        deadline = time.monotonic() + 3 * TIMEOUT
        while True:  # the bridge's state is "1" once both its sides are up
            p = state.recv_packet(timeout=max(0.0, deadline - time.monotonic()))
            self.assertIsNotNone(p, "the bridge never reported itself connected")
            if p.type == PUBLISH and p.publish_fields()[3] == b"1":
                break
            if p.type == PUBLISH and p.publish_fields()[1]:
                state.send(bytes([0x40, 2]) + p.publish_fields()[2].to_bytes(2, "big"))
        remote_sub = RawClient(remote)
        self.addCleanup(remote_sub.close)
        remote_sub.connect("rsub")
        remote_sub.subscribe(1, "bridged/#")
        local_sub = alice("lsub")
        local_sub.subscribe(1, "bridged/#")
        # Out: from the locked broker to the remote.
        alice("lpub").send(publish_packet("bridged/out", b"o"))
        self.assertEqual(remote_sub.expect_packet(PUBLISH).publish_fields()[3], b"o")
        # In: from the remote into the locked broker.
        rpub = RawClient(remote)
        self.addCleanup(rpub.close)
        rpub.connect("rpub")
        rpub.send(publish_packet("bridged/in", b"i"))
        got = []
        while b"i" not in got:
            got.append(local_sub.expect_packet(PUBLISH).publish_fields()[3])
        with open(local.log_path) as f:
            self.assertNotIn("refused", f.read())


if __name__ == "__main__":
    unittest.main()
