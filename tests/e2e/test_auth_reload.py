"""SIGHUP re-checks connected clients (issue 6, point 4): a client whose
password entry changed or went is disconnected (v5: DISCONNECT 0x87), the
others stay; a subscription the new ACL no longer allows stops receiving."""

import os
import shutil
import signal
import subprocess
import time
import unittest

from broker import BrokerTestCase
from limits import TIMEOUT
from raw_mqtt import DISCONNECT, PINGREQ_PACKET, PINGRESP, PUBLISH, V311, V5, publish_packet
from test_auth import mosquitto_passwd, private_dir


class Reload(BrokerTestCase):
    def setUp(self):
        self.files = private_dir()
        self.addCleanup(shutil.rmtree, self.files, True)
        self.pw = os.path.join(self.files, "pw")
        mosquitto_passwd(self.pw, "alice", "secret", "-c")
        mosquitto_passwd(self.pw, "bob", "hunter2")
        self.acl = os.path.join(self.files, "acl")
        self.write_acl("user alice\ntopic readwrite a/#\ntopic readwrite b/#\n"
                       "user bob\ntopic readwrite #\n")
        self.broker_settings = ["allow_anonymous false", f"password_file {self.pw}",
                                f"acl_file {self.acl}", "sys_interval 0"]
        super().setUp()

    def write_acl(self, text):
        with open(self.acl, "w") as f:
            f.write(text)
        os.chmod(self.acl, 0o644)

    def reload(self):
        """SIGHUP, and wait for the broker to say it reloaded (bounded)."""
        with open(self.broker.log_path, "rb") as f:
            seen = f.read().count(b"SIGHUP: password and ACL files reloaded")
        self.broker.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with open(self.broker.log_path, "rb") as f:
                if f.read().count(b"SIGHUP: password and ACL files reloaded") > seen:
                    return
            time.sleep(0.05)
        self.fail("the broker did not log the reload")

    def still_connected(self, raw):
        raw.send(PINGREQ_PACKET)
        raw.expect_packet(PINGRESP)

    def test_changed_or_removed_passwords_disconnect_their_clients(self):
        alice = self.raw()
        alice.connect("alice-5", version=V5, username="alice", password="secret")
        bob = self.raw()
        bob.connect("bob-311", version=V311, username="bob", password="hunter2")
        mosquitto_passwd(self.pw, "alice", "changed")
        self.reload()
        closed, packets = alice.wait_closed()
        self.assertTrue(closed)
        self.assertEqual([(p.type, p.body[0]) for p in packets], [(DISCONNECT, 0x87)])
        self.still_connected(bob)
        # Removed: the 3.1.1 client is closed (it has no DISCONNECT to read).
        subprocess_delete(self.pw, "bob")
        self.reload()
        closed, packets = bob.wait_closed()
        self.assertTrue(closed)
        self.assertEqual(packets, [])
        with open(self.broker.log_path) as f:
            log = f.read()
        self.assertIn("user 'alice' was changed on reload", log)
        self.assertIn("user 'bob' was removed on reload", log)
        # The new password works.
        self.raw().connect("alice-again", version=V5, username="alice", password="changed")

    def test_a_subscription_no_longer_allowed_stops_receiving(self):
        sub = self.raw()
        sub.connect("sub", username="alice", password="secret")
        sub.subscribe(1, "a/#")
        sub.subscribe(2, "b/#")
        pub = self.raw()
        pub.connect("pub", username="bob", password="hunter2")
        pub.send(publish_packet("a/1", b"before"))
        self.assertEqual(sub.expect_packet(PUBLISH).publish_fields()[3], b"before")
        self.write_acl("user alice\ntopic readwrite b/#\nuser bob\ntopic readwrite #\n")
        self.reload()
        self.still_connected(sub)  # the password did not change
        # Same publisher, so in order: a/2 would arrive before b/2.
        pub.send(publish_packet("a/2", b"denied"))
        pub.send(publish_packet("b/2", b"allowed"))
        p = sub.expect_packet(PUBLISH)
        self.assertEqual(p.publish_fields()[:1] + (p.publish_fields()[3],), ("b/2", b"allowed"))


def subprocess_delete(path, user):
    subprocess.run(["mosquitto_passwd", "-D", path, user], check=True, capture_output=True,
                   timeout=TIMEOUT)
    os.chmod(path, 0o644)


if __name__ == "__main__":
    unittest.main()
