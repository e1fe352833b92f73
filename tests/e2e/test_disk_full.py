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


if __name__ == "__main__":
    unittest.main()
