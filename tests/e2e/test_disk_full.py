"""A full disk: tern stops acknowledging what it cannot store, keeps serving
what needs no disk, and carries on when space returns (README, Durability).

The store lives on a small tmpfs that the test fills; mounting needs root
(the CI machine runs as root), so elsewhere the test is skipped.
"""

import os
import subprocess
import tempfile
import time
import unittest

from broker import Broker
from clients import PahoClient
from limits import TIMEOUT
from raw_mqtt import PUBACK, V5, RawClient, publish_packet


def mount_tmpfs(size):
    path = tempfile.mkdtemp(prefix="tern-diskfull-")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                       capture_output=True, text=True)
    if r.returncode != 0:
        os.rmdir(path)
        return None, r.stderr.strip()
    return path, ""


def fill(path):
    """Writes a file until the filesystem is full; returns its path."""
    filler = os.path.join(path, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 512) > 0:
            pass
    except OSError:
        pass  # ENOSPC: full
    finally:
        os.close(fd)
    return filler


class DiskFull(unittest.TestCase):
    def setUp(self):
        self.mount, why = mount_tmpfs("4m")
        if self.mount is None:
            self.skipTest(f"cannot mount a tmpfs here (needs root): {why}")
        self.addCleanup(self._unmount)
        self.broker = Broker({"persistence": "true",
                              "persistence_location": self.mount + "/"}).start()
        self.addCleanup(self.broker.stop)

    def _unmount(self):
        subprocess.run(["umount", "-l", self.mount], capture_output=True)
        os.rmdir(self.mount)

    def test_acknowledgements_wait_for_space_and_qos0_flows(self):
        sub = PahoClient(self.broker, "offline-sub", clean=False)
        sub.connect()
        sub.subscribe("stored/#", qos=1)
        sub.disconnect()

        filler = fill(self.mount)
        pub = PahoClient(self.broker, "pub")
        pub.connect()
        self.addCleanup(pub.close)
        info = pub.client.publish("stored/1", b"kept", qos=1)
        info.wait_for_publish(2.0)
        self.assertFalse(info.is_published(),
                         "PUBACK for a message the store could not write")

        # Clean sessions at QoS 0 need no disk: they keep working.
        live_sub = PahoClient(self.broker, "live-sub")
        live_sub.connect()
        self.addCleanup(live_sub.close)
        live_sub.subscribe("live/#", qos=0)
        live_pub = PahoClient(self.broker, "live-pub")
        live_pub.connect()
        self.addCleanup(live_pub.close)
        live_pub.publish("live/1", b"still here", qos=0)
        self.assertEqual([m.payload for m in live_sub.expect(1)], [b"still here"])

        log = self.broker._read_log()
        self.assertIn("acknowledgements that need the store wait", log)

        # Space returns: the store writes again and the PUBACK follows.
        os.remove(filler)
        info.wait_for_publish(3 * TIMEOUT)
        self.assertTrue(info.is_published(), "no PUBACK after space returned")
        self.assertIn("writing again", self.broker._read_log())

        sub = PahoClient(self.broker, "offline-sub", clean=False)
        sub.connect()
        self.addCleanup(sub.close)
        self.assertEqual([m.payload for m in sub.expect(1)], [b"kept"])

    def test_v5_publishers_are_refused_with_0x97_while_the_store_fails(self):
        sub = PahoClient(self.broker, "offline-sub", clean=False)
        sub.connect()
        sub.subscribe("stored/#", qos=1)
        sub.disconnect()
        live_sub = PahoClient(self.broker, "live-sub")
        live_sub.connect()
        self.addCleanup(live_sub.close)
        live_sub.subscribe("live/#", qos=1)

        filler = fill(self.mount)
        # A 3.1.1 message that needs the store waits for the disk (and its
        # failed write tells the broker the store is failing).
        waiting = PahoClient(self.broker, "v311-pub")
        waiting.connect()
        self.addCleanup(waiting.close)
        info = waiting.client.publish("stored/1", b"waits", qos=1)
        deadline = time.monotonic() + TIMEOUT
        while "acknowledgements that need the store wait" not in self.broker._read_log():
            self.assertLess(time.monotonic(), deadline, "the store never reported failing")
            time.sleep(0.05)
        self.assertFalse(info.is_published())

        pub = RawClient(self.broker)
        self.addCleanup(pub.close)
        pub.connect("v5-pub", version=V5)
        # Meanwhile: refused at once, and not delivered later either.
        pub.send(publish_packet("stored/2", b"refused", qos=1, pid=2, version=V5))
        ack = pub.expect_packet(PUBACK)
        self.assertEqual((ack.pid(), ack.body[2]), (2, 0x97), ack)
        # A message that needs no disk (a clean session's subscription) flows.
        pub.send(publish_packet("live/1", b"flows", qos=1, pid=3, version=V5))
        ack = pub.expect_packet(PUBACK)
        self.assertEqual((ack.pid(), len(ack.body) == 2 or ack.body[2] == 0), (3, True), ack)
        self.assertEqual([m.payload for m in live_sub.expect(1)], [b"flows"])

        os.remove(filler)
        info.wait_for_publish(3 * TIMEOUT)
        self.assertTrue(info.is_published(), "no PUBACK after space returned")
        pub.send(publish_packet("stored/3", b"stored again", qos=1, pid=4, version=V5))
        ack = pub.expect_packet(PUBACK)
        self.assertEqual(ack.pid(), 4, ack)
        self.assertTrue(len(ack.body) == 2 or ack.body[2] == 0, ack)

        sub = PahoClient(self.broker, "offline-sub", clean=False)
        sub.connect()
        self.addCleanup(sub.close)
        self.assertEqual([m.payload for m in sub.expect(2)], [b"waits", b"stored again"])
        self.assertEqual(sub.drain(0.5), [], "the refused message was delivered")


if __name__ == "__main__":
    unittest.main()
